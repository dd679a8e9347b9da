// An edge labelled with the tensor shape it carries: output_shapes[source_port] of its source.
import { BaseEdge, EdgeLabelRenderer, getBezierPath, type EdgeProps } from "@xyflow/react";
import { memo } from "react";
import type { WireEdge as WireEdgeType } from "../graph/convert";
import { portOf } from "../graph/convert";
import { useGraph } from "../graph/store";
import { fmtShape } from "../ui/format";

function WireEdge(props: EdgeProps<WireEdgeType>) {
  const { id, source, target, sourceHandleId, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, selected, markerEnd } = props;
  const shape = useGraph((s) => s.analysis?.nodes[source]?.output_shapes?.[portOf(sourceHandleId)] ?? null);
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} className={selected ? "wire selected" : "wire"} />
      {shape && (
        <EdgeLabelRenderer>
          <div
            className={`edge-label nodrag nopan${selected ? " selected" : ""}`}
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
            data-testid={`edge-label-${source}-${target}`}
          >
            {fmtShape(shape)}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
}

export default memo(WireEdge);
