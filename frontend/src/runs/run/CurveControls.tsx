// The row above the charts: smoothing, y scale, x axis and per-batch series, for every chart at once
// (chartPrefs keeps the choice). `perBatch={false}` leaves out the toggle where there are no batches.
import type { ReactNode } from "react";
import { useChartPrefs } from "./chartPrefs";
import { X_AXES, X_LABEL } from "./xAxis";

export default function CurveControls({ perBatch = true, children }: { perBatch?: boolean; children?: ReactNode }) {
  const prefs = useChartPrefs();
  return (
    <div className="curve-controls small" data-testid="curve-controls">
      <label className="curve-control">
        <span className="field-label">Smoothing {prefs.smoothing.toFixed(2)}</span>
        <input type="range" min={0} max={0.99} step={0.01} value={prefs.smoothing} data-testid="smoothing"
          onChange={(e) => prefs.set({ smoothing: Number(e.target.value) })} />
      </label>
      <span className="curve-control">
        <span className="field-label">y axis</span>
        <span className="seg" aria-label="y axis scale">
          {(["linear", "log"] as const).map((s) => (
            <button key={s} aria-pressed={prefs.yScale === s}
              onClick={() => prefs.set({ yScale: s })} data-testid={`y-${s}`}>{s}</button>
          ))}
        </span>
      </span>
      <span className="curve-control">
        <span className="field-label">x axis</span>
        <span className="seg" aria-label="x axis">
          {X_AXES.map((a) => (
            <button key={a} aria-pressed={prefs.xAxis === a}
              onClick={() => prefs.set({ xAxis: a })} data-testid={`x-${a}`}>{X_LABEL[a]}</button>
          ))}
        </span>
      </span>
      {perBatch && (
        <label className="curve-control check">
          <input type="checkbox" checked={prefs.perBatch} onChange={(e) => prefs.set({ perBatch: e.target.checked })} data-testid="per-batch" />
          per-batch
        </label>
      )}
      {children && <><span className="grow" />{children}</>}
    </div>
  );
}
