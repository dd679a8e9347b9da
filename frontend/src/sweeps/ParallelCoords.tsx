// Parallel coordinates of a sweep: one vertical axis per searched path and the objective; each
// trial a polyline coloured by its objective, the best drawn thick; hovering names the trial.
import { useMemo, useState } from "react";
import { fmtMetric } from "../ui/format";
import { dimensionAxis, objectiveAxis, objectiveColor, position, tickLabel, valueOn, type Axis } from "./axes";
import type { SweepPublic, TrialPublic } from "./types";

const W = 900;
const H = 300;
const PAD = { top: 28, bottom: 30, left: 60, right: 60 };

export default function ParallelCoords({ sweep, chosen, onToggle }: {
  sweep: Pick<SweepPublic, "space" | "trials" | "objective">;
  chosen: Set<number>;
  onToggle: (index: number) => void;
}) {
  const [hover, setHover] = useState<number | null>(null);
  const axes = useMemo<Axis[]>(() => [
    ...Object.entries(sweep.space).map(([path, dim]) => dimensionAxis(path, dim, sweep.trials)),
    objectiveAxis(sweep.objective.metric, sweep.trials),
  ], [sweep.space, sweep.trials, sweep.objective.metric]);
  const objAxis = axes[axes.length - 1];
  const x = (i: number) => PAD.left + (axes.length === 1 ? 0 : (i * (W - PAD.left - PAD.right)) / (axes.length - 1));
  const y = (p: number) => PAD.top + (1 - p) * (H - PAD.top - PAD.bottom);

  // A trial's line: through every axis it has a value on (a trial without an objective yet stops short).
  const pointsOf = (t: TrialPublic) => axes.flatMap((a, i) => {
    const p = position(a, valueOn(a, t));
    return p === null ? [] : [`${x(i).toFixed(1)},${y(Math.min(1, Math.max(0, p))).toFixed(1)}`];
  }).join(" ");
  // The best and the hovered trial on top.
  const order = [...sweep.trials].sort((a, b) => Number(a.best) - Number(b.best) || Number(a.index === hover) - Number(b.index === hover));
  const hovered = sweep.trials.find((t) => t.index === hover) ?? null;

  return (
    <div className="pcoords" data-testid="pcoords">
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label="Parallel coordinates of the trials">
        {axes.map((a, i) => {
          const side = i === axes.length - 1 && i > 0 ? -1 : 1; // the last axis labels its ticks outside, on the right
          return (
            <g key={a.key} className="pc-axis" data-testid={`pc-axis-${a.key}`} data-kind={a.kind}>
              <line x1={x(i)} x2={x(i)} y1={y(0)} y2={y(1)} />
              <text className="pc-label" x={x(i)} y={PAD.top - 12} textAnchor="middle">{a.label}{a.kind === "log" ? " (log)" : ""}</text>
              {(a.kind === "category" ? a.categories : a.ticks).map((v) => {
                const p = position(a, v);
                if (p === null) return null;
                return (
                  <g key={String(v)}>
                    <line x1={x(i) - side * 4} x2={x(i)} y1={y(p)} y2={y(p)} />
                    <text className="pc-tick" x={x(i) - side * 7} y={y(p) + 3} textAnchor={side > 0 ? "end" : "start"}>{typeof v === "number" ? tickLabel(v) : v}</text>
                  </g>
                );
              })}
            </g>
          );
        })}
        {order.map((t) => (
          <polyline key={t.index} points={pointsOf(t)} data-testid={`pc-line-${t.index}`} data-best={t.best ? "true" : "false"}
            className={`pc-line${t.best ? " best" : ""}${chosen.has(t.index) ? " chosen" : ""}${hover === t.index ? " hover" : ""}`}
            stroke={objectiveColor(t.objective, objAxis, sweep.objective.mode)}
            onMouseEnter={() => setHover(t.index)} onMouseLeave={() => setHover(null)} onClick={() => onToggle(t.index)}>
            <title>{`${t.name}: ${sweep.objective.metric} ${fmtMetric(t.objective)}`}</title>
          </polyline>
        ))}
      </svg>
      <div className="pc-hover dim small" data-testid="pc-hover">
        {hovered ? (
          <>
            <b>Trial {hovered.index}</b>{hovered.best ? " (best)" : ""} · {Object.entries(hovered.params).map(([k, v]) => `${k} = ${typeof v === "number" ? tickLabel(v) : JSON.stringify(v)}`).join(" · ")}
            {" · "}{sweep.objective.metric} {fmtMetric(hovered.objective)} · {hovered.status}
          </>
        ) : "Hover a line to see its trial; click it to choose it for the curves."}
      </div>
    </div>
  );
}
