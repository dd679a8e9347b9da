// One sweep: its header and progress, the trials as a sortable table, a parallel-coordinates plot,
// the chosen trials' curves overlaid, and the best trial's graph one click from the canvas.
import { useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { $api, fetchClient } from "../api/query";
import type { RunPublic } from "../api/types";
import { useGraph } from "../graph/store";
import { StatusChip } from "../runs/list/status";
import { fmtDate, fmtMetric } from "../ui/format";
import { Icon } from "../ui/Icon";
import { href, navigate } from "../ui/route";
import { tickLabel } from "./axes";
import ParallelCoords from "./ParallelCoords";
import TrialCurves from "./TrialCurves";
import { sortTrials, toggleSort, trialColumns, type Sort } from "./trials";
import { sweepActive, trialsDone, type SweepPublic } from "./types";
import "./sweeps.css";

const POLL_MS = 2000;
const errorText = (err: unknown) => (err instanceof Error ? err.message : JSON.stringify(err));

export function dimensionText(dim: SweepPublic["space"][string]): string {
  return dim.type === "choice" ? `choice ${JSON.stringify(dim.values)}` : `${dim.type} ${dim.low}…${dim.high}`;
}

export default function SweepView({ id }: { id: string }) {
  const query = $api.useQuery("get", "/api/sweeps/{sweep_id}", { params: { path: { sweep_id: id } } },
    { refetchInterval: (q) => (q.state.data && !sweepActive(q.state.data.status) ? false : POLL_MS) });
  const sweep = query.data;
  const client = useQueryClient();
  const cancel = $api.useMutation("post", "/api/sweeps/{sweep_id}/cancel", {
    onSuccess: (data) => client.setQueryData($api.queryOptions("get", "/api/sweeps/{sweep_id}", { params: { path: { sweep_id: id } } }).queryKey, data),
  });
  const [sort, setSort] = useState<Sort>({ key: "index", order: "asc" });
  const [chosen, setChosen] = useState<Set<number>>(new Set());
  const [opening, setOpening] = useState<string | null>(null);

  const space = sweep?.space;
  const trials = sweep?.trials;
  const metric = sweep?.objective.metric ?? "objective";
  const columns = useMemo(() => trialColumns(Object.keys(space ?? {}), trials ?? [], metric), [space, trials, metric]);
  const rows = useMemo(() => sortTrials(trials ?? [], columns, sort), [trials, columns, sort]);

  if (query.error && !sweep) {
    return <div className="page"><div className="callout bad" data-testid="sweep-error">Could not load the sweep: {errorText(query.error)}</div></div>;
  }
  if (!sweep) return <div className="page"><div className="dim small">Loading the sweep…</div></div>;

  const toggle = (index: number) => setChosen((c) => {
    const next = new Set(c);
    if (!next.delete(index)) next.add(index);
    return next;
  });
  const done = trialsDone(sweep);
  const live = sweepActive(sweep.status);
  const best = sweep.trials.find((t) => t.best) ?? null;

  const openBest = async () => {
    if (!best?.run_id) return;
    setOpening(null);
    try {
      const { data } = await fetchClient.GET("/api/runs/{run_id}", { params: { path: { run_id: best.run_id } } });
      const run = data as unknown as RunPublic; // the graph as the canvas types it
      useGraph.getState().load(run.graph, { id: run.request?.graph_id ?? null, version: run.request?.graph_version ?? null });
    } catch (err) {
      setOpening(`Could not open the best trial: ${errorText(err)}`);
      return;
    }
    navigate({ page: "canvas" });
  };

  return (
    <div className="page sweep-page" data-testid="sweep-view" data-status={sweep.status}>
      <div className="page-head">
        <a className="crumb" href={href({ page: "sweeps" })}>Sweeps</a><span className="dim">/</span>
        <h1 data-testid="sweep-name">{sweep.name}</h1>
        <span className={`status-chip s-${sweep.status === "finished" ? "succeeded" : sweep.status}`} data-testid="sweep-status">{sweep.status}</span>
        {live && <span className="live-dot">live</span>}
        <div className="grow" />
        <button className="btn" disabled={!best?.run_id} onClick={() => void openBest()} data-testid="open-best"><Icon name="external" /> Open best on canvas</button>
        {live && (
          <button className="btn danger" disabled={cancel.isPending} data-testid="cancel-sweep"
            onClick={() => cancel.mutate({ params: { path: { sweep_id: id } } })}>Cancel sweep</button>
        )}
      </div>
      {opening && <div className="callout bad">{opening}</div>}
      {cancel.error && <div className="callout bad">{errorText(cancel.error)}</div>}
      {sweep.reason && sweep.status === "cancelled" && <div className="callout warn" data-testid="sweep-reason">{sweep.reason}</div>}

      <div className="progress-card sweep-facts">
        <div className="progress-top">
          <span data-testid="sweep-progress">{done} / {sweep.planned} trials done</span>
          <span className="dim">{sweep.algorithm} search · {sweep.parallelism} at a time{sweep.early_termination ? ` · ASHA (grace ${sweep.early_termination.grace_epochs}, ×${sweep.early_termination.reduction_factor})` : ""}</span>
          <span className="dim">objective: {sweep.objective.mode} {sweep.objective.metric}</span>
          <span className="dim">best: <b data-testid="sweep-best">{fmtMetric(sweep.best_objective)}</b>{best ? ` (trial ${best.index})` : ""}</span>
          <span className="dim">created {fmtDate(sweep.created_at)}</span>
        </div>
        <div className="bar"><div className="bar-fill" style={{ width: `${(100 * done) / Math.max(1, sweep.planned)}%` }} /></div>
        <div className="sweep-space dim small">
          {Object.entries(sweep.space).map(([p, d]) => <span key={p} className="mono">{p}: {dimensionText(d)}</span>)}
        </div>
      </div>

      <section className="sweep-section">
        <h2>Trials</h2>
        <table className="runs-table trials-table" data-testid="trials-table">
          <thead>
            <tr>
              <th className="check" />
              {columns.map((c) => {
                const on = sort.key === c.key;
                return (
                  <th key={c.key} className={c.numeric ? "num" : undefined} aria-sort={on ? (sort.order === "asc" ? "ascending" : "descending") : "none"}>
                    <button className={`sort-btn${on ? " on" : ""}`} data-testid={`tsort-${c.key}`} onClick={() => setSort((s) => toggleSort(s, c.key, sweep.objective.mode))}>
                      {c.label}<span className="sort-arrow" aria-hidden>{on ? (sort.order === "asc" ? "▲" : "▼") : "↕"}</span>
                    </button>
                  </th>
                );
              })}
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((t) => (
              <tr key={t.index} data-testid={`trial-row-${t.index}`} data-best={t.best ? "true" : "false"}
                className={`${t.best ? "best" : ""}${chosen.has(t.index) ? " picked" : ""}`} onClick={() => toggle(t.index)}>
                <td className="check"><input type="checkbox" checked={chosen.has(t.index)} readOnly aria-label={`Choose trial ${t.index}`} /></td>
                {columns.map((c) => {
                  const v = c.value(t);
                  if (c.key === "status") return <td key={c.key} title={t.note ?? t.error ?? undefined}><StatusChip status={t.status} />{t.note ? <span className="dim small"> {t.note}</span> : null}</td>;
                  if (c.key === "index") return <td key={c.key} className="num">{t.index}{t.best ? <span className="best-mark" title="the best trial"> ★</span> : null}</td>;
                  const text = typeof v !== "number" ? v ?? "–" : c.key.startsWith("param:") ? tickLabel(v) : fmtMetric(v);
                  return <td key={c.key} className={c.numeric ? "num mono" : "mono"} data-col={c.key}>{text}</td>;
                })}
                <td className="actions">{t.run_id && <a href={href({ page: "run", id: t.run_id })} onClick={(e) => e.stopPropagation()}>run</a>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section className="sweep-section">
        <h2>Parallel coordinates</h2>
        <ParallelCoords sweep={sweep} chosen={chosen} onToggle={toggle} />
      </section>

      <section className="sweep-section">
        <h2>Curves of the chosen trials {chosen.size ? <span className="dim small">({chosen.size})</span> : null}
          {chosen.size > 0 && <button className="btn ghost small" onClick={() => setChosen(new Set())} data-testid="clear-chosen">clear</button>}
        </h2>
        <TrialCurves trials={sweep.trials.filter((t) => chosen.has(t.index))} live={live} />
      </section>
    </div>
  );
}
