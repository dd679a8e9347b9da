// Every sweep: name, status, trials done of planned, best objective, created; "New sweep" opens
// the dialog that sweeps the canvas's graph.
import { useState } from "react";
import { $api } from "../api/query";
import { fmtDate, fmtMetric } from "../ui/format";
import { href, navigate } from "../ui/route";
import NewSweep from "./NewSweep";
import { sweepActive, trialsDone } from "./types";
import "./sweeps.css";

const POLL_MS = 3000;
const errorText = (err: unknown) => (err instanceof Error ? err.message : JSON.stringify(err));

export default function SweepsPage() {
  const list = $api.useQuery("get", "/api/sweeps", {},
    { refetchInterval: (q) => (q.state.data?.data.some((s) => sweepActive(s.status)) ? POLL_MS : false) });
  const [creating, setCreating] = useState(false);
  const sweeps = list.data?.data ?? [];
  return (
    <div className="page sweeps-page" data-testid="sweeps-page">
      <div className="page-head">
        <h1>Sweeps</h1>
        {list.data && <span className="dim small" data-testid="sweeps-count">{list.data.count} {list.data.count === 1 ? "sweep" : "sweeps"}</span>}
        <div className="grow" />
        <button className="btn primary" onClick={() => setCreating(true)} data-testid="new-sweep-open">New sweep</button>
      </div>
      {list.error && <div className="callout bad">Could not load sweeps: {errorText(list.error)}</div>}
      {!list.data && !list.error && <div className="dim small">Loading sweeps…</div>}
      {list.data && sweeps.length === 0 && (
        <div className="empty-state">
          <div className="big">No sweeps yet</div>
          <p>A sweep trains the canvas's network many times over, with the settings and layer params you choose to search.</p>
          <button className="btn primary" onClick={() => setCreating(true)}>New sweep</button>
        </div>
      )}
      {sweeps.length > 0 && (
        <table className="runs-table sweeps-table" data-testid="sweeps-table">
          <thead>
            <tr><th>Sweep</th><th>Status</th><th className="num">Trials</th><th>Objective</th><th className="num">Best</th><th>Created</th></tr>
          </thead>
          <tbody>
            {sweeps.map((s) => (
              <tr key={s.id} data-testid={`sweep-row-${s.id}`} onClick={() => navigate({ page: "sweep", id: s.id })}>
                <td><a href={href({ page: "sweep", id: s.id })} onClick={(e) => e.stopPropagation()}>{s.name}</a> <span className="dim mono small">{s.algorithm}</span></td>
                <td><span className={`status-chip s-${s.status === "finished" ? "succeeded" : s.status}`}>{s.status}</span></td>
                <td className="num" data-testid="sweep-trials">{trialsDone(s)} / {s.planned}</td>
                <td className="dim">{s.objective.mode} {s.objective.metric}</td>
                <td className="num mono" data-testid="sweep-best">{fmtMetric(s.best_objective)}</td>
                <td className="dim">{fmtDate(s.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {creating && <NewSweep onClose={() => setCreating(false)} />}
    </div>
  );
}
