// A streaming line chart on uPlot: created once per look (series, axes, scale), fed with setData as
// points arrive. Its legend is ours: names only, and values while the cursor is on the chart.
import { useEffect, useMemo, useRef, useState } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { logSafe } from "../runs/run/xAxis";
import "./Chart.css";

export interface SeriesSpec {
  label: string;
  color: string;
  width?: number;
  dash?: number[];
  points?: boolean | "sparse"; // "sparse": dots only while the series has few points
  alpha?: number;
  legend?: string | false; // the legend's name (default: label); false leaves it out of the legend
  show?: boolean; // false: kept in the data, not drawn
  probe?: boolean; // false: not counted in data-points / data-last (a derived line, e.g. smoothed)
}

const EPOCH_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
const plainX = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));
const fmtY = (v: number) => (Math.abs(v) >= 1e4 ? v.toExponential(1) : String(Number(v.toPrecision(4))));

function lastValue(col: readonly (number | null | undefined)[]): number | null {
  for (let i = col.length - 1; i >= 0; i--) if (col[i] !== null && col[i] !== undefined) return Number(col[i]!.toPrecision(6));
  return null;
}

/** The value nearest to index i (a validation point sits at epoch ends, the cursor between them). */
function nearest(col: readonly (number | null | undefined)[], i: number): number | null {
  for (let d = 0; d < col.length; d++) {
    const a = col[i - d];
    if (a !== null && a !== undefined) return a;
    const b = col[i + d];
    if (b !== null && b !== undefined) return b;
  }
  return null;
}

