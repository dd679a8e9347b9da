// One generic node card for every layer kind, drawn from the server's layer catalogue.
import { Handle, Position, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import { useCatalog } from "../api/catalog";
import type { Shape } from "../api/types";
import type { LayerNode } from "../graph/convert";
import { inHandle, outHandle } from "../graph/convert";
import { isModelOutput, wireCountsOf } from "../graph/selectors";
import { inputPorts, useGraph } from "../graph/store";
import { fmtCost, fmtShape, keyParams } from "../ui/format";
import { Icon } from "../ui/Icon";
import { useRemeasureOnChange } from "./remeasure";

const HANDLE_TOP = 22;
const HANDLE_GAP = 20;

/** "(32, 26, 26)"; several outputs: "3 × (128,)" when alike, else joined. */
function shapesText(shapes: Shape[]): string {
  const texts = shapes.map((s) => fmtShape(s));
  if (texts.length > 1 && texts.every((t) => t === texts[0])) return `${texts.length} × ${texts[0]}`;
  return texts.join(" · ");
}

export type CardProps = NodeProps<LayerNode> & {
  /** Zoomed out (AnyNodeView): kind, name and shape in larger text, the parameter rows hidden. */
  compact: boolean;
};

function LayerNodeView({ id, data, selected, compact }: CardProps) {
  // Every selector is a lookup (graph/selectors.ts): all cards run them on every store update.
  const info = useCatalog((s) => s.byType[data.type]);
  const report = useGraph((s) => s.analysis?.nodes[id]);
  const direction = useGraph((s) => s.direction);
  const connected = useGraph((s) => wireCountsOf(s.edges, id).connected);
  const usedOut = useGraph((s) => wireCountsOf(s.edges, id).usedOut);
  const isOutput = useGraph((s) => isModelOutput(s.analysis, id));

  const family = info?.family ?? "unknown";
  const nIn = info ? inputPorts(info.max_inputs, info.min_inputs, connected) : Math.max(1, connected);
  const shapes = report?.output_shapes ?? null;
  const inNames = info?.input_names ?? [];
  const outNames = info?.output_names ?? [];
  const stateful = data.params.return_state === true ? Math.max(1, outNames.length) : 1;
  const nOut = Math.max(1, shapes?.length ?? stateful, usedOut);
  const problems = report?.problems ?? [];
  const summary = keyParams(data.type, data.params);
  const horizontal = direction === "LR";

  // React Flow re-measures the handles when their number or side changes (batched: remeasure.ts).
  const handleLayout = `${nIn}:${nOut}:${direction}`;
  useRemeasureOnChange(id, handleLayout);

  // Named ports (a recurrent layer's x, h, c) show their names; otherwise several inputs are a merge's, numbered.
  const merge = info ? inNames.length === 0 && (info.max_inputs === null || info.max_inputs > 1) : false;
  const inPos = horizontal ? Position.Left : Position.Top;
  const outPos = horizontal ? Position.Right : Position.Bottom;
  // Handles sit at fixed offsets from the top, so a problem note growing below does not move them.
  const along = (i: number, n: number) => (horizontal ? (n === 1 ? 38 : HANDLE_TOP + i * HANDLE_GAP) : `${((i + 1) / (n + 1)) * 100}%`);
  const tallest = Math.max(nIn, nOut);

  return (
    <div
      className={`layer-node fam-${family}${selected ? " selected" : ""}${problems.length ? " has-problem" : ""}${data.trainable === false ? " frozen" : ""}${compact ? " compact" : ""}`}
      data-testid={`node-${id}`}
      data-type={data.type}
      data-detail={compact ? "compact" : "full"}
      style={horizontal && tallest > 2 ? { minHeight: HANDLE_TOP + (tallest - 1) * HANDLE_GAP + 24 } : undefined}
    >
      {Array.from({ length: nIn }, (_, i) => (
        <Handle
          key={`in-${i}`}
          id={inHandle(i)}
          type="target"
          position={inPos}
          style={horizontal ? { top: along(i, nIn) } : { left: along(i, nIn) }}
          className={(merge || inNames.length > 0) && i === nIn - 1 && i >= connected ? "spare" : undefined}
          data-testid={`handle-${id}-in-${i}`}
          title={inNames[i] ? `Input ${inNames[i]}` : merge ? (i >= connected ? "Add an input" : `Input ${i + 1}`) : "Input"}
        >
          {inNames.length > 0 && nIn > 1 && <span className="port-label in">{inNames[i] ?? i + 1}</span>}
          {merge && <span className="port-label">{i >= connected ? "+" : i + 1}</span>}
        </Handle>
      ))}
      <div className="node-head">
        <span className="node-type" title={compact ? data.type : undefined}>{data.type}</span>
        <span className="node-id" title={data.name ? `id: ${id}` : undefined}>
          {data.name ?? id}
        </span>
        {isOutput && <span className="node-badge" title="Model output">out</span>}
        {data.trainable === false && (
          <span className="node-lock" title="Frozen: its weights do not change in training" data-testid={`lock-${id}`}><Icon name="lock" size={13} /></span>
        )}
      </div>
      {summary && <div className="node-params">{summary}</div>}
      <div className="node-foot">
        <span className="node-shape" data-testid={`shape-${id}`}>
          {shapes ? shapesText(shapes) : problems.length ? "—" : "…"}
        </span>
        <span className="node-count" data-testid={`cost-${id}`}
          title={`${report?.params ?? "?"} parameters, ${report?.macs ?? "?"} multiply-adds a sample`}>
          {report ? fmtCost(report) : ""}
        </span>
      </div>
      {problems.length > 0 && (
        <div className="node-problem" data-testid={`problem-${id}`}>
          {problems[0].message}
          {problems.length > 1 && <span className="more"> (+{problems.length - 1} more)</span>}
        </div>
      )}
      {Array.from({ length: nOut }, (_, i) => (
        <Handle
          key={`out-${i}`}
          id={outHandle(i)}
          type="source"
          position={outPos}
          style={horizontal ? { top: along(i, nOut) } : { left: along(i, nOut) }}
          data-testid={`handle-${id}-out-${i}`}
          title={nOut > 1 ? `Output ${outNames[i] ?? i + 1}` : "Output"}
        >
          {nOut > 1 && <span className="port-label out">{outNames[i] ?? i + 1}</span>}
        </Handle>
      ))}
    </div>
  );
}

export default memo(LayerNodeView);
