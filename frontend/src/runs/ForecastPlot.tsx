// A forecaster over its test period (GET /api/runs/{id}/forecast): predicted against actual and the
// naive last-value forecast, in the data's own units, with the errors that say whether the model
// is worth more than repeating yesterday's value. Drawn with the same uPlot chart as the curves.
import { useEffect, useMemo, useState } from "react";
import type uPlot from "uplot";
import type { RunPublic } from "../api/types";
import Chart, { type SeriesSpec } from "../train/Chart";
import { fmtMetric } from "../ui/format";
import { forecast, forecastColumns, naiveVerdict, type Forecast } from "./sequences";
import "./sequences.css";

const SERIES: SeriesSpec[] = [
  { label: "actual", color: "#e6e9f0", width: 1.5 },
  { label: "predicted", color: "#7c9cff", width: 2 },
  { label: "naive (last value)", color: "#737d93", width: 1.5, dash: [5, 4] },
];

export default function ForecastPlot({ run }: { run: RunPublic }) {
  const [f, setF] = useState<Forecast | null>(null);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    const ctrl = new AbortController();
    forecast(run.id, ctrl.signal).then(setF, (e: Error) => !ctrl.signal.aborted && setErr(e.message));
    return () => ctrl.abort();
  }, [run.id]);
  const data = useMemo<uPlot.AlignedData>(() => (f ? forecastColumns(f) : [[], [], [], []]), [f]);
  const verdict = f ? naiveVerdict(f) : null;
  const dates = f?.dates?.length ? `${f.dates[0]} → ${f.dates[f.dates.length - 1]}` : null;

  return (
    <section className="card forecast-card" data-testid="forecast-panel">
      <div className="card-head">
        <h3>Forecast on the test period</h3>
        {f && <span className="dim small">{f.target}{f.horizon > 1 ? ` · step ${f.step_shown ?? 1} of a ${f.horizon}-step horizon shown` : ""}</span>}
      </div>
      {err && <div className="callout bad" data-testid="forecast-error">{err}</div>}
      {!f && !err && <div className="dim small">Forecasting the test period…</div>}
      {f && verdict && (
        <>
          <Chart title={`${f.target}: predicted vs actual`} series={SERIES} data={data} xLabel="row of the series" testid="forecast-chart" height={240} empty="No test windows." />
          {dates && <div className="dim small forecast-dates" data-testid="forecast-dates">{dates}</div>}
          <div className={`callout ${verdict.beats ? "good" : "warn"}`} data-testid="forecast-verdict" data-beats={verdict.beats ? "yes" : "no"}>{verdict.text}</div>
          <table className="kv forecast-errors" data-testid="forecast-errors">
            <thead><tr><th /><th>model</th><th>naive</th></tr></thead>
            <tbody>
              <tr><th>MSE</th><td className="mono" data-testid="forecast-mse">{fmtMetric(f.mse)}</td><td className="mono" data-testid="forecast-naive-mse">{fmtMetric(f.naive_mse)}</td></tr>
              <tr><th>MAE</th><td className="mono" data-testid="forecast-mae">{fmtMetric(f.mae)}</td><td className="mono" data-testid="forecast-naive-mae">{fmtMetric(f.naive_mae)}</td></tr>
            </tbody>
          </table>
          <div className="dim small">In the data's own units ({f.target}); the naive forecast repeats the last value the model saw.</div>
        </>
      )}
    </section>
  );
}
