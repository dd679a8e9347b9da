// Every run: status, data set, best metrics, duration; open one, or select several to compare.
import { useCallback, useEffect, useState } from "react";
import { api } from "../api/client";
import type { RunSummary } from "../api/types";
import { fmtDate, fmtDuration, fmtMetric } from "../ui/format";
import { Icon } from "../ui/Icon";
import { href, navigate } from "../ui/route";
import { toast } from "../ui/toast";

export function duration(r: Pick<RunSummary, "started_at" | "finished_at">): number | null {
  if (!r.started_at) return null;
  const end = r.finished_at ? new Date(r.finished_at).getTime() : Date.now();
  return (end - new Date(r.started_at).getTime()) / 1000;
}

export function StatusChip({ status }: { status: string }) {
  return <span className={`status-chip s-${status}`} data-testid="run-status">{status}</span>;
}

function bestLine(m: Record<string, number | null> | null | undefined): [string, number | null][] {
  if (!m) return [];
  const order = ["val_accuracy", "accuracy", "val_loss", "loss", "val_mae", "mae"];
  return order.filter((k) => m[k] !== undefined).slice(0, 2).map((k) => [k, m[k]]);
}

export default function RunsPage() {
  const [runs, setRuns] = useState<RunSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [picked, setPicked] = useState<string[]>([]);

  const load = useCallback(() => api.runs().then((r) => { setRuns(r.data); setError(null); }, (e: Error) => setError(e.message)), []);
  useEffect(() => {
    void load();
    const t = setInterval(() => void load(), 4000);
    return () => clearInterval(t);
  }, [load]);

  const remove = async (r: RunSummary) => {
    if (!confirm(`Delete run “${r.name}” and its files?`)) return;
    try {
      await api.deleteRun(r.id);
      setPicked((p) => p.filter((x) => x !== r.id));
      void load();
    } catch (err) {
      toast((err as Error).message, "error");
    }
  };

  return (
    <div className="page">
      <div className="page-head">
        <h1>Runs</h1>
        <div className="grow" />
        <button className="btn" disabled={picked.length < 2} onClick={() => navigate({ page: "compare", ids: picked })} data-testid="compare-runs">
          Compare {picked.length >= 2 ? picked.length : ""} runs
        </button>
      </div>
      {error && <div className="callout bad">Could not load runs: {error}</div>}
      {runs && !runs.length && (
        <div className="empty-state">
          <div className="big">No runs yet</div>
          <p>Build a network on the canvas, open the Train tab and press Train.</p>
          <a className="btn primary" href={href({ page: "canvas" })}>Go to the canvas</a>
        </div>
      )}
      {runs && runs.length > 0 && (
        <table className="runs-table" data-testid="runs-table">
          <thead>
            <tr><th className="check" /><th>Run</th><th>Status</th><th>Data set</th><th>Best</th><th>Duration</th><th>Started</th><th /></tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.id} data-testid={`run-row-${r.id}`} onClick={() => navigate({ page: "run", id: r.id })}>
                <td className="check" onClick={(e) => e.stopPropagation()}>
                  <input type="checkbox" checked={picked.includes(r.id)} aria-label={`Select ${r.name}`}
                    onChange={(e) => setPicked((p) => (e.target.checked ? [...p, r.id] : p.filter((x) => x !== r.id)))} />
                </td>
                <td><a href={href({ page: "run", id: r.id })} onClick={(e) => e.stopPropagation()}>{r.name}</a><div className="dim mono small">{r.id.slice(0, 8)}</div></td>
                <td><StatusChip status={r.status} /></td>
                <td>{r.dataset}</td>
                <td className="mono small">{bestLine(r.best_metrics).map(([k, v]) => (<div key={k}><span className="dim">{k}</span> {fmtMetric(v)}</div>))}</td>
                <td>{fmtDuration(duration(r))}</td>
                <td className="dim">{fmtDate(r.created_at)}</td>
                <td onClick={(e) => e.stopPropagation()}>
                  <button className="icon-btn" title="Delete run" onClick={() => void remove(r)}><Icon name="trash" /></button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
