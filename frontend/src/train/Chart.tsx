// A streaming line chart on uPlot: created once, fed with setData as points arrive.
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface SeriesSpec {
  label: string;
  color: string;
  width?: number;
  dash?: number[];
  points?: boolean | "sparse"; // "sparse": dots only while the series has few points
  alpha?: number;
}

export default function Chart({ title, series, data, xLabel = "epoch", testid, height = 220, empty, xMax }: {
  title: string;
  series: SeriesSpec[];
  data: uPlot.AlignedData;
  xLabel?: string;
  testid?: string;
  height?: number;
  empty?: string;
  xMax?: number | null; // the planned span (epochs), so curves grow into a fixed frame
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const span = useRef<number | null>(null);
  span.current = xMax ?? null;
  const key = series.map((s) => s.label + s.color).join("|");
  const cols = data.slice(1) as (number | null | undefined)[][];
  const count = cols.map((col) => col.filter((v) => v !== null && v !== undefined).length);
  // What the curves end on, for tests and for the curious (inspect the element).
  const last = cols.map((col) => {
    for (let i = col.length - 1; i >= 0; i--) if (col[i] !== null && col[i] !== undefined) return Number(col[i]!.toPrecision(6));
    return null;
  });

  useEffect(() => {
    const el = box.current!;
    const axis = { stroke: "#8b93a7", grid: { stroke: "rgba(148,163,184,0.08)", width: 1 }, ticks: { stroke: "rgba(148,163,184,0.15)", width: 1 }, font: "11px ui-sans-serif, system-ui, sans-serif" };
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      legend: { show: true, live: true },
      cursor: { drag: { x: true, y: false }, points: { size: 6 } },
      scales: {
        x: {
          time: false,
          // A planned span frames the curves from 0; otherwise the data's own range.
          range: (_u, min, max) =>
            span.current ? [0, Math.max(max ?? 1, span.current)] : [min ?? 0, Math.max(max ?? 1, (min ?? 0) + 1)],
        },
      },
      axes: [
        // Whole epochs on the x axis; batch points fall between them.
        { ...axis, label: xLabel, labelSize: 18, labelFont: axis.font, size: 34, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] },
        { ...axis, size: 52 },
      ],
      series: [
        { label: xLabel, value: (_u, v) => (v === null || v === undefined ? "" : Number.isInteger(v) ? String(v) : v.toFixed(2)) },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: s.width ?? 2,
          dash: s.dash,
          spanGaps: true,
          alpha: s.alpha,
          points: {
            show: s.points === "sparse"
              ? (u: uPlot, si: number) => (u.data[si] as (number | null)[]).filter((v) => v !== null && v !== undefined).length < 80
              : s.points ?? false,
            size: s.points === "sparse" ? 3 : 5,
            fill: s.color,
          },
          value: (_u: uPlot, v: number | null) => (v === null || v === undefined ? "" : v.toPrecision(4)),
        })),
      ],
    };
    const u = new uPlot(opts, data, el);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Rebuilt only when the set of series changes; data flows through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, height, xLabel]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data, xMax]);

  const total = count.reduce((a, b) => a + b, 0);
  return (
    <div className="chart" data-testid={testid} data-points={total} data-points-by-series={count.join(",")} data-last={JSON.stringify(last)}>
      <div className="chart-title">{title}</div>
      <div ref={box} className="chart-box" />
      {total === 0 && <div className="chart-empty">{empty ?? "Waiting for the first points…"}</div>}
    </div>
  );
}
