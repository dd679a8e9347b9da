// "Try the model": draw, type text, pick data set samples, send JSON, or look at a node's features.
import { useState } from "react";
import type { DatasetInfo, RunPublic, Shape } from "../../api/types";
import NodeFeatures from "../NodeFeatures";
import { sequenceTask } from "../sequences";
import TextPredict from "../TextPredict";
import { drawGrid } from "./predict";
import PredictDraw from "./PredictDraw";
import PredictJson from "./PredictJson";
import PredictSamples from "./PredictSamples";

type Mode = "draw" | "text" | "samples" | "json" | "features";

export default function TryModel({ run, ds }: { run: RunPublic; ds: DatasetInfo | undefined }) {
  const graphInputs = run.graph.nodes.filter((n) => n.type === "Input");
  const inputShape = (ds?.input_shape ?? (graphInputs.length === 1 ? graphInputs[0].params.shape : null) ?? null) as Shape | null;
  const grid = drawGrid(run.dataset, inputShape);
  const textModel = sequenceTask(ds) === "text";
  const [picked, setMode] = useState<Mode | null>(null);
  const mode = picked ?? (grid ? "draw" : textModel ? "text" : ds ? "samples" : "json");
  const classNames = ds?.target.class_names ?? null;
  return (
    <section className="card" id="try-model">
      <div className="card-head">
        <h3>Try the model</h3>
        <div className="seg" role="tablist">
          {grid && <button role="tab" aria-selected={mode === "draw"} onClick={() => setMode("draw")} data-testid="try-draw">Draw</button>}
          {textModel && <button role="tab" aria-selected={mode === "text"} onClick={() => setMode("text")} data-testid="try-text">Text</button>}
          <button role="tab" aria-selected={mode === "samples"} onClick={() => setMode("samples")} data-testid="try-samples">Samples</button>
          <button role="tab" aria-selected={mode === "json"} onClick={() => setMode("json")}>JSON</button>
          <button role="tab" aria-selected={mode === "features"} onClick={() => setMode("features")} title="Features at a node: any layer's output" data-testid="try-features">Features</button>
        </div>
      </div>
      {mode === "draw" && grid && <PredictDraw run={run} grid={grid} classNames={classNames} />}
      {mode === "text" && <TextPredict run={run} ds={ds} />}
      {mode === "samples" && <PredictSamples run={run} ds={ds} shape={inputShape} classNames={classNames} />}
      {mode === "json" && <PredictJson run={run} shape={inputShape} />}
      {mode === "features" && <NodeFeatures run={run} ds={ds} shape={inputShape} />}
    </section>
  );
}
