// The run's curves: one chart per metric, training and validation together, drawn as the controls
// above them say; the history (the same numbers) as CSV or JSON.
import { useMemo } from "react";
import type { RunData } from "../../train/runData";
import Chart from "../../train/Chart";
import { curveMetrics } from "../../train/runData";
import { liveData, liveSeries, metricTitle, type CurveView } from "../curves";
import { useChartPrefs } from "./chartPrefs";
import CurveControls from "./CurveControls";
import { fmtX, wallRange, X_INCRS, X_LABEL } from "./xAxis";

type Source = Pick<RunData, "batches" | "epochs">;

export default function Curves({ runId, source, epochsTotal }: { runId: string; source: Source; epochsTotal: number | null }) {
  const { smoothing, perBatch, xAxis, yScale } = useChartPrefs();
  const view = useMemo<CurveView>(() => ({ axis: xAxis, smoothing, perBatch }), [xAxis, smoothing, perBatch]);
  const metrics = curveMetrics(source);
  const steps = source.batches[source.batches.length - 1]?.steps ?? null;
  // The planned span frames the curves (epochs, or their steps); wall time has none ahead of it.
  const xMax = xAxis === "epoch" ? epochsTotal : xAxis === "step" && epochsTotal && steps ? epochsTotal * steps : null;
  const history = `/api/runs/${encodeURIComponent(runId)}/history`;
  return (
    <>
      <CurveControls>
        <span className="history-links">
          History:{" "}
          <a href={`${history}?format=csv`} download data-testid="history-csv">CSV</a>
          {" · "}
          <a href={`${history}?format=json`} download data-testid="history-json">JSON</a>
        </span>
      </CurveControls>
      <div className="charts" data-testid="live-charts" data-x-axis={xAxis} data-y-scale={yScale} data-smoothing={smoothing}>
        {(metrics.length ? metrics : ["loss"]).map((m) => (
          <MetricChart key={m} metric={m} source={source} view={view} xMax={xMax} log={yScale === "log"} />
        ))}
      </div>
    </>
  );
}

function MetricChart({ metric, source, view, xMax, log }: { metric: string; source: Source; view: CurveView; xMax: number | null; log: boolean }) {
  const data = useMemo(() => liveData(source, metric, view), [source, metric, view]);
  const series = useMemo(() => liveSeries(metric, view), [metric, view]);
  const axis = view.axis;
  const xFormat = useMemo(() => (v: number) => fmtX(axis, v), [axis]);
  return (
    <Chart title={metricTitle(metric)} series={series} data={data} testid={`chart-${metric}`} xMax={xMax} xRange={axis === "wall" ? wallRange : undefined} yLog={log}
      xLabel={X_LABEL[axis]} xFormat={xFormat} xIncrs={X_INCRS[axis]} />
  );
}
