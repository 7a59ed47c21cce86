// Timeline entries are events; people read them as labels in their language, not as event types.
import catalogue from "../../i18n/zh-CN.json";
type MessageKey = keyof typeof catalogue;

/** The catalogue key of an event type's label; a type without one shows as "another event". */
export function timelineLabel(type: string): MessageKey {
  const key = `timeline.${type.replace(/\.v\d+$/, "")}`;
  return (key in catalogue ? key : "timeline.other") as MessageKey;
}
