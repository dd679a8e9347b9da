// The editor surface: React Flow with drop-from-palette, shape-labelled wires, minimap and tools.
import {
  Background, BackgroundVariant, ConnectionLineType, MiniMap, Panel, ReactFlow, useNodesInitialized, useReactFlow,
  type EdgeTypes, type IsValidConnection, type OnConnectEnd, type NodeTypes,
} from "@xyflow/react";
import { useCallback, useEffect, useRef, useState, type DragEvent, type MouseEvent } from "react";
import { useCatalog } from "../api/catalog";
import { portOf, validationKeyCached, type LayerNode, type WireEdge as WireEdgeType } from "../graph/convert";
import { graphHasFrozen } from "../graph/freeze";
import { useGraph } from "../graph/store";
import { fmtCount } from "../ui/format";
import { Icon } from "../ui/Icon";
import AnyNodeView from "./AnyNodeView";
import { BLOCK_MIME, dropBlock, GroupDialog } from "./BlockActions";
import Breadcrumb from "./Breadcrumb";
import { DRAG_MIME } from "./Palette";
import { countText, willTrainText } from "./paramCounts";
import { useCanvasShortcuts } from "./shortcuts";
import LayerSearch, { type SearchAt } from "./LayerSearch";
import ContextMenu, { type MenuAt } from "./ContextMenu";
import { paramsForNewLayer } from "./newLayerParams";
import { startWireNotice } from "./wireNotice";
import WireEdge from "./WireEdge";

const nodeTypes = { layer: AnyNodeView } satisfies NodeTypes; // layer and Block cards
const edgeTypes = { wire: WireEdge } satisfies EdgeTypes;
const GRID: [number, number] = [16, 16];
// Props React Flow copies into its store keep one identity: a new object or arrow each render is a
// store update each drag step, re-running every node's and wire's selectors (bench/canvas_drag.py).
const DEFAULT_EDGE = { type: "wire" };
const PRO_OPTIONS = { hideAttribution: true };
const MULTI_SELECT_KEYS = ["Meta", "Control"];
const snapshotForUndo = () => useGraph.getState().snapshot();

const FAMILY_COLOR: Record<string, string> = {
  input: "#34d399", core: "#7c9cff", convolution: "#f59e0b", pooling: "#fb7185", recurrent: "#c084fc",
  normalization: "#22d3ee", merge: "#f472b6", reshaping: "#a3e635", activation: "#facc15",
  preprocessing: "#94a3b8", augmentation: "#2dd4bf", attention: "#e879f9", wrapper: "#818cf8", noise: "#fdba74",
};

