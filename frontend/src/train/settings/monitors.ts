// The history keys a callback (early stopping, ReduceLROnPlateau) can watch for the chosen metrics.
import { classMetricName, type ClassMetric } from "./store";

/** What a run reports and so what a callback can watch (training/request_checks.py's reported_keys):
 *  f1_score reports one key per class, so it is not offered. */
export function monitorOptions(metrics: string[], outputs: string[], classMetrics: ClassMetric[] = []): string[] {
  const several = outputs.length > 1;
  const names = [...new Set(metrics)].filter((m) => m !== "f1_score").concat(classMetrics.map(classMetricName));
  const keys = ["loss"];
  for (const o of several ? outputs : [""]) {
    const prefix = several ? `${o}_` : "";
    if (several) keys.push(`${prefix}loss`);
    keys.push(...names.map((m) => `${prefix}${m}`));
  }
  return [...keys.map((k) => `val_${k}`), ...keys];
}
