// The chosen trials' epoch curves overlaid, one colour per trial: solid validation, dashed training
// (as the Compare view draws runs).
import { useQueries } from "@tanstack/react-query";
import type uPlot from "uplot";
import { $api } from "../api/query";
import { metricTitle, PALETTE } from "../runs/curves";
import Chart, { type SeriesSpec } from "../train/Chart";
import { curveMetrics } from "../train/runData";
import type { TrialPublic } from "./types";

type Epoch = { epoch: number; metrics: Record<string, number | null | undefined> };

export default function TrialCurves({ trials, live }: { trials: TrialPublic[]; live: boolean }) {
  const withRuns = trials.filter((t): t is TrialPublic & { run_id: string } => !!t.run_id);
  const results = useQueries({
    queries: withRuns.map((t) => ({
      ...$api.queryOptions("get", "/api/runs/{run_id}", { params: { path: { run_id: t.run_id } } }),
      refetchInterval: live ? 3000 : (false as const),
    })),
  });
  const runs = withRuns.map((t, i) => ({ trial: t, epochs: ((results[i]?.data?.epochs ?? []) as Epoch[]) }));
  const metrics = [...new Set(runs.flatMap((r) => curveMetrics({ batches: [], epochs: r.epochs as never })))];
  const key = runs.map((r) => r.trial.index).join(",");

  if (!trials.length) return <div className="dim small" data-testid="trial-curves-empty">Choose trials in the table or the plot to overlay their curves.</div>;
  const maxEpoch = Math.max(1, ...runs.flatMap((r) => r.epochs.map((e) => e.epoch)));
  const x = Array.from({ length: maxEpoch }, (_, i) => i + 1);
  const chartFor = (metric: string): { series: SeriesSpec[]; data: uPlot.AlignedData } => {
    const series: SeriesSpec[] = [];
    const cols: (number | null)[][] = [];
    runs.forEach((r) => {
      const color = PALETTE[(r.trial.index - 1) % PALETTE.length];
      const by = new Map(r.epochs.map((e) => [e.epoch, e.metrics]));
      series.push({ label: `trial ${r.trial.index} · val`, color, width: r.trial.best ? 3 : 2, points: true });
      cols.push(x.map((e) => by.get(e)?.[`val_${metric}`] ?? null));
      series.push({ label: `trial ${r.trial.index} · train`, color, width: 1.5, dash: [5, 4], points: true });
      cols.push(x.map((e) => by.get(e)?.[metric] ?? null));
    });
    return { series, data: [x, ...cols] as uPlot.AlignedData };
  };
  return (
    <div className="trial-curves" data-testid="trial-curves" data-trials={trials.map((t) => t.index).join(",")}>
      {metrics.length === 0 && <div className="dim small">No epochs yet.</div>}
      <div className="charts">
        {metrics.map((m) => {
          const c = chartFor(m);
          return <Chart key={m + key} title={metricTitle(m)} series={c.series} data={c.data} testid={`trial-curves-${m}`} height={220} />;
        })}
      </div>
    </div>
  );
}