export default function Canvas({ onShowSummary }: { onShowSummary: () => void }) {
  const nodes = useGraph((s) => s.nodes);
  const edges = useGraph((s) => s.edges);
  const onNodesChange = useGraph((s) => s.onNodesChange);
  const onEdgesChange = useGraph((s) => s.onEdgesChange);
  const onConnect = useGraph((s) => s.onConnect);
  const fitRequest = useGraph((s) => s.fitRequest);
  const direction = useGraph((s) => s.direction);
  const analysis = useGraph((s) => s.analysis);
  const validating = useGraph((s) => s.validating);
  const validationError = useGraph((s) => s.validationError);
  // Fresh: the analysis on screen answers the graph on screen (tests wait for this too).
  const fresh = useGraph((s) => s.analysisKey === validationKeyCached(s));
  const canUndo = useGraph((s) => s.past.length > 0);
  const frozen = useGraph(graphHasFrozen);
  const canRedo = useGraph((s) => s.future.length > 0);
  const byType = useCatalog((s) => s.byType);
  const { screenToFlowPosition, fitView, zoomIn, zoomOut } = useReactFlow<LayerNode, WireEdgeType>();
  const [snap, setSnap] = useState(true);
  useEffect(() => startWireNotice(), []);
  // A dropped Input takes the Train panel's data set's shape: have the data sets at hand.
  useEffect(() => {
    if (!useCatalog.getState().datasets) void useCatalog.getState().loadDatasets();
  }, []);
  const wrapper = useRef<HTMLDivElement>(null);

  // Room at the top for the toolbar and at the bottom for the status bar.
  const fit = useCallback(
    () => void fitView({ padding: { top: "64px", bottom: "60px", left: "28px", right: "28px" }, duration: 250, maxZoom: 1.1 }),
    [fitView],
  );
  useCanvasShortcuts(true, fit);
  // Fit once the nodes of a loaded graph have been measured, not before.
  const initialized = useNodesInitialized();
  const [fitPending, setFitPending] = useState(0);
  const [fitSeen, setFitSeen] = useState(0);
  if (fitRequest !== fitSeen && fitRequest > 0) {
    // An empty graph (New) has nothing to fit: drop the request, or the first layer dropped would re-zoom the view.
    if (!nodes.length) setFitSeen(fitRequest);
    else if (initialized) {
      setFitSeen(fitRequest);
      setFitPending(fitRequest);
    }
  }
  useEffect(() => {
    if (fitPending) {
      const t = setTimeout(fit, 30);
      return () => clearTimeout(t);
    }
  }, [fitPending, fit]);

  const addAt = useCallback(
    (type: string, clientX: number, clientY: number) => {
      const info = useCatalog.getState().byType[type];
      if (!info) return;
      const p = screenToFlowPosition({ x: clientX, y: clientY });
      // Centre the card on the pointer, on the grid.
      const pos = { x: Math.round((p.x - 100) / GRID[0]) * GRID[0], y: Math.round((p.y - 36) / GRID[1]) * GRID[1] };
      useGraph.getState().addLayer(type, paramsForNewLayer(type, info.defaults), pos);
    },
    [screenToFlowPosition],
  );

  const onDrop = useCallback(
    (e: DragEvent) => {
      const block = e.dataTransfer.getData(BLOCK_MIME);
      if (block) {
        e.preventDefault();
        const p = screenToFlowPosition({ x: e.clientX, y: e.clientY });
        dropBlock(block, { x: Math.round((p.x - 100) / GRID[0]) * GRID[0], y: Math.round((p.y - 36) / GRID[1]) * GRID[1] });
        return;
      }
      const type = e.dataTransfer.getData(DRAG_MIME) || e.dataTransfer.getData("text/plain");
      if (!type || !useCatalog.getState().byType[type]) return;
      e.preventDefault();
      addAt(type, e.clientX, e.clientY);
    },
    [addAt, screenToFlowPosition],
  );

  const [search, setSearch] = useState<SearchAt | null>(null);
  const onConnectEnd: OnConnectEnd = useCallback((event, state) => {
    if (state.isValid || !state.fromNode || !state.fromHandle) return;
    const target = event.target as HTMLElement | null;
    if (!target?.classList.contains("react-flow__pane")) return;
    const pt = "changedTouches" in event ? event.changedTouches[0] : event;
    setSearch({
      x: pt.clientX, y: pt.clientY,
      wire: { node: state.fromNode.id, port: portOf(state.fromHandle.id), side: state.fromHandle.type },
    });
  }, []);
  const onDoubleClick = useCallback((e: MouseEvent) => {
    if ((e.target as HTMLElement).classList.contains("react-flow__pane")) setSearch({ x: e.clientX, y: e.clientY, wire: null });
  }, []);
  const pick = useCallback((type: string) => {
    const at = search;
    setSearch(null);
    const info = useCatalog.getState().byType[type];
    if (!at || !info) return;
    const p = screenToFlowPosition({ x: at.x, y: at.y });
    const pos = { x: Math.round((p.x - 100) / GRID[0]) * GRID[0], y: Math.round((p.y - 36) / GRID[1]) * GRID[1] };
    const params = paramsForNewLayer(type, info.defaults);
    if (at.wire) useGraph.getState().addLayerWired(type, params, pos, at.wire);
    else useGraph.getState().addLayer(type, params, pos);
  }, [search, screenToFlowPosition]);

  // Right-click: a node outside the selection becomes the selection (as in a file manager).
  const [menu, setMenu] = useState<MenuAt | null>(null);
  const closeMenu = useCallback(() => setMenu(null), []);
  const onNodeContextMenu = useCallback((e: MouseEvent, node: LayerNode) => {
    e.preventDefault();
    if (!node.selected) useGraph.getState().select([node.id]);
    setMenu({ kind: "node", x: e.clientX, y: e.clientY });
  }, []);
  const onSelectionContextMenu = useCallback((e: MouseEvent) => {
    e.preventDefault();
    setMenu({ kind: "node", x: e.clientX, y: e.clientY });
  }, []);
  const onEdgeContextMenu = useCallback((e: MouseEvent, edge: WireEdgeType) => {
    e.preventDefault();
    setMenu({ kind: "edge", x: e.clientX, y: e.clientY, edge: edge.id });
  }, []);
  const onPaneContextMenu = useCallback((e: MouseEvent | globalThis.MouseEvent) => {
    e.preventDefault();
    setMenu({ kind: "pane", x: e.clientX, y: e.clientY });
  }, []);
  const addLayerAt = useCallback((x: number, y: number) => setSearch({ x, y, wire: null }), []);

  const isValidConnection: IsValidConnection<WireEdgeType> = useCallback(
    (c) => c.source !== c.target,
    [],
  );

  const problems = analysis?.problems ?? [];
  const graphProblems = problems.filter((p) => !p.node);

  return (
    <div className="canvas" ref={wrapper} data-validation={fresh ? "fresh" : "pending"} onDragOver={(e) => { e.preventDefault(); e.dataTransfer.dropEffect = "copy"; }} onDrop={onDrop} onDoubleClick={onDoubleClick}>
      <ReactFlow<LayerNode, WireEdgeType>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        onNodeContextMenu={onNodeContextMenu}
        onSelectionContextMenu={onSelectionContextMenu}
        onEdgeContextMenu={onEdgeContextMenu}
        onPaneContextMenu={onPaneContextMenu}
        zoomOnDoubleClick={false}
        onNodeDragStart={snapshotForUndo}
        onSelectionDragStart={snapshotForUndo}
        isValidConnection={isValidConnection}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={MULTI_SELECT_KEYS}
        snapToGrid={snap}
        snapGrid={GRID}
        connectionLineType={ConnectionLineType.Bezier}
        defaultEdgeOptions={DEFAULT_EDGE}
        minZoom={0.15}
        maxZoom={2.5}
        proOptions={PRO_OPTIONS}
        colorMode="dark"
      >
        <Background variant={BackgroundVariant.Dots} gap={GRID[0]} size={1.2} color="#2a3142" />
        <MiniMap
          pannable
          zoomable
          nodeColor={(n) => ((n as LayerNode).data.type === "Block" ? "#a78bfa" : FAMILY_COLOR[byType[(n as LayerNode).data.type]?.family ?? ""] ?? "#64748b")}
          nodeStrokeWidth={0}
          maskColor="rgba(10, 13, 20, 0.7)"
          style={{ width: 168, height: 112 }}
        />
        <Panel position="top-left" className="toolbar" aria-label="Canvas tools">
          <button className="icon-btn" onClick={() => useGraph.getState().undo()} disabled={!canUndo} title="Undo (Ctrl+Z)" data-testid="undo">
            <Icon name="undo" />
          </button>
          <button className="icon-btn" onClick={() => useGraph.getState().redo()} disabled={!canRedo} title="Redo (Ctrl+Shift+Z)" data-testid="redo">
            <Icon name="redo" />
          </button>
          <span className="sep" />
          <button className="icon-btn" onClick={() => useGraph.getState().autoLayout("LR")} title="Auto-layout left to right (L)" data-testid="layout-lr" aria-pressed={direction === "LR"}>
            <Icon name="layout-lr" />
          </button>
          <button className="icon-btn" onClick={() => useGraph.getState().autoLayout("TB")} title="Auto-layout top to bottom" data-testid="layout-tb" aria-pressed={direction === "TB"}>
            <Icon name="layout-tb" />
          </button>
          <span className="sep" />
          <button className="icon-btn" onClick={() => void zoomOut({ duration: 150 })} title="Zoom out"><Icon name="minus" /></button>
          <button className="icon-btn" onClick={() => void zoomIn({ duration: 150 })} title="Zoom in"><Icon name="plus" /></button>
          <button className="icon-btn" onClick={fit} title="Zoom to fit (F)" data-testid="fit"><Icon name="fit" /></button>
          <button className="icon-btn" onClick={() => setSnap((v) => !v)} aria-pressed={snap} title="Snap to grid" data-testid="snap"><Icon name="grid" /></button>
        </Panel>
        <Breadcrumb />
        <Panel position="bottom-left" className="statusbar" data-testid="statusbar">
          <span className={`status-dot ${validating || !fresh ? "busy" : problems.length ? "bad" : analysis ? "good" : ""}`} />
          {validationError ? (
            <span className="error">Validation unavailable: {validationError}</span>
          ) : !nodes.length ? (
            <span>Drag a layer from the palette to start</span>
          ) : analysis ? (
            <>
              {frozen ? (
                <span data-testid="params-will-train" className={analysis.trainable_params === 0 ? "warn" : undefined}
                  title={`${countText(analysis)}${analysis.trainable_params === 0 ? "\nEverything is frozen: unfreeze a layer to train." : ""}`}>
                  {willTrainText(analysis)}
                </span>
              ) : (
                <span data-testid="total-params" title={countText(analysis)}>{fmtCount(analysis.total_params)} params</span>
              )}
              {!frozen && analysis.non_trainable_params > 0 && (
                <span className="dim" data-testid="non-trainable-params" title={countText(analysis)}>
                  ({fmtCount(analysis.non_trainable_params)} non-trainable)
                </span>
              )}
              <span className="dim">·</span>
              <span data-testid="problem-count">{problems.length ? `${problems.length} problem${problems.length > 1 ? "s" : ""}` : frozen && analysis.trainable_params === 0 ? "Nothing to train: unfreeze a layer" : "Ready to train"}</span>
              {graphProblems[0] && <span className="dim ellipsis" title={graphProblems.map((p) => p.message).join("\n")}>— {graphProblems[0].message}</span>}
            </>
          ) : (
            <span>Checking…</span>
          )}
          <button className="link-btn" onClick={onShowSummary} data-testid="show-summary" disabled={!nodes.length}>
            Summary
          </button>
        </Panel>
      </ReactFlow>
      <GroupDialog />
      {menu && <ContextMenu at={menu} onClose={closeMenu} onAddLayer={addLayerAt} />}
      {search && <LayerSearch at={search} onPick={pick} onClose={() => setSearch(null)} />}
      {!nodes.length && (
        <div className="canvas-empty">
          <div className="big">Drop layers here</div>
          <div>Drag from the palette, or start from a template.</div>
        </div>
      )}
    </div>
  );
}
