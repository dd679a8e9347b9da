// The trials table: its columns (one per searched path, the objective, metrics, status) and sorting.
import { curveMetrics } from "../train/runData";
import type { TrialPublic } from "./types";

export interface TrialColumn {
  key: string; // "param:<path>", "objective", "final:<metric>", "best:<metric>", "status", "index"
  label: string;
  value: (t: TrialPublic) => number | string | null;
  numeric: boolean;
}

export type Sort = { key: string; order: "asc" | "desc" };

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** The metrics worth a column (what the curves draw: not lr, seconds…), each training before its
 *  validation twin, `loss` first. */
function metricNames(trials: TrialPublic[], pick: (t: TrialPublic) => Record<string, unknown> | null | undefined): string[] {
  const epochs = trials.map((t, i) => ({ epoch: i, metrics: Object.fromEntries(Object.entries(pick(t) ?? {}).filter(([, v]) => typeof v === "number")) as Record<string, number> }));
  const present = new Set(epochs.flatMap((e) => Object.keys(e.metrics)));
  return curveMetrics({ batches: [], epochs: epochs as never }).flatMap((m) => [m, `val_${m}`]).filter((k) => present.has(k));
}

export function trialColumns(paths: string[], trials: TrialPublic[], objectiveMetric: string): TrialColumn[] {
  const params: TrialColumn[] = paths.map((p) => ({
    key: `param:${p}`, label: p, numeric: trials.some((t) => typeof t.params[p] === "number"),
    value: (t) => { const v = t.params[p]; return v === undefined || v === null ? null : typeof v === "number" ? v : typeof v === "string" ? v : JSON.stringify(v); },
  }));
  const finals: TrialColumn[] = metricNames(trials, (t) => t.final_metrics).map((m) => ({
    key: `final:${m}`, label: m, numeric: true, value: (t) => num(t.final_metrics?.[m]),
  }));
  return [
    { key: "index", label: "#", numeric: true, value: (t) => t.index },
    ...params,
    { key: "objective", label: `${objectiveMetric} (best)`, numeric: true, value: (t) => num(t.objective) },
    ...finals,
    { key: "status", label: "Status", numeric: false, value: (t) => t.status },
  ];
}

/** Trials sorted by a column; empty cells (not run yet) last whichever way. */
export function sortTrials(trials: TrialPublic[], columns: TrialColumn[], sort: Sort): TrialPublic[] {
  const col = columns.find((c) => c.key === sort.key);
  if (!col) return trials;
  const sign = sort.order === "asc" ? 1 : -1;
  return [...trials].sort((a, b) => {
    const x = col.value(a);
    const y = col.value(b);
    if (x === null || y === null) return x === y ? a.index - b.index : x === null ? 1 : -1;
    const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
    return sign * c || a.index - b.index;
  });
}

/** Clicking a header: a new column sorts ascending (the objective: best first), the same one flips. */
export function toggleSort(current: Sort, key: string, objectiveMode: "min" | "max" = "min"): Sort {
  if (current.key === key) return { key, order: current.order === "asc" ? "desc" : "asc" };
  return { key, order: key === "objective" && objectiveMode === "max" ? "desc" : "asc" };
}
