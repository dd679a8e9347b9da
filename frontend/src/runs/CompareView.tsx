// Several runs' epoch curves overlaid: solid validation, dashed training, one colour per run.
import { useEffect, useMemo, useState } from "react";
import type uPlot from "uplot";
import { api } from "../api/client";
import type { RunPublic } from "../api/types";
import Chart, { type SeriesSpec } from "../train/Chart";
import { curveMetrics } from "../train/runData";
import { href } from "../ui/route";
import { fmtMetric } from "../ui/format";
import { metricTitle, PALETTE } from "./curves";
import HParamsTable from "./compare/HParamsTable";

export default function CompareView({ ids }: { ids: string[] }) {
  const [runs, setRuns] = useState<(RunPublic & { epochs: NonNullable<RunPublic["epochs"]> })[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    Promise.all(ids.map((id) => api.run(id))).then((rs) => setRuns(rs.map((r) => ({ ...r, epochs: r.epochs ?? [] }))), (e: Error) => setError(e.message));
  }, [ids]);

  const metrics = useMemo(() => {
    const all = new Set<string>();
    for (const r of runs) for (const m of curveMetrics({ batches: [], epochs: r.epochs })) all.add(m);
    return [...all];
  }, [runs]);

  const chartFor = (metric: string): { series: SeriesSpec[]; data: uPlot.AlignedData } => {
    const maxEpoch = Math.max(1, ...runs.flatMap((r) => r.epochs.map((e) => e.epoch)));
    const x = Array.from({ length: maxEpoch }, (_, i) => i + 1);
    const series: SeriesSpec[] = [];
    const cols: (number | null)[][] = [];
    runs.forEach((r, i) => {
      const color = PALETTE[i % PALETTE.length];
      const by = new Map(r.epochs.map((e) => [e.epoch, e.metrics]));
      series.push({ label: `${r.name} · val`, color, width: 2, points: true });
      cols.push(x.map((e) => by.get(e)?.[`val_${metric}`] ?? null));
      series.push({ label: `${r.name} · train`, color, width: 1.5, dash: [5, 4] });
      cols.push(x.map((e) => by.get(e)?.[metric] ?? null));
    });
    return { series, data: [x, ...cols] as uPlot.AlignedData };
  };

  return (
    <div className="page">
      <div className="page-head">
        <a className="crumb" href={href({ page: "runs" })}>Runs</a><span className="dim">/</span><h1>Compare {ids.length} runs</h1>
      </div>
      {error && <div className="callout bad">{error}</div>}
      <div className="compare-legend">
        {runs.map((r, i) => (
          <a key={r.id} href={href({ page: "run", id: r.id })} className="legend-item">
            <span className="swatch" style={{ background: PALETTE[i % PALETTE.length] }} />
            {r.name} <span className="dim mono">{r.id.slice(0, 8)}</span>
            <span className="dim">{r.request?.dataset} · {r.epochs.length} epochs · best val_loss {fmtMetric(Math.min(...r.epochs.map((e) => e.metrics.val_loss ?? Infinity)))}</span>
          </a>
        ))}
      </div>
      {runs.length > 0 && <HParamsTable runs={runs} names={runs.map((r) => r.name)} />}
      <div className="charts">
        {metrics.map((m) => {
          const c = chartFor(m);
          return <Chart key={m + runs.length} title={metricTitle(m)} series={c.series} data={c.data} testid={`compare-${m}`} height={260} />;
        })}
      </div>
    </div>
  );
}
