// Realistic grievance bodies for the benchmark: the hand-written corpus (Chinese, English and
// mixed) as the core of each description, lengthened with the kind of detail callers give, a
// caller with a phone number of their own (so no two grievances are one caller's repeats), a
// tenth anonymous, in one of the bench's communities.
import { holdout } from "../services/triage/test/corpus/holdout";
import { train } from "../services/triage/test/corpus/train";
import type { CreateGrievanceRequest } from "@grievance-hub/schema";

const corpus = [...train, ...holdout];

// Detail callers add, as templates with slots, so that two long descriptions share no more
// than two real callers' accounts would (their trigram similarity stays mostly below the
// related-grievance threshold, as it would for different disputes).
const slots = {
  zh: {
    when: ["昨天晚上十点多", "今天早上六点", "上周三下午", "前天凌晨两点", "这个月初", "上个月十五号", "春节前", "国庆假期里", "三天前", "半个月前", "去年冬天", "每个周末"],
    where: ["小区门口", "楼道里", "菜市场旁边", "单位宿舍", "村委会办公室", "地下停车场", "学校门口", "工地上", "出租屋里", "公交站台", "商场二楼", "河堤边上"],
    who: ["隔壁的老张", "楼上那户人家", "我们老板", "包工头", "房东", "物业的工作人员", "我前夫", "对面的店主", "村里的几个人", "他家亲戚", "中介公司的人", "车间主任"],
    did: ["大声吵闹", "把东西堆在门口", "说话很难听", "拒绝支付", "一直推脱", "把门锁换了", "把水停了", "不接电话", "在群里骂人", "把车堵在路口", "找人上门", "扣了押金"],
    amount: ["三千二", "八百", "一万五", "两万多", "六千", "四百五", "一千二", "九万"],
    count: ["两", "三", "四", "五", "六", "七", "十"],
  },
  en: {
    when: ["last night around ten", "at six this morning", "on Wednesday afternoon", "at two in the morning the day before yesterday", "at the start of this month", "on the fifteenth of last month", "before the holiday", "three days ago", "two weeks ago", "all through last winter", "every weekend", "on my birthday"],
    where: ["at the estate gate", "in the stairwell", "next to the wet market", "in the staff dormitory", "at the village office", "in the underground car park", "outside the school", "on the building site", "in the rented room", "at the bus stop", "on the second floor of the mall", "by the river embankment"],
    who: ["the man next door", "the family upstairs", "my employer", "the foreman", "the landlord", "the property manager", "my ex-husband", "the shop owner opposite", "some people from the village", "his relatives", "the agency staff", "the workshop supervisor"],
    did: ["shouted for an hour", "piled boxes in front of our door", "insulted my mother", "refused to pay", "kept putting it off", "changed the locks", "cut off the water", "stopped answering calls", "posted abuse in the group chat", "blocked the lane with his van", "sent people to our door", "kept the deposit"],
    amount: ["3,200 yuan", "800 yuan", "15,000 yuan", "over 20,000 yuan", "6,000 yuan", "450 yuan", "1,200 yuan", "90,000 yuan"],
    count: ["two", "three", "four", "five", "six", "seven", "ten"],
  },
};

type Slots = (typeof slots)["zh"];
const templates: Record<"zh" | "en", ((s: Slots, r: () => number) => string)[]> = {
  zh: [
    (s, r) => `${pick(r, s.when)}在${pick(r, s.where)}，${pick(r, s.who)}又${pick(r, s.did)}。`,
    (s, r) => `这种情况已经有${pick(r, s.count)}个月了，我找过${pick(r, s.who)}${pick(r, s.count)}次，都没有结果。`,
    (s, r) => `涉及的钱大概是${pick(r, s.amount)}，我手上有收据和转账记录。`,
    (s, r) => `${pick(r, s.who)}说是${pick(r, s.who)}让他这么做的，可是问了以后又不承认。`,
    (s, r) => `我们${pick(r, s.count)}户人家都签了名，希望${pick(r, s.when)}之前能有人来${pick(r, s.where)}看看。`,
    (s, r) => `${pick(r, s.when)}我去${pick(r, s.where)}找人，等了${pick(r, s.count)}个小时也没人理。`,
    (s, r) => `家里${pick(r, s.count)}口人都靠我一个人的工资，${pick(r, s.amount)}对我们来说不是小数目。`,
    (s, r) => `我有${pick(r, s.count)}段录音，能听到${pick(r, s.who)}${pick(r, s.did)}。`,
    (s, r) => `晚上方便的话请打这个电话，白天我在${pick(r, s.where)}上班不方便接。`,
    (s, r) => `上次${pick(r, s.who)}${pick(r, s.did)}以后，孩子${pick(r, s.count)}天都不敢出门。`,
  ],
  en: [
    (s, r) => `${cap(pick(r, s.when))} ${pick(r, s.where)}, ${pick(r, s.who)} ${pick(r, s.did)} again.`,
    (s, r) => `It has been ${pick(r, s.count)} months and I have gone to ${pick(r, s.who)} ${pick(r, s.count)} times without any result.`,
    (s, r) => `The money involved is about ${pick(r, s.amount)} and I have the receipts and the bank transfers.`,
    (s, r) => `${cap(pick(r, s.who))} says ${pick(r, s.who)} told him to do it, but when I asked they denied it.`,
    (s, r) => `${cap(pick(r, s.count))} households have signed a letter and we hope someone can come ${pick(r, s.where)} before ${pick(r, s.when)}.`,
    (s, r) => `${cap(pick(r, s.when))} I went ${pick(r, s.where)} to find someone and waited ${pick(r, s.count)} hours for nothing.`,
    (s, r) => `There are ${pick(r, s.count)} of us living on my wage, so ${pick(r, s.amount)} is not a small sum for us.`,
    (s, r) => `I have ${pick(r, s.count)} recordings where you can hear that ${pick(r, s.who)} ${pick(r, s.did)}.`,
    (s, r) => `Please call in the evening; during the day I work ${pick(r, s.where)} and cannot answer.`,
    (s, r) => `Since ${pick(r, s.who)} ${pick(r, s.did)} the children have not dared to go out for ${pick(r, s.count)} days.`,
  ],
};

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

