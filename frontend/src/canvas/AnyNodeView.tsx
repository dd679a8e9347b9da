// The one React Flow node type of the canvas: a Block node draws as a block card, every other
// node as a layer card (both keep the "layer" node type, so the store stays one shape).
import type { NodeProps } from "@xyflow/react";
import { memo } from "react";
import { BLOCK_TYPE } from "../graph/blockFormat";
import type { LayerNode } from "../graph/convert";
import BlockNodeView from "./BlockNodeView";
import LayerNodeView from "./LayerNodeView";

function AnyNodeView(props: NodeProps<LayerNode>) {
  return props.data.type === BLOCK_TYPE ? <BlockNodeView {...props} /> : <LayerNodeView {...props} />;
}

export default memo(AnyNodeView);