export default function Chart({ title, series, data, xLabel = "epoch", testid, height = 220, empty, xMax, xRange, yLog = false, xFormat = plainX, xIncrs = EPOCH_INCRS }: {
  title: string;
  series: SeriesSpec[];
  data: uPlot.AlignedData;
  xLabel?: string;
  testid?: string;
  height?: number;
  empty?: string;
  xMax?: number | null; // the planned span (epochs), so curves grow into a fixed frame
  xRange?: (min: number, max: number) => [number, number]; // the frame without a planned span
  yLog?: boolean; // log y axis: values ≤ 0 become gaps
  xFormat?: (v: number) => string;
  xIncrs?: number[];
}) {
  const box = useRef<HTMLDivElement>(null);
  const root = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const span = useRef<number | null>(null);
  span.current = xMax ?? null;
  const frame = useRef(xRange);
  frame.current = xRange;
  const fmtX = useRef(xFormat);
  fmtX.current = xFormat;
  const [cursor, setCursor] = useState<number | null>(null);
  const key = JSON.stringify([series.map((s) => [s.label, s.color, s.width, s.dash, s.points, s.show]), xIncrs]);

  // What is drawn: on a log axis, without the values it cannot place.
  const drawn = useMemo(() => (yLog ? ([data[0], ...data.slice(1).map((c) => logSafe(c as (number | null)[]))] as uPlot.AlignedData) : data), [data, yLog]);
  // What the curves hold and end on, for tests and for the curious (inspect the element).
  const probe = useMemo(() => {
    const cols = (data.slice(1) as (number | null | undefined)[][]).filter((_c, i) => series[i]?.probe !== false);
    const count = cols.map((col) => col.filter((v) => v !== null && v !== undefined).length);
    const shown = (drawn.slice(1) as (number | null | undefined)[][]).filter((_c, i) => series[i]?.show !== false);
    return { count, last: cols.map(lastValue), drawnLast: shown.map(lastValue) };
  }, [data, drawn, series]);

  useEffect(() => {
    const el = box.current!;
    const rootEl = root.current!;
    const axis = { stroke: "#8b93a7", grid: { stroke: "rgba(148,163,184,0.08)", width: 1 }, ticks: { stroke: "rgba(148,163,184,0.15)", width: 1 }, font: "11px ui-sans-serif, system-ui, sans-serif" };
    // The labels uPlot actually drew, on the element: tests read the axes without parsing pixels.
    const record = (name: "xTicks" | "yTicks", labels: string[]) => {
      rootEl.dataset[name] = JSON.stringify(labels.filter(Boolean));
      return labels;
    };
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      legend: { show: false },
      cursor: { drag: { x: true, y: false }, points: { size: 6 } },
      scales: {
        x: {
          time: false,
          // A planned span frames the curves from 0; otherwise the data's own range.
          range: (_u, min, max) => {
            if (span.current) return [0, Math.max(max ?? 1, span.current)];
            if (frame.current && min !== null && max !== null) return frame.current(min, max);
            return [min ?? 0, Math.max(max ?? 1, (min ?? 0) + 1)];
          },
        },
        y: yLog
          ? { distr: 3, log: 10, range: (_u, min, max) => (min > 0 && max > 0 ? uPlot.rangeLog(min, max, 10, false) : [0.1, 1]) }
          : { distr: 1 },
      },
      axes: [
        {
          ...axis, label: xLabel, labelSize: 18, labelFont: axis.font, size: 34, incrs: xIncrs,
          values: (_u, splits) => record("xTicks", splits.map((v) => (v === null || v === undefined ? "" : fmtX.current(v)))),
        },
        {
          ...axis, size: 52,
          // Log: every split while they are few (a narrow range still gets labels), else 1-2-5 of each decade.
          ...(yLog ? { filter: (_u: uPlot, splits: number[]) => (splits.length <= 10 ? splits : splits.map((v) => (/^[125]/.test(v.toExponential()) ? v : null))) } : {}),
          values: (_u, splits) => record("yTicks", splits.map((v) => (v === null || v === undefined ? "" : fmtY(v)))),
        },
      ],
      series: [
        { label: xLabel },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: s.width ?? 2,
          dash: s.dash,
          spanGaps: true,
          alpha: s.alpha,
          show: s.show ?? true,
          points: {
            show: s.points === "sparse"
              ? (u: uPlot, si: number) => (u.data[si] as (number | null)[]).filter((v) => v !== null && v !== undefined).length < 80
              : s.points ?? false,
            size: s.points === "sparse" ? 3 : 5,
            fill: s.color,
          },
        })),
      ],
      hooks: {
        setCursor: [(u) => setCursor(u.cursor.idx ?? null)],
        // The scale uPlot really uses (not the one asked for), for tests.
        ready: [(u) => { rootEl.dataset.yScale = u.scales.y.distr === 3 ? "log" : "linear"; }],
      },
    };
    const u = new uPlot(opts, drawn, el);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
      setCursor(null);
    };
    // Rebuilt only when the look changes; data flows through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, height, xLabel, yLog]);

  useEffect(() => {
    plot.current?.setData(drawn);
  }, [drawn, xMax]);

  const total = probe.count.reduce((a, b) => a + b, 0);
  const x = cursor !== null ? (drawn[0][cursor] as number | undefined) : undefined;
  return (
    <div ref={root} className="chart" data-testid={testid} data-points={total} data-points-by-series={probe.count.join(",")}
      data-last={JSON.stringify(probe.last)} data-drawn-last={JSON.stringify(probe.drawnLast)}>
      <div className="chart-head">
        <div className="chart-title">{title}</div>
        <div className="chart-legend" data-testid={testid ? `${testid}-legend` : undefined}>
          {x !== undefined && <span className="chart-legend-x mono">{xLabel} {fmtX.current(x)}</span>}
          {series.map((s, i) => {
            if (s.legend === false || s.show === false) return null;
            const v = cursor !== null ? nearest(drawn[i + 1] as (number | null)[], cursor) : null;
            return (
              <span key={s.label} className="chart-legend-item">
                <i style={{ background: s.color }} />
                {s.legend ?? s.label}
                {v !== null && <b className="mono">{v.toPrecision(4)}</b>}
              </span>
            );
          })}
        </div>
      </div>
      <div ref={box} className="chart-box" />
      {total === 0 && <div className="chart-empty">{empty ?? "Waiting for the first points…"}</div>}
    </div>
  );
}
