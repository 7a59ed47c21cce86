// The person's live notifications: an EventSource on the console's /api/feed, which the BFF
// proxies from notification. EventSource reconnects by itself after a dropped stream and resumes
// with Last-Event-ID; it gives up for good on an answer that is not a stream (the session ended:
// 401; notification down: 503). Then the feed asks who is signed in (a 401 there sends the
// person to sign in, as every API call does) and, still signed in, opens a new stream after a
// growing pause; whatever arrived meanwhile is picked up by onResume (the list reloads).
import { useEffect, useRef, useState } from "react";
import { api } from "../../api";

export interface FeedNotification {
  seq: number;
  eventType: string;
  template: string;
  facts: { trackingCode?: string; caseUrl?: string; urgency?: string };
  createdAt: string;
}

export type FeedState = "connecting" | "live" | "reconnecting";

/** The pause before the n-th new stream after one was refused: 2 s doubling to at most 30 s. */
export function retryDelayMs(attempt: number): number {
  return Math.min(30_000, 2_000 * 2 ** Math.max(0, attempt - 1));
}

/** Calls onNotification for each notification and onResume when a stream is live again after a loss; tells whether the stream is live now. */
export function useFeed(onNotification: (n: FeedNotification) => void, onResume?: () => void): FeedState {
  const handler = useRef(onNotification);
  handler.current = onNotification;
  const resume = useRef(onResume);
  resume.current = onResume;
  const [state, setState] = useState<FeedState>("connecting");
  useEffect(() => {
    let source: EventSource | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let refused = 0;
    let lost = false;
    let stopped = false;
    const open = () => {
      source = new EventSource("/api/feed");
      source.addEventListener("open", () => {
        refused = 0;
        setState("live");
        if (lost) resume.current?.();
        lost = false;
      });
      source.addEventListener("error", () => {
        lost = true;
        setState("reconnecting");
        if (source?.readyState !== EventSource.CLOSED) return;
        source.close();
        refused += 1;
        const retry = () => {
          if (!stopped) timer = setTimeout(open, retryDelayMs(refused));
        };
        void api.me().then((me) => (!me.ok && me.problem.status === 401 ? undefined : retry()), retry);
      });
      source.addEventListener("notification", (e) => handler.current(JSON.parse((e as MessageEvent<string>).data) as FeedNotification));
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(timer);
      source?.close();
    };
  }, []);
  return state;
}