const names = {
  zh: ["李伟", "王芳", "张敏", "刘洋", "陈静", "杨磊", "赵丽", "黄强", "周婷", "吴军", "徐娟", "孙涛"],
  en: ["Li Wei", "Maria Santos", "John Carter", "Aisha Khan", "Tom Müller", "Chen Jing", "Priya Nair", "Kofi Mensah"],
};

const channels = ["phone", "phone", "phone", "web", "walk_in", "app", "letter"] as const;

/**
 * The bench's divisions: 6 districts of 3 streets of 6 communities each (108 communities). Events
 * are keyed by district (partitionKeyFor), so the districts are what spreads the work over the
 * topics' 6 partitions and over triage replicas; these six hash to six different partitions
 * under the default partitioner (murmur2), as a deployment would size its partitions to its districts.
 */
export const districts = ["440402", "440403", "440407", "440408", "440409", "440414"];
export const streets = districts.flatMap((d) => ["001", "002", "003"].map((s) => `${d}${s}`));
export const communities = streets.flatMap((s) => Array.from({ length: 6 }, (_, c) => `${s}${String(c + 1).padStart(3, "0")}`));

/** A small deterministic PRNG (mulberry32), so every run sends the same mix. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/** A mobile number that is the `n`th caller's alone, in one of the notations operators type. */
function phoneOf(n: number, r: () => number): string {
  const digits = `139${String(n % 100_000_000).padStart(8, "0")}`;
  const notation = Math.floor(r() * 3);
  if (notation === 0) return digits;
  if (notation === 1) return `+86 ${digits.slice(0, 3)} ${digits.slice(3, 7)} ${digits.slice(7)}`;
  return `${digits.slice(0, 3)}-${digits.slice(3, 7)}-${digits.slice(7)}`;
}

export interface GeneratedGrievance {
  body: CreateGrievanceRequest;
  json: string;
}

/**
 * The `n`th grievance of a stream, as operators record calls: 35 % one sentence, 50 % with a
 * few sentences of detail, 12 % a paragraph, 3 % a long account (up to about 2 kB); both languages.
 */
export function grievance(n: number, r: () => number): GeneratedGrievance {
  const base = pick(r, corpus);
  const language = base.lang === "en" ? "en" : "zh";
  const shape = r();
  const extra = shape < 0.35 ? 0 : shape < 0.85 ? 1 + Math.floor(r() * 3) : shape < 0.97 ? 4 + Math.floor(r() * 5) : 10 + Math.floor(r() * 16);
  const sentences = [base.text];
  for (let i = 0; i < extra; i++) sentences.push(pick(r, templates[language])(slots[language], r));
  const description = sentences.join(language === "en" ? " " : "");
  const divisionCode = pick(r, communities);
  const anonymous = r() < 0.1;
  const withAddress = r() < 0.5;
  const body: CreateGrievanceRequest = {
    channel: pick(r, channels),
    ...(anonymous
      ? { anonymous: true as const, language }
      : { complainant: { name: pick(r, names[language]), phone: phoneOf(n, r), language, consentToContact: r() < 0.7 } }),
    location: {
      divisionCode,
      ...(withAddress ? { address: language === "en" ? `Building ${1 + (n % 30)}, Lane ${1 + (n % 7)}, Gongbei` : `拱北街道第${1 + (n % 7)}巷${1 + (n % 30)}号` } : {}),
      ...(r() < 0.3 ? { coordinates: { lat: 22.2 + r() * 0.1, lon: 113.5 + r() * 0.1 } } : {}),
    },
    description,
    ...(r() < 0.2 ? { externalReference: `call-${n}` } : {}),
  };
  return { body, json: JSON.stringify(body) };
}
