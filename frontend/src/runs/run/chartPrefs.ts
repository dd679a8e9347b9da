// How the run charts are drawn (smoothing, axes, per-batch series): one choice for every chart,
// kept in localStorage so a reload or another run's page draws the same way.
import { create } from "zustand";
import { X_AXES, type XAxis } from "./xAxis";

export interface ChartPrefs {
  smoothing: number; // TensorBoard's EMA weight, 0..0.99
  yScale: "linear" | "log";
  xAxis: XAxis;
  perBatch: boolean; // draw the per-batch training series beside the per-epoch ones
}

export const DEFAULT_PREFS: ChartPrefs = { smoothing: 0, yScale: "linear", xAxis: "epoch", perBatch: true };

export const PREFS_KEY = "netcanvas.chartPrefs";

/** Stored text → prefs; a missing, damaged or out-of-range field falls back to its default. */
export function parsePrefs(raw: string | null): ChartPrefs {
  let o: Record<string, unknown> = {};
  try {
    const v: unknown = raw ? JSON.parse(raw) : {};
    if (v && typeof v === "object" && !Array.isArray(v)) o = v as Record<string, unknown>;
  } catch {
    // damaged storage: defaults
  }
  const d = DEFAULT_PREFS;
  const s = o.smoothing;
  return {
    smoothing: typeof s === "number" && Number.isFinite(s) ? Math.min(0.99, Math.max(0, s)) : d.smoothing,
    yScale: o.yScale === "log" || o.yScale === "linear" ? o.yScale : d.yScale,
    xAxis: X_AXES.includes(o.xAxis as XAxis) ? (o.xAxis as XAxis) : d.xAxis,
    perBatch: typeof o.perBatch === "boolean" ? o.perBatch : d.perBatch,
  };
}

type Store = Pick<Storage, "getItem" | "setItem">;

function storage(): Store | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null; // storage blocked (privacy mode): prefs live for the page only
  }
}

export function loadPrefs(s: Store | null = storage()): ChartPrefs {
  return parsePrefs(s?.getItem(PREFS_KEY) ?? null);
}

export function savePrefs(p: ChartPrefs, s: Store | null = storage()): void {
  try {
    s?.setItem(PREFS_KEY, JSON.stringify(p));
  } catch {
    // quota or blocked storage: the choice still applies to this page
  }
}

export const useChartPrefs = create<ChartPrefs & { set: (p: Partial<ChartPrefs>) => void }>((set, get) => ({
  ...loadPrefs(),
  set: (p) => {
    set(p);
    const { smoothing, yScale, xAxis, perBatch } = get();
    savePrefs({ smoothing, yScale, xAxis, perBatch });
  },
}));
