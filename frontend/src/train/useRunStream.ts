// Subscribes to WS /api/runs/{id}/stream: history first, then live events, folded into RunData.
import { useEffect, useState } from "react";
import { notifyUnauthorized, streamUrl } from "../api/client";
import type { RunEvent } from "../api/types";
import { applyEvent, emptyRunData, FINAL, type RunData } from "./runData";

export function useRunStream(runId: string | null): RunData & { connected: boolean; streamError: string | null } {
  const [data, setData] = useState<RunData>(emptyRunData);
  const [connected, setConnected] = useState(false);
  const [streamError, setStreamError] = useState<string | null>(null);

  useEffect(() => {
    if (!runId) return;
    let closed = false;
    let ws: WebSocket | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let frame = 0;
    let acc = emptyRunData();
    let last: { t: number; seen: number; epoch: number } | null = null;
    let attempts = 0;

    const flush = () => {
      frame = 0;
      setData(acc);
    };
    const connect = () => {
      acc = emptyRunData(); // the server replays history on every connection
      last = null;
      ws = new WebSocket(streamUrl(runId));
      ws.onopen = () => {
        attempts = 0;
        setConnected(true);
      };
      ws.onmessage = (msg) => {
        let ev: RunEvent;
        try {
          ev = JSON.parse(msg.data as string) as RunEvent;
        } catch {
          return;
        }
        const now = performance.now();
        acc = applyEvent(acc, ev, { now, last });
        if (ev.type === "batch") last = { t: now, seen: ev.seen, epoch: ev.epoch };
        if (!frame) frame = requestAnimationFrame(flush);
      };
      ws.onclose = (ev) => {
        setConnected(false);
        if (frame) cancelAnimationFrame(frame);
        flush();
        if (ev.code === 4404) {
          setStreamError(ev.reason || `Run '${runId}' not found.`); // unknown run: nothing to wait for
          return;
        }
        if (ev.code === 4401) { // signed out (session ended): the sign-in page, not a reconnect loop
          setStreamError(ev.reason || "Sign in to watch this run.");
          notifyUnauthorized(ev.reason || "Sign in to watch this run.");
          return;
        }
        // The server closes after the final status (1000); anything else (a dropped line, 1012 for
        // a restarting server) means reconnect: the server replays the history again.
        if (!closed && !(acc.status && FINAL.includes(acc.status))) {
          attempts += 1;
          retry = setTimeout(connect, Math.min(5000, 500 * attempts));
        }
      };
    };
    connect();
    return () => {
      closed = true;
      clearTimeout(retry);
      if (frame) cancelAnimationFrame(frame);
      ws?.close();
    };
  }, [runId]);

  return { ...data, connected, streamError };
}
