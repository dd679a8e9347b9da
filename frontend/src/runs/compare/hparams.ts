// The HParams table's rows: one per setting (marked when runs differ), one per metric (best run marked).
import { settingsRows } from "../settingsRows";

export type CompareRun = {
  request?: Record<string, unknown> | null;
  final_metrics?: Record<string, number | null> | null;
  best_metrics?: Record<string, number | null> | null;
  test_metrics?: Record<string, number | null> | null;
};
export type SettingRow = { key: string; label: string; values: string[]; differs: boolean };
export type MetricRow = { key: string; group: "final" | "best" | "test"; values: (number | null)[]; best: number | null };

export function settingRows(runs: CompareRun[]): SettingRow[] {
  // The data set is a setting to compare too (the run page shows it in its header instead).
  const per = runs.map((r) => {
    const rows = [{ key: "dataset", label: "Data set", value: String(r.request?.dataset ?? "—") }, ...settingsRows(r.request)];
    return new Map(rows.map((row) => [row.key, row]));
  });
  const keys: string[] = [];
  const labels = new Map<string, string>();
  for (const m of per) for (const [k, row] of m) if (!labels.has(k)) { keys.push(k); labels.set(k, row.label); }
  return keys.map((key) => {
    const values = per.map((m) => m.get(key)?.value ?? "—");
    return { key, label: labels.get(key) ?? key, values, differs: new Set(values).size > 1 };
  });
}

// Keras names losses and error metrics so that lower is better; everything else (accuracy, AUC) is higher-better.
export function lowerIsBetter(metric: string): boolean {
  return /loss|mae|mse|error|crossentropy|perplexity/.test(metric);
}

const NOT_RANKED = new Set(["lr", "seconds", "samples_per_s"]);

export function metricRows(runs: CompareRun[]): MetricRow[] {
  const rows: MetricRow[] = [];
  for (const group of ["final", "best", "test"] as const) {
    const maps = runs.map((r) => r[`${group}_metrics`] ?? {});
    const keys = [...new Set(maps.flatMap((m) => Object.keys(m)))].sort();
    for (const key of keys) {
      const values = maps.map((m) => (typeof m[key] === "number" && Number.isFinite(m[key]) ? (m[key] as number) : null));
      const present = values.flatMap((v, i) => (v === null ? [] : [[v, i] as const]));
      let best: number | null = null;
      // Learning rate, speed and time describe a run, they do not rank it.
      if (present.length > 1 && !NOT_RANKED.has(key)) {
        const low = lowerIsBetter(key);
        best = present.reduce((a, b) => ((low ? b[0] < a[0] : b[0] > a[0]) ? b : a))[1];
      }
      rows.push({ key, group, values, best });
    }
  }
  return rows;
}
