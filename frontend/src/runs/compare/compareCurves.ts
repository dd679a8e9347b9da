// Several runs on one chart per metric: a colour per run, validation solid and training dashed (or
// only one of them), drawn as the shared chart controls say (x axis, smoothing). Pure and unit-tested.
import type uPlot from "uplot";
import type { SeriesSpec } from "../../train/Chart";
import { curveMetrics, seriesFor, smoothEma, type RunData } from "../../train/runData";
import type { XAxis } from "../run/xAxis";

/** Which half of each run's curves to draw: both (validation solid, training dashed), or one. */
export type Split = "both" | "train" | "val";
export const SPLITS: readonly Split[] = ["both", "train", "val"];
export const SPLIT_LABEL: Record<Split, string> = { both: "both", train: "train", val: "validation" };

export type Source = Pick<RunData, "batches" | "epochs">;

export interface CompareCurveRun {
  id: string; // unique, so two runs with one name still get series of their own
  name: string;
  color: string;
  source: Source;
}

export interface CompareView {
  axis: XAxis;
  smoothing: number;
  split: Split;
}

type HistoryLike = {
  epochs: { epoch: number; metrics: Record<string, number | null>; t?: number | null }[];
  batches: { epoch: number; step: number; steps: number; t?: number | null }[];
};

/** What a run's curves are drawn from: its stored history (epoch end times, steps per epoch), or the
 *  record's epochs where the history has none (an imported run). Batch values are dropped — Compare
 *  draws epochs only — but the batches still tell the step axis how many steps an epoch has. */
export function runSource(history: HistoryLike | undefined, recordEpochs: { epoch: number; metrics: Record<string, number | null> }[]): Source {
  const epochs = history?.epochs.length ? history.epochs : recordEpochs;
  const batches = (history?.batches ?? []).map((b) => ({
    epoch: b.epoch, step: b.step, steps: b.steps, t: b.t ?? null, x: b.epoch - 1 + b.step / b.steps, metrics: {},
  }));
  return { epochs, batches };
}

/** Every metric any run has a curve for, loss first. */
export function compareMetrics(runs: CompareCurveRun[]): string[] {
  const names = [...new Set(runs.flatMap((r) => curveMetrics(r.source)))];
  return names.sort((a, b) => (a === "loss" ? -1 : b === "loss" ? 1 : a.localeCompare(b)));
}

/** "#7c9cff" at an opacity: the raw line left faint under a smoothed one. */
export function faint(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${n >> 16},${(n >> 8) & 255},${n & 255},${alpha})`;
}

const halves = (split: Split): ("val" | "train")[] => (split === "both" ? ["val", "train"] : [split]);

/** The raw series, per run validation then training (what data-points counts); with smoothing on
 *  they turn faint and the smoothed lines follow in the same order. The legend names each run once. */
export function compareSeries(runs: CompareCurveRun[], view: CompareView): SeriesSpec[] {
  const smooth = view.smoothing > 0;
  const first = halves(view.split)[0];
  const raw: SeriesSpec[] = [];
  const smoothed: SeriesSpec[] = [];
  for (const r of runs) {
    for (const half of halves(view.split)) {
      const style = half === "val" ? { width: 2 } : { width: 1.5, dash: [5, 4] };
      const legend = half === first ? r.name : false;
      const label = `${r.id} · ${half}`;
      raw.push(smooth
        ? { label, legend: false, color: faint(r.color, 0.3), width: 1, dash: style.dash }
        : { label, legend, color: r.color, ...style, points: true });
      if (smooth) smoothed.push({ label: `${label} (smoothed)`, legend, color: r.color, ...style, points: "sparse", probe: false });
    }
  }
  return [...raw, ...smoothed];
}

/** Columns matching compareSeries: one x axis (the union of every run's points), each run's values
 *  at its own points and gaps elsewhere. Smoothing runs along each run's own points. */
export function compareData(runs: CompareCurveRun[], metric: string, view: CompareView): uPlot.AlignedData {
  const per = runs.map((r) => {
    const [x, , train, val] = seriesFor(r.source, metric, view.axis);
    return { x, cols: halves(view.split).map((h) => (h === "val" ? val : train)) };
  });
  const x = [...new Set(per.flatMap((p) => p.x))].sort((a, b) => a - b);
  const at = new Map(x.map((v, i) => [v, i]));
  const spread = (xs: number[], col: (number | null)[]) => {
    const out: (number | null)[] = x.map(() => null);
    xs.forEach((v, i) => { out[at.get(v)!] = col[i]; });
    return out;
  };
  const raw = per.flatMap((p) => p.cols.map((c) => spread(p.x, c)));
  const smoothed = view.smoothing > 0 ? per.flatMap((p) => p.cols.map((c) => spread(p.x, smoothEma(c, view.smoothing)))) : [];
  return [x, ...raw, ...smoothed] as uPlot.AlignedData;
}
