// The graph being edited: nodes, edges, history, clipboard, and the last validation answer.
// Side effects (validation, autosave) live in subscribers (validation.ts, autosave.ts), not here.
import {
  addEdge, applyEdgeChanges, applyNodeChanges, type Connection, type EdgeChange, type NodeChange, type XYPosition,
} from "@xyflow/react";
import { create } from "zustand";
import type { GraphJson, ValidateResult } from "../api/types";
import {
  fromGraphJson, inHandle, makeEdge, nextId, normalizePorts, portOf, toGraphJson, validationKey,
  type GraphState, type LayerNode, type Level, type WireEdge,
} from "./convert";
import { bestLayout, layout, type Direction } from "./layout";
import type { BlockDefs, NavFrame } from "./blockFormat";
import { levelView } from "./blocks";

export interface Snapshot {
  at: number; // the edit id of this state (GraphStore.edits), so undo back to a saved state is clean
  name: string;
  nodes: LayerNode[];
  edges: WireEdge[];
  outputs: string[] | null;
  blocks: BlockDefs;
  nav: NavFrame[];
  root: Level | null;
}

interface Clipboard {
  nodes: LayerNode[];
  edges: WireEdge[];
}

export interface GraphStore extends GraphState {
  graphId: string | null; // saved graph on the server
  version: number | null;
  direction: Direction;
  past: Snapshot[];
  future: Snapshot[];
  clipboard: Clipboard | null;
  analysis: ValidateResult | null; // as seen at the level on screen (graph/blockFormat.ts viewAnalysis)
  topAnalysis: ValidateResult | null; // the server's answer for the whole graph
  blocks: BlockDefs;
  nav: NavFrame[];
  root: Level | null;
  analysisKey: string | null; // validationKey of the graph the analysis answers
  validating: boolean;
  validationError: string | null;
  fitRequest: number; // bumped to ask the canvas to zoom to fit
  /** The wire the last connection replaced (one wire per input port), for the notice that says so;
   * `step` is the undo step that took it away. */
  replacedWire: { source: string; target: string; step: Snapshot } | null;
  edits: number; // id of the graph's state: a fresh one per edit, the snapshot's on undo/redo
  cleanAt: number; // `edits` when the graph was last loaded or saved; dirty while they differ

  onNodesChange: (changes: NodeChange<LayerNode>[]) => void;
  onEdgesChange: (changes: EdgeChange<WireEdge>[]) => void;
  onConnect: (connection: Connection) => void;
  snapshot: () => void;
  addLayer: (type: string, params: Record<string, unknown>, position: XYPosition) => string;
  /** Adds a layer wired to a loose wire end, as one undo step (the layer search after a wire drop). */
  addLayerWired: (type: string, params: Record<string, unknown>, position: XYPosition,
    wire: { node: string; port: number; side: "source" | "target" }) => string;
  updateParams: (id: string, params: Record<string, unknown>) => void;
  rename: (id: string, name: string | null) => void;
  setName: (name: string) => void;
  select: (ids: string[]) => void;
  selectAll: () => void;
  deleteSelected: () => void;
  /** Removes every wire into or out of the selected nodes (the context menu's Disconnect). */
  disconnectSelected: () => void;
  /** Moves the wire into `node`'s input `port` by `delta` places (the merge order: Concatenate's
   * parts, Subtract's operands), swapping with the wire there. */
  moveInput: (node: string, port: number, delta: number) => void;
  copy: () => void;
  paste: (offset?: XYPosition) => void;
  duplicate: () => void;
  undo: () => void;
  /** Undoes `step` if it is still the latest undo step; false (nothing done) once others came after. */
  undoStep: (step: Snapshot) => boolean;
  redo: () => void;
  autoLayout: (direction?: Direction) => void;
  load: (graph: GraphJson | unknown, saved?: { id: string | null; version: number | null }) => void;
  /** Marks the graph saved as `id` v`version`; `at` is the `edits` id of what was sent (edits made
   * while the save was under way keep the graph dirty). */
  setSaved: (id: string | null, version: number | null, at?: number) => void;
  setAnalysis: (analysis: ValidateResult | null, error?: string | null, key?: string | null) => void;
  setValidating: (v: boolean) => void;
  requestFit: () => void;
  graph: () => GraphJson;
}

