// A Block node: one card for a named sub-graph, a handle per input port (its Input nodes) and per
// output port (its outputs), the shapes and parameter count validation gives the instance, and a
// badge when something inside is wrong. Double-click opens it.
import { Handle, Position } from "@xyflow/react";
import { memo, useMemo } from "react";
import { openBlockNode } from "../graph/blockActions";
import { blockPorts, instanceCounts, type BlockDefs } from "../graph/blockFormat";
import type { LayerNode, Level } from "../graph/convert";
import { inHandle, outHandle } from "../graph/convert";
import { isModelOutput } from "../graph/selectors";
import { useGraph } from "../graph/store";
import { fmtCompact, fmtShape } from "../ui/format";
import { Icon } from "../ui/Icon";
import { useRemeasureOnChange } from "./remeasure";
import { toast } from "../ui/toast";
import type { CardProps } from "./LayerNodeView";

const HANDLE_TOP = 22;
const HANDLE_GAP = 20;

let counted: { nodes: LayerNode[]; blocks: BlockDefs; root: Level | null; counts: Map<string, number> } | null = null;

/** How many nodes use each definition, derived once per change of the graph, not once per card. */
export function linkedCounts(s: { nodes: LayerNode[]; blocks: BlockDefs; root: Level | null; nav: { block: string }[] }): Map<string, number> {
  if (counted && counted.nodes === s.nodes && counted.blocks === s.blocks && counted.root === s.root) return counted.counts;
  // While a block is open its definition is the level on screen, not yet written back.
  const open = s.nav[s.nav.length - 1]?.block;
  const defs = open ? { ...s.blocks, [open]: { nodes: [], edges: [] } } : s.blocks;
  const counts = instanceCounts([...(s.root?.nodes ?? []), ...s.nodes], defs);
  counted = { nodes: s.nodes, blocks: s.blocks, root: s.root, counts };
  return counts;
}

function BlockNodeView({ id, data, selected, compact }: CardProps) {
  const name = data.block ?? "";
  const def = useGraph((s) => s.blocks[name]);
  const report = useGraph((s) => s.analysis?.nodes[id]);
  const direction = useGraph((s) => s.direction);
  const isOutput = useGraph((s) => isModelOutput(s.analysis, id));
  const copies = useGraph((s) => linkedCounts(s).get(name) ?? 0);
  const ports = useMemo(() => blockPorts(def), [def]);
  const layers = def ? def.nodes.filter((n) => n.type !== "Input").length : 0;

  const shapes = report?.output_shapes ?? null;
  const problems = report?.problems ?? [];
  const nIn = ports.inputs.length;
  const nOut = Math.max(ports.outputs.length, shapes?.length ?? 0, 1);
  const horizontal = direction === "LR";
  const handleLayout = `${nIn}:${nOut}:${direction}`;
  useRemeasureOnChange(id, handleLayout);

  const inPos = horizontal ? Position.Left : Position.Top;
  const outPos = horizontal ? Position.Right : Position.Bottom;
  const along = (i: number, n: number) => (horizontal ? (n === 1 ? 38 : HANDLE_TOP + i * HANDLE_GAP) : `${((i + 1) / (n + 1)) * 100}%`);
  const tallest = Math.max(nIn, nOut);
  const open = () => {
    try {
      openBlockNode(id);
    } catch (err) {
      toast((err as Error).message, "error");
    }
  };
  // A problem inside names its node from here: "mixed0/branch1x1" → "branch1x1".
  const where = (node: string | null | undefined) => (node && node.startsWith(`${id}/`) ? node.slice(id.length + 1) : null);

  return (
    <div
      className={`layer-node block-node${selected ? " selected" : ""}${problems.length ? " has-problem" : ""}${data.trainable === false ? " frozen" : ""}${compact ? " compact" : ""}`}
      data-testid={`node-${id}`}
      data-detail={compact ? "compact" : "full"}
      data-type="Block"
      data-block={name}
      onDoubleClick={(e) => { e.stopPropagation(); open(); }}
      title="Double-click to open the block"
      style={horizontal && tallest > 2 ? { minHeight: HANDLE_TOP + (tallest - 1) * HANDLE_GAP + 24 } : undefined}
    >
      {ports.inputs.map((input, i) => (
        <Handle key={`in-${i}`} id={inHandle(i)} type="target" position={inPos}
          style={horizontal ? { top: along(i, nIn) } : { left: along(i, nIn) }}
          data-testid={`handle-${id}-in-${i}`} title={`Input ${input}`}>
          {nIn > 1 && <span className="port-label in">{input}</span>}
        </Handle>
      ))}
      <div className="node-head">
        <span className="block-chip" title="A block: a named sub-graph">block</span>
        <span className="node-type block-title" data-testid={`block-name-${id}`}>{name}</span>
        {isOutput && <span className="node-badge" title="Model output">out</span>}
        {data.trainable === false && (
          <span className="node-lock" title="Frozen: nothing inside trains" data-testid={`lock-${id}`}><Icon name="lock" size={13} /></span>
        )}
      </div>
      <div className="node-params">
        <span className="block-id" title={data.name ? `id: ${id}` : "id"}>{data.name ?? id}</span>
        {" · "}{def ? `${layers} layer${layers === 1 ? "" : "s"}` : "no definition"}
        {copies > 1 && <span className="block-linked" title={`${copies} copies of one definition: editing one edits all`} data-testid={`linked-${id}`}> · linked ×{copies}</span>}
      </div>
      <div className="node-foot">
        <span className="node-shape" data-testid={`shape-${id}`}>
          {shapes ? shapes.map((s) => fmtShape(s)).join(" · ") : problems.length ? "—" : "…"}
        </span>
        <span className="node-count" title={`${report?.params ?? "?"} parameters inside`}>
          {report?.params ? `${fmtCompact(report.params)} params` : ""}
        </span>
      </div>
      {problems.length > 0 && (
        <div className="node-problem" data-testid={`problem-${id}`}>
          <span className="block-problems" data-testid={`block-problems-${id}`}>
            {problems.length} problem{problems.length > 1 ? "s" : ""} inside
          </span>
          {" — "}
          {where(problems[0].node) && <b>{where(problems[0].node)}: </b>}
          {problems[0].message}
        </div>
      )}
      {Array.from({ length: nOut }, (_, i) => (
        <Handle key={`out-${i}`} id={outHandle(i)} type="source" position={outPos}
          style={horizontal ? { top: along(i, nOut) } : { left: along(i, nOut) }}
          data-testid={`handle-${id}-out-${i}`} title={`Output ${ports.outputs[i] ?? i + 1}`}>
          {nOut > 1 && <span className="port-label out">{ports.outputs[i] ?? i + 1}</span>}
        </Handle>
      ))}
    </div>
  );
}

export default memo(BlockNodeView);
