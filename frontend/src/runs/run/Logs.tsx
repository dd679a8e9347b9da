// The run's log lines, kept scrolled to the newest.
import { useEffect, useRef } from "react";
import type { LogLine } from "../../train/runData";

export default function Logs({ lines }: { lines: LogLine[] }) {
  const box = useRef<HTMLDivElement>(null);
  const count = lines.length;
  useEffect(() => {
    const el = box.current;
    if (el && count) el.scrollTop = el.scrollHeight;
  }, [count]);
  return (
    <section className="card">
      <h3>Log</h3>
      <div className="logs" ref={box} data-testid="run-logs">
        {lines.length ? lines.map((l, i) => (<div key={i} className={`log ${l.level}`}>{l.message}</div>)) : <div className="dim">No log lines yet.</div>}
      </div>
    </section>
  );
}
