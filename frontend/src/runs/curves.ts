// Series styling shared by the live view and the comparison view.
import type uPlot from "uplot";
import type { SeriesSpec } from "../train/Chart";
import { seriesFor, type RunData } from "../train/runData";

export const TRAIN = "#7c9cff";
export const VAL = "#f59e0b";
export const PALETTE = ["#7c9cff", "#f59e0b", "#34d399", "#f472b6", "#22d3ee", "#c084fc", "#facc15", "#fb7185"];

export function metricTitle(m: string): string {
  if (m === "loss") return "Loss";
  if (m.includes("accuracy")) return m === "accuracy" ? "Accuracy" : m.replace(/_/g, " ");
  return m.toUpperCase();
}

export function liveSeries(metric: string): SeriesSpec[] {
  return [
    { label: `${metric} (batch)`, color: "rgba(124,156,255,0.55)", width: 1.25, points: "sparse" },
    { label: metric, color: TRAIN, width: 2, points: true },
    { label: `val_${metric}`, color: VAL, width: 2, points: true },
  ];
}

export function liveData(d: Pick<RunData, "batches" | "epochs">, metric: string): uPlot.AlignedData {
  return seriesFor(d, metric) as unknown as uPlot.AlignedData;
}
