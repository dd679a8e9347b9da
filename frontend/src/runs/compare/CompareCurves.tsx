// The compared runs' curves: the run page's chart controls (smoothing, y scale, x axis; no per-batch
// series here), a train/validation choice, then one chart per metric with every run on it.
import { useMemo, useState } from "react";
import Chart from "../../train/Chart";
import { metricTitle } from "../curves";
import { useChartPrefs } from "../run/chartPrefs";
import CurveControls from "../run/CurveControls";
import "../run/run.css";
import { fmtX, wallRange, X_INCRS, X_LABEL } from "../run/xAxis";
import { compareData, compareMetrics, compareSeries, type CompareCurveRun, type CompareView, SPLIT_LABEL, SPLITS, type Split } from "./compareCurves";

export default function CompareCurves({ runs }: { runs: CompareCurveRun[] }) {
  const { smoothing, xAxis, yScale } = useChartPrefs();
  const [split, setSplit] = useState<Split>("both");
  const view = useMemo<CompareView>(() => ({ axis: xAxis, smoothing, split }), [xAxis, smoothing, split]);
  const metrics = useMemo(() => compareMetrics(runs), [runs]);
  return (
    <>
      <CurveControls perBatch={false}>
        <span className="curve-control">
          <span className="field-label">show</span>
          <span className="seg" aria-label="training or validation">
            {SPLITS.map((s) => (
              <button key={s} aria-pressed={split === s} onClick={() => setSplit(s)} data-testid={`split-${s}`}>{SPLIT_LABEL[s]}</button>
            ))}
          </span>
          {split === "both" && <span className="dim">solid: validation · dashed: training</span>}
        </span>
      </CurveControls>
      {metrics.length === 0 && <div className="dim small" data-testid="compare-no-epochs">None of these runs has finished an epoch yet.</div>}
      <div className="charts" data-testid="compare-charts" data-x-axis={xAxis} data-y-scale={yScale} data-smoothing={smoothing} data-split={split}>
        {metrics.map((m) => <MetricChart key={m} metric={m} runs={runs} view={view} log={yScale === "log"} />)}
      </div>
    </>
  );
}

function MetricChart({ metric, runs, view, log }: { metric: string; runs: CompareCurveRun[]; view: CompareView; log: boolean }) {
  const data = useMemo(() => compareData(runs, metric, view), [runs, metric, view]);
  const series = useMemo(() => compareSeries(runs, view), [runs, view]);
  const axis = view.axis;
  const xFormat = useMemo(() => (v: number) => fmtX(axis, v), [axis]);
  return (
    <Chart title={metricTitle(metric)} series={series} data={data} testid={`compare-${metric}`} height={260} yLog={log}
      xRange={axis === "wall" ? wallRange : undefined} xLabel={X_LABEL[axis]} xFormat={xFormat} xIncrs={X_INCRS[axis]} />
  );
}
