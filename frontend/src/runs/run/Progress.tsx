// The progress card: epoch and step, throughput, ETA or duration, the bar, and the run's error.
import type { RunPublic, RunStatus } from "../../api/types";
import type { RunData } from "../../train/runData";
import { fmtDuration } from "../../ui/format";
import { duration } from "../RunsPage";

export default function Progress({ run, live, status, final, epochsTotal }: {
  run: RunPublic | null; live: RunData & { streamError: string | null }; status: RunStatus | null; final: boolean; epochsTotal: number | null;
}) {
  const p = live.progress;
  const fraction = status === "succeeded" ? 1 : epochsTotal && p.epoch ? Math.min(1, (p.epoch - 1 + (p.steps ? p.step / p.steps : 1)) / epochsTotal) : 0;
  const error = live.error ?? run?.error ?? live.streamError;
  return (
    <div className="progress-card">
      <div className="progress-top">
        <span data-testid="progress-epoch">Epoch {p.epoch || 0}{epochsTotal ? ` / ${epochsTotal}` : ""}</span>
        {p.steps ? <span className="dim">step {p.step} / {p.steps}</span> : null}
        <span className="dim">{p.samplesPerS ? `${Math.round(p.samplesPerS).toLocaleString()} samples/s` : ""}</span>
        <span className="grow" />
        <span className="dim">{final ? `took ${fmtDuration(run ? duration(run) : null)}` : p.etaS ? `ETA ${fmtDuration(p.etaS)}` : status === "queued" ? "waiting for a worker…" : ""}</span>
      </div>
      <div className={`bar s-${status ?? "queued"}`}><div style={{ width: `${(fraction * 100).toFixed(1)}%` }} /></div>
      {error && <div className="callout bad" data-testid="run-error">{error}</div>}
    </div>
  );
}
