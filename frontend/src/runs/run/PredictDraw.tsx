// Draw a digit on a pad; every stroke is sent to the model and its class probabilities shown.
import { useState } from "react";
import { api } from "../../api/client";
import type { RunPublic } from "../../api/types";
import DrawPad from "../DrawPad";
import Probabilities from "../Probabilities";
import { firstRow, type DrawGrid } from "./predict";

export default function PredictDraw({ run, grid, classNames }: { run: RunPublic; grid: DrawGrid; classNames: string[] | null }) {
  const [out, setOut] = useState<number[] | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const predict = async (g: number[][]) => {
    if (g.every((row) => row.every((v) => v === 0))) {
      setOut(null);
      return;
    }
    const sample = grid.layout === "chw" ? [g] : grid.layout === "hw" ? g : g.flat();
    try {
      const res = await api.predict(run.id, [sample]);
      setOut(firstRow(res.outputs));
      setErr(null);
    } catch (e) {
      setErr((e as Error).message);
    }
  };
  return (
    <div className="draw-predict">
      <div>
        <DrawPad rows={grid.rows} cols={grid.cols} onChange={(g) => void predict(g)} />
        <div className="dim small">Draw a digit; it is sent as {grid.layout === "chw" ? `1×${grid.rows}×${grid.cols}` : grid.layout === "hw" ? `${grid.rows}×${grid.cols}` : `${grid.rows * grid.cols}`} values in 0..1.</div>
      </div>
      <div className="grow">
        {err && <div className="callout bad">{err}</div>}
        {out ? <Probabilities values={out} names={classNames} /> : !err && <div className="dim small">The prediction appears here.</div>}
      </div>
    </div>
  );
}
