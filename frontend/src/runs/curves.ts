// Series styling shared by the live view and the comparison view, and the run page's columns:
// per metric, training and validation together, drawn as the chart controls ask (chartPrefs).
import type uPlot from "uplot";
import type { SeriesSpec } from "../train/Chart";
import { seriesFor, smoothEma, type RunData } from "../train/runData";
import type { XAxis } from "./run/xAxis";

export const TRAIN = "#7c9cff";
export const VAL = "#f59e0b";
export const BATCH = "#22d3ee";
export const PALETTE = ["#7c9cff", "#f59e0b", "#34d399", "#f472b6", "#22d3ee", "#c084fc", "#facc15", "#fb7185"];

/** What the controls above the charts choose; the same for every chart of the page. */
export interface CurveView {
  axis: XAxis;
  smoothing: number;
  perBatch: boolean;
}

export function metricTitle(m: string): string {
  if (m === "loss") return "Loss";
  if (m.includes("accuracy")) return m === "accuracy" ? "Accuracy" : m.replace(/_/g, " ");
  return m.toUpperCase();
}

/** "#7c9cff" at an opacity, for the faint raw line drawn under a smoothed one. */
function faint(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${n >> 16},${(n >> 8) & 255},${n & 255},${alpha})`;
}

/** The first three series are the raw values (what data-points/data-last report); with smoothing
 *  on they turn into faint ghosts and three smoothed lines follow, named as the raw ones were. */
export function liveSeries(metric: string, view: CurveView): SeriesSpec[] {
  const smooth = view.smoothing > 0;
  const raw: SeriesSpec[] = [
    { label: `${metric} (batch)`, legend: smooth ? false : "train (per batch)", show: view.perBatch,
      color: smooth ? faint(BATCH, 0.35) : faint(BATCH, 0.85), width: smooth ? 1 : 1.5, points: smooth ? false : "sparse" },
    { label: metric, legend: smooth ? false : "train", color: smooth ? faint(TRAIN, 0.35) : TRAIN, width: smooth ? 1 : 2, points: !smooth },
    { label: `val_${metric}`, legend: smooth ? false : "validation", color: smooth ? faint(VAL, 0.35) : VAL, width: smooth ? 1 : 2, points: !smooth },
  ];
  if (!smooth) return raw;
  return [
    ...raw,
    { label: `${metric} (batch, smoothed)`, legend: "train (per batch)", show: view.perBatch, color: BATCH, width: 1.75, probe: false },
    { label: `${metric} (smoothed)`, legend: "train", color: TRAIN, width: 2, points: "sparse", probe: false },
    { label: `val_${metric} (smoothed)`, legend: "validation", color: VAL, width: 2, points: "sparse", probe: false },
  ];
}

/** Columns matching liveSeries: x, raw batch/train/validation, then (smoothing on) their EMAs. */
export function liveData(d: Pick<RunData, "batches" | "epochs">, metric: string, view: CurveView): uPlot.AlignedData {
  const [x, batch, train, val] = seriesFor(d, metric, view.axis);
  const cols: (number | null)[][] = [batch, train, val];
  if (view.smoothing > 0) cols.push(...cols.map((c) => smoothEma(c, view.smoothing)));
  return [x, ...cols] as uPlot.AlignedData;
}
