// The person's live notifications: an EventSource on the console's /api/feed, which the BFF
// proxies from notification. EventSource reconnects by itself and resumes with Last-Event-ID.
import { useEffect, useRef } from "react";

export interface FeedNotification {
  seq: number;
  eventType: string;
  template: string;
  facts: { trackingCode?: string; caseUrl?: string; urgency?: string };
  createdAt: string;
}

export function useFeed(onNotification: (n: FeedNotification) => void): void {
  const handler = useRef(onNotification);
  handler.current = onNotification;
  useEffect(() => {
    const source = new EventSource("/api/feed");
    source.addEventListener("notification", (e) => handler.current(JSON.parse((e as MessageEvent<string>).data) as FeedNotification));
    return () => source.close();
  }, []);
}