const HISTORY_LIMIT = 100;

export const emptyState = () => ({
  name: "untitled",
  nodes: [] as LayerNode[],
  edges: [] as WireEdge[],
  outputs: null as string[] | null,
  graphId: null as string | null,
  version: null as number | null,
  direction: "LR" as Direction,
  past: [] as Snapshot[],
  future: [] as Snapshot[],
  clipboard: null as Clipboard | null,
  analysis: null as ValidateResult | null,
  topAnalysis: null as ValidateResult | null,
  blocks: {} as BlockDefs,
  nav: [] as NavFrame[],
  root: null as Level | null,
  analysisKey: null as string | null,
  validating: false,
  validationError: null as string | null,
  fitRequest: 0,
  replacedWire: null as GraphStore["replacedWire"],
  edits: 0,
  cleanAt: 0,
});

/** Unsaved work: changed since the last load or save, and something there to lose. */
export function isDirty(s: Pick<GraphStore, "edits" | "cleanAt" | "nodes" | "root">): boolean {
  return s.edits !== s.cleanAt && (s.nodes.length > 0 || !!s.root?.nodes.length);
}

// Edit ids only grow (across store resets too), so two different states never share one.
let lastEdit = 0;
const newEdit = () => ++lastEdit;
/** Makes later edit ids larger than `ids` (history brought back from storage carries its own). */
export function noteEdits(ids: number[]): void {
  lastEdit = Math.max(lastEdit, ...ids);
}

const snap = (s: GraphStore): Snapshot => ({
  at: s.edits, name: s.name, nodes: s.nodes, edges: s.edges, outputs: s.outputs, blocks: s.blocks, nav: s.nav, root: s.root,
});

