// The person's live notifications: an EventSource on the console's /api/feed, which the BFF
// proxies from notification. EventSource reconnects by itself and resumes with Last-Event-ID.
import { useEffect, useRef, useState } from "react";

export interface FeedNotification {
  seq: number;
  eventType: string;
  template: string;
  facts: { trackingCode?: string; caseUrl?: string; urgency?: string };
  createdAt: string;
}

export type FeedState = "connecting" | "live" | "reconnecting";

/** Calls onNotification for each notification; tells whether the stream is live now. */
export function useFeed(onNotification: (n: FeedNotification) => void): FeedState {
  const handler = useRef(onNotification);
  handler.current = onNotification;
  const [state, setState] = useState<FeedState>("connecting");
  useEffect(() => {
    const source = new EventSource("/api/feed");
    source.addEventListener("open", () => setState("live"));
    source.addEventListener("error", () => setState("reconnecting"));
    source.addEventListener("notification", (e) => handler.current(JSON.parse((e as MessageEvent<string>).data) as FeedNotification));
    return () => source.close();
  }, []);
  return state;
}
