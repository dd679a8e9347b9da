// The baseline of bench/canvas_drag.py: React Flow alone, with the graph the canvas bench loads
// (window.__BENCH_GRAPH__, netcanvas graph JSON) as default nodes. Nodes and edges live in a
// zustand store, as in React Flow's own state-library example and as on the canvas, so both pages
// render a drag step the same way (a store update, flushed by React in the same task).
import "@xyflow/react/dist/style.css";
import {
  applyNodeChanges, ReactFlow, type Edge, type Node, type NodeChange,
} from "@xyflow/react";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { create } from "zustand";

interface GraphJson {
  nodes: { id: string; type: string; position?: { x: number; y: number } | null }[];
  edges: { source: string; target: string; source_port?: number; target_port?: number }[];
}

const graph = (window as unknown as { __BENCH_GRAPH__?: GraphJson }).__BENCH_GRAPH__;
if (!graph) throw new Error("window.__BENCH_GRAPH__ is not set: bench/canvas_drag.py sets it before the page loads");

interface FlowStore {
  nodes: Node[];
  edges: Edge[];
  onNodesChange: (changes: NodeChange[]) => void;
}

const useFlow = create<FlowStore>()((set, get) => ({
  nodes: graph.nodes.map((n) => ({ id: n.id, position: n.position ?? { x: 0, y: 0 }, data: { label: `${n.type} ${n.id}` } })),
  edges: graph.edges.map((e) => ({
    id: `e:${e.source}:${e.source_port ?? 0}->${e.target}:${e.target_port ?? 0}`, source: e.source, target: e.target,
  })),
  onNodesChange: (changes) => set({ nodes: applyNodeChanges(changes, get().nodes) }),
}));

function BareFlow() {
  const nodes = useFlow((s) => s.nodes);
  const edges = useFlow((s) => s.edges);
  const onNodesChange = useFlow((s) => s.onNodesChange);
  return (
    <ReactFlow nodes={nodes} edges={edges} onNodesChange={onNodesChange} fitView minZoom={0.15} maxZoom={2.5}
      proOptions={{ hideAttribution: true }} colorMode="dark" />
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <BareFlow />
  </StrictMode>,
);
