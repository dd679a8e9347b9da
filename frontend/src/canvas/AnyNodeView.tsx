// The one React Flow node type of the canvas: a Block node draws as a block card, every other
// node as a layer card (both keep the "layer" node type, so the store stays one shape).
import { useStore, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import { BLOCK_TYPE } from "../graph/blockFormat";
import type { LayerNode } from "../graph/convert";
import BlockNodeView from "./BlockNodeView";
import LayerNodeView from "./LayerNodeView";
import "./cards.css";

/** Below this zoom a card's small print cannot be read: it shows kind, name and shape, larger. */
export const COMPACT_ZOOM = 0.6;

function AnyNodeView(props: NodeProps<LayerNode>) {
  // A boolean, so a card re-renders when the zoom crosses the line, not on every zoom step.
  const compact = useStore((s) => s.transform[2] < COMPACT_ZOOM);
  return props.data.type === BLOCK_TYPE ? <BlockNodeView {...props} compact={compact} /> : <LayerNodeView {...props} compact={compact} />;
}

export default memo(AnyNodeView);