export const useGraph = create<GraphStore>()((set, get) => {
  /** Records the current graph for undo, then applies `next`. */
  const commit = (next: Partial<GraphState>) => {
    const s = get();
    set({ past: [...s.past.slice(-HISTORY_LIMIT + 1), snap(s)], future: [], edits: newEdit(), ...next });
  };

  return {
    ...emptyState(),

    onNodesChange: (changes) => {
      const s = get();
      const removed = new Set(changes.filter((c) => c.type === "remove").map((c) => c.id));
      if (removed.size) {
        commit({
          nodes: applyNodeChanges(changes, s.nodes),
          edges: normalizePorts(s.edges.filter((e) => !removed.has(e.source) && !removed.has(e.target))),
        });
      } else {
        set({ nodes: applyNodeChanges(changes, s.nodes) });
      }
    },

    onEdgesChange: (changes) => {
      const s = get();
      if (changes.some((c) => c.type === "remove")) {
        commit({ edges: normalizePorts(applyEdgeChanges(changes, s.edges)) });
      } else {
        set({ edges: applyEdgeChanges(changes, s.edges) });
      }
    },

    onConnect: (c) => {
      if (!c.source || !c.target || c.source === c.target) return;
      const s = get();
      const sp = portOf(c.sourceHandle);
      const tp = portOf(c.targetHandle);
      // One wire per input port: a new wire into a taken port replaces the old one.
      const taken = (e: WireEdge) => e.target === c.target && portOf(e.targetHandle) === tp;
      const kept = s.edges.filter((e) => !taken(e));
      if (kept.some((e) => e.source === c.source && e.target === c.target && portOf(e.sourceHandle) === sp)) {
        return; // already wired to another port of the same merge; keep one wire per pair
      }
      const old = s.edges.find(taken);
      if (old && old.source === c.source && portOf(old.sourceHandle) === sp) return; // the same wire again
      const edges = addEdge(makeEdge(c.source, sp, c.target, tp), kept);
      commit({ edges: normalizePorts(edges) });
      // Replacing is silent in React Flow: canvas/wireNotice.ts says so, with an Undo of this step.
      if (old) set({ replacedWire: { source: old.source, target: c.target, step: get().past[get().past.length - 1] } });
    },

    snapshot: () => {
      const s = get();
      set({ past: [...s.past.slice(-HISTORY_LIMIT + 1), snap(s)], future: [], edits: newEdit() });
    },

    addLayer: (type, params, position) => {
      const s = get();
      const id = nextId(type, s.nodes.map((n) => n.id));
      const node: LayerNode = {
        id,
        type: "layer",
        position,
        selected: true,
        data: { type, name: null, params: structuredClone(params) },
      };
      commit({ nodes: [...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), node] });
      return id;
    },

    addLayerWired: (type, params, position, wire) => {
      const id = get().addLayer(type, params, position);
      const s = get();
      // From an output: into the new layer's first input. From an input: the new layer feeds it, replacing its wire.
      const taken = (e: WireEdge) => e.target === wire.node && portOf(e.targetHandle) === wire.port;
      const old = wire.side === "target" ? s.edges.find(taken) : undefined;
      const edges = wire.side === "source"
        ? [...s.edges, makeEdge(wire.node, wire.port, id, 0)]
        : [...s.edges.filter((e) => !taken(e)), makeEdge(id, 0, wire.node, wire.port)];
      // One undo step (addLayer's) takes back the layer and its wires, the replaced one included.
      set({ edges: normalizePorts(edges), ...(old ? { replacedWire: { source: old.source, target: wire.node, step: s.past[s.past.length - 1] } } : {}) });
      return id;
    },

    updateParams: (id, params) => {
      const s = get();
      commit({
        nodes: s.nodes.map((n) => (n.id === id ? { ...n, data: { ...n.data, params: { ...params } } } : n)),
      });
    },

    rename: (id, name) => {
      const s = get();
      const clean = name && name.trim() ? name.trim() : null;
      commit({ nodes: s.nodes.map((n) => (n.id === id ? { ...n, data: { ...n.data, name: clean } } : n)) });
    },

    setName: (name) => set({ name, edits: newEdit() }),

    select: (ids) => {
      const want = new Set(ids);
      set({
        nodes: get().nodes.map((n) => (!!n.selected === want.has(n.id) ? n : { ...n, selected: want.has(n.id) })),
        edges: get().edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
      });
    },

    selectAll: () => set({ nodes: get().nodes.map((n) => ({ ...n, selected: true })) }),

    deleteSelected: () => {
      const s = get();
      const gone = new Set(s.nodes.filter((n) => n.selected).map((n) => n.id));
      const edges = s.edges.filter((e) => !e.selected && !gone.has(e.source) && !gone.has(e.target));
      if (!gone.size && edges.length === s.edges.length) return;
      commit({
        nodes: s.nodes.filter((n) => !gone.has(n.id)),
        edges: normalizePorts(edges),
        outputs: s.outputs?.filter((o) => !gone.has(o)) ?? null,
      });
    },

    disconnectSelected: () => {
      const s = get();
      const picked = new Set(s.nodes.filter((n) => n.selected).map((n) => n.id));
      const edges = s.edges.filter((e) => !picked.has(e.source) && !picked.has(e.target));
      if (edges.length !== s.edges.length) commit({ edges: normalizePorts(edges) });
    },

    moveInput: (node, port, delta) => {
      const s = get();
      const into = s.edges.filter((e) => e.target === node);
      const to = port + delta;
      const a = into.find((e) => portOf(e.targetHandle) === port);
      const b = into.find((e) => portOf(e.targetHandle) === to);
      if (!a || !b) return;
      const moved = (e: WireEdge, p: number) => makeEdge(e.source, portOf(e.sourceHandle), e.target, p);
      commit({ edges: s.edges.map((e) => (e === a ? moved(a, to) : e === b ? moved(b, port) : e)) });
    },

    copy: () => {
      const s = get();
      const picked = s.nodes.filter((n) => n.selected);
      if (!picked.length) return;
      const ids = new Set(picked.map((n) => n.id));
      set({
        clipboard: {
          nodes: structuredClone(picked.map(({ id, position, data }) => ({ id, type: "layer" as const, position, data }))),
          edges: s.edges.filter((e) => ids.has(e.source) && ids.has(e.target)),
        },
      });
    },

    paste: (offset = { x: 40, y: 40 }) => {
      const s = get();
      const clip = s.clipboard;
      if (!clip) return;
      const taken = new Set(s.nodes.map((n) => n.id));
      const rename = new Map<string, string>();
      const fresh: LayerNode[] = clip.nodes.map((n) => {
        const id = nextId(n.data.block ?? n.data.type, taken); // a Block copy is named after its definition
        taken.add(id);
        rename.set(n.id, id);
        return {
          id,
          type: "layer",
          selected: true,
          position: { x: n.position.x + offset.x, y: n.position.y + offset.y },
          data: structuredClone(n.data),
        };
      });
      const wires = clip.edges.map((e) =>
        makeEdge(rename.get(e.source)!, portOf(e.sourceHandle), rename.get(e.target)!, portOf(e.targetHandle)),
      );
      commit({
        nodes: [...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...fresh],
        edges: [...s.edges.map((e) => (e.selected ? { ...e, selected: false } : e)), ...wires],
      });
      // The pasted copy becomes the clipboard, so pasting again cascades instead of stacking.
      set({ clipboard: { nodes: fresh.map((n) => ({ ...n, selected: false })), edges: wires } });
    },

    duplicate: () => {
      const keep = get().clipboard;
      get().copy();
      get().paste();
      set({ clipboard: keep });
    },

    undo: () => {
      const s = get();
      const prev = s.past[s.past.length - 1];
      if (!prev) return;
      const { at, ...state } = prev;
      set({ ...state, edits: at, past: s.past.slice(0, -1), future: [snap(s), ...s.future], analysis: levelView(s.topAnalysis, prev) });
    },

    undoStep: (step) => {
      if (get().past[get().past.length - 1] !== step) return false;
      get().undo();
      return true;
    },

    redo: () => {
      const s = get();
      const next = s.future[0];
      if (!next) return;
      const { at, ...state } = next;
      set({ ...state, edits: at, past: [...s.past, snap(s)], future: s.future.slice(1), analysis: levelView(s.topAnalysis, next) });
    },

    autoLayout: (direction) => {
      const s = get();
      const dir = direction ?? s.direction;
      commit({ nodes: layout(s.nodes, s.edges, dir) });
      set({ direction: dir, fitRequest: s.fitRequest + 1 });
    },

    load: (graph, saved) => {
      const parsed = fromGraphJson(graph);
      const s = get();
      // A graph without positions gets the direction in which it reads largest.
      const laid = parsed.needsLayout ? bestLayout(parsed.nodes, parsed.edges) : { nodes: parsed.nodes, direction: s.direction };
      commit({
        name: parsed.name, nodes: laid.nodes, edges: normalizePorts(parsed.edges), outputs: parsed.outputs,
        blocks: parsed.blocks ?? {}, nav: [], root: null,
      });
      // The analysis stays when the graph loaded is the one it answers (opening the same run's graph
      // again): the validation subscriber only runs when the key changes, so it would never come back.
      const same = s.analysisKey !== null && validationKey(get()) === s.analysisKey;
      set({
        direction: laid.direction,
        graphId: saved?.id ?? null,
        version: saved?.version ?? null,
        cleanAt: get().edits,
        ...(same ? { analysis: s.topAnalysis } : { analysis: null, topAnalysis: null }),
        fitRequest: s.fitRequest + 1,
      });
    },

    setSaved: (graphId, version, at) => {
      const s = get();
      // Saved nowhere (its server copy deleted): the work on screen is unsaved again.
      set({ graphId, version, cleanAt: graphId === null ? -1 : at ?? s.edits });
    },
    setAnalysis: (analysis, error = null, key) => {
      // The answer is the whole graph's; what the canvas shows is the open level's view of it.
      const s = get();
      // The error path hands back the analysis on screen: keep the whole graph's answer then.
      const top = analysis !== null && analysis === s.analysis ? s.topAnalysis : analysis;
      const view = { topAnalysis: top, analysis: levelView(top, s) };
      set(key === undefined ? { ...view, validationError: error } : { ...view, validationError: error, analysisKey: key });
    },
    setValidating: (validating) => set({ validating }),
    requestFit: () => set({ fitRequest: get().fitRequest + 1 }),
    graph: () => toGraphJson(get()),
  };
});

/** Number of input handles a node shows: one per wire, plus a spare for merge layers. */
export function inputPorts(maxInputs: number | null, minInputs: number, connected: number): number {
  if (maxInputs === 0) return 0;
  if (maxInputs === 1) return 1;
  const want = Math.max(minInputs, connected + 1);
  return maxInputs === null ? want : Math.min(maxInputs, want);
}

export { inHandle };
