// Which metric columns the runs table shows, read from the runs themselves: the best epoch's
// score (validation when there is one), the test split's, and the last epoch's loss. Each column's
// key is the server's sort key for it (best_val_accuracy, test_accuracy, val_loss).
import type { RunSummary } from "../../api/types";

type Metrics = Record<string, number | null> | null | undefined;

export interface MetricColumn {
  /** The GET /api/runs sort key, and the column's data-testid suffix. */
  key: string;
  label: string;
  value: (run: Pick<RunSummary, "final_metrics" | "best_metrics" | "test_metrics">) => number | null;
}

// Scores in the order they are worth a column; the first two present get one.
const SCORES = ["accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy", "auc", "mae", "mse", "rmse"];

const read = (m: Metrics, key: string): number | null => {
  const v = m?.[key];
  return typeof v === "number" ? v : null;
};

const hasKey = (runs: readonly RunSummary[], pick: (r: RunSummary) => Metrics, key: string) =>
  runs.some((r) => read(pick(r), key) !== null);

export function metricColumns(runs: readonly RunSummary[]): MetricColumn[] {
  const columns: MetricColumn[] = [];
  const scores = SCORES.filter((s) => hasKey(runs, (r) => r.best_metrics, `val_${s}`) || hasKey(runs, (r) => r.best_metrics, s));
  for (const score of scores.slice(0, 2)) {
    const best = hasKey(runs, (r) => r.best_metrics, `val_${score}`) ? `val_${score}` : score;
    columns.push({ key: `best_${best}`, label: `best ${best}`, value: (r) => read(r.best_metrics, best) });
    if (hasKey(runs, (r) => r.test_metrics, score)) {
      columns.push({ key: `test_${score}`, label: `test ${score}`, value: (r) => read(r.test_metrics, score) });
    }
  }
  const loss = hasKey(runs, (r) => r.final_metrics, "val_loss") ? "val_loss" : hasKey(runs, (r) => r.final_metrics, "loss") ? "loss" : null;
  if (loss) columns.push({ key: loss, label: loss, value: (r) => read(r.final_metrics, loss) });
  return columns;
}

/** Runs sorted by a key the server cannot sort by (duration); runs without a value last, either way. */
export function sortByValue<T>(rows: readonly T[], value: (row: T) => number | null, order: "asc" | "desc"): T[] {
  const have = rows.filter((r) => value(r) !== null);
  const missing = rows.filter((r) => value(r) === null);
  const sign = order === "asc" ? 1 : -1;
  have.sort((a, b) => sign * ((value(a) ?? 0) - (value(b) ?? 0)));
  return [...have, ...missing];
}
