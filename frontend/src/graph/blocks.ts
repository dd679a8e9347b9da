// Blocks on the canvas, as pure functions of one level (the top graph or an open block's
// definition): group a selection as a block, ungroup (inline) it, unlink a copy, place a copy,
// and open / leave a block. The store (blockActions.ts) applies what these return.
import type { BlockDefJson, GraphEdgeJson, Shape, ValidateResult } from "../api/types";
import { BLOCK_TYPE, blockPorts, blocksWithin, levelPorts, viewAnalysis, type BlockDefs, type NavFrame } from "./blockFormat";
import {
  fromGraphJson, GRAPH_FORMAT, levelToDef, makeEdge, nextId, normalizePorts, portOf,
  type LayerNode, type Level, type WireEdge,
} from "./convert";
import { bestLayout, NODE_W } from "./layout";

/** A refused block action; the message says why and what to do instead. */
export class BlockError extends Error {}

/** What the navigation functions read and write: the level on screen, the definitions, the path. */
export interface NavState extends Level {
  blocks: BlockDefs;
  nav: NavFrame[];
  root: Level | null;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** "block1", "block2", … : the first name no definition has. */
export function defaultBlockName(blocks: BlockDefs): string {
  for (let i = 1; ; i++) if (!(`block${i}` in blocks)) return `block${i}`;
}

export function checkBlockName(name: string, blocks: BlockDefs): string {
  const clean = name.trim();
  if (!NAME.test(clean)) {
    throw new BlockError(`“${clean}” cannot name a block: use letters, digits and _ . - (starting with a letter or _), no “/”.`);
  }
  if (clean in blocks) throw new BlockError(`A block named “${clean}” exists already: pick another name, or place a copy of it.`);
  return clean;
}

/** The instance id for a new block node: the block's name while it is free, then name_1, name_2, … */
function instanceId(name: string, taken: Set<string>): string {
  return taken.has(name) ? nextId(name, taken) : name;
}

function centre(nodes: LayerNode[]): { x: number; y: number } {
  const xs = nodes.map((n) => n.position.x);
  const ys = nodes.map((n) => n.position.y);
  return { x: (Math.min(...xs) + Math.max(...xs)) / 2, y: (Math.min(...ys) + Math.max(...ys)) / 2 };
}

const snapTo = (v: number) => Math.round(v / 16) * 16 || 0; // no -0 in positions

export interface GroupResult {
  level: Level;
  blocks: BlockDefs;
  instance: string;
}

/**
 * Replaces the nodes `ids` by one Block node using a new definition `name`. Each distinct source
 * port wired into the selection becomes one of the block's Input nodes (the port order follows
 * the node order of what it feeds); each selected node read from outside, or a model output,
 * becomes an output. The Inputs carry no shape: a block takes the shape of what is wired in.
 */
export function groupAsBlock(level: Level, blocks: BlockDefs, ids: Iterable<string>, name: string): GroupResult {
  const blockName = checkBlockName(name, blocks);
  const want = new Set(ids);
  const picked = level.nodes.filter((n) => want.has(n.id));
  if (!picked.length) throw new BlockError("Select the layers to group first (Shift+drag draws a selection box).");
  const sel = new Set(picked.map((n) => n.id));
  const input = picked.find((n) => n.data.type === "Input");
  if (input) {
    throw new BlockError(`“${input.id}” is an Input layer: a block's inputs are the wires into it. Leave ${input.id} out of the selection.`);
  }
  const order = new Map(level.nodes.map((n, i) => [n.id, i]));
  const byOrder = (a: WireEdge, b: WireEdge) =>
    order.get(a.target)! - order.get(b.target)! || portOf(a.targetHandle) - portOf(b.targetHandle);

  const incoming = level.edges.filter((e) => sel.has(e.target) && !sel.has(e.source)).sort(byOrder);
  const outgoing = level.edges.filter((e) => sel.has(e.source) && !sel.has(e.target));
  const late = outgoing.find((e) => portOf(e.sourceHandle) > 0);
  if (late) {
    throw new BlockError(
      `A wire leaves the selection from output ${portOf(late.sourceHandle) + 1} of “${late.source}”; a block's outputs are ` +
      `whole layers' first outputs. Add “${late.target}” to the selection, or leave “${late.source}” out.`,
    );
  }

  // Inputs: one per distinct (source, port) wired in.
  const taken = new Set(sel);
  const inputOf = new Map<string, string>();
  const inputNodes: LayerNode[] = [];
  const left = Math.min(...picked.map((n) => n.position.x)) - NODE_W - 96;
  for (const e of incoming) {
    const key = `${e.source}:${portOf(e.sourceHandle)}`;
    if (inputOf.has(key)) continue;
    const id = nextId("Input", taken);
    taken.add(id);
    inputOf.set(key, id);
    const target = level.nodes[order.get(e.target)!];
    inputNodes.push({
      id, type: "layer", position: { x: snapTo(left), y: snapTo(target.position.y + inputNodes.length * 8) },
      data: { type: "Input", name: null, params: {} },
    });
  }

  // Outputs: read from outside, or model outputs of this level.
  const readOutside = new Set(outgoing.map((e) => e.source));
  const readAtAll = new Set(level.edges.map((e) => e.source));
  const outputs = picked
    .filter((n) => readOutside.has(n.id) || (level.outputs ? level.outputs.includes(n.id) : !readAtAll.has(n.id)))
    .map((n) => n.id);
  if (!outputs.length) {
    throw new BlockError("Nothing outside reads from the selection and none of it is a model output, so the block would have no output.");
  }

  const inner: WireEdge[] = [
    ...level.edges.filter((e) => sel.has(e.source) && sel.has(e.target)),
    ...incoming.map((e) =>
      makeEdge(inputOf.get(`${e.source}:${portOf(e.sourceHandle)}`)!, 0, e.target, portOf(e.targetHandle)),
    ),
  ];
  const def: BlockDefJson = levelToDef({
    nodes: [...inputNodes, ...picked.map(({ id, position, data }) => ({ id, type: "layer" as const, position, data }))],
    edges: inner,
    outputs,
  });

  const levelIds = new Set(level.nodes.filter((n) => !sel.has(n.id)).map((n) => n.id));
  const instance = instanceId(blockName, levelIds);
  const c = centre(picked);
  const blockNode: LayerNode = {
    id: instance, type: "layer", selected: true,
    position: { x: snapTo(c.x), y: snapTo(c.y) },
    data: { type: BLOCK_TYPE, name: null, params: {}, block: blockName },
  };
  const inPorts = [...inputOf.keys()];
  const edges: WireEdge[] = [
    ...level.edges.filter((e) => !sel.has(e.source) && !sel.has(e.target)),
    ...inPorts.map((key, k) => {
      const [source, port] = splitKey(key);
      return makeEdge(source, port, instance, k);
    }),
    ...outgoing.map((e) => makeEdge(instance, outputs.indexOf(e.source), e.target, portOf(e.targetHandle))),
  ];
  let levelOutputs = level.outputs;
  if (levelOutputs) {
    levelOutputs = levelOutputs.map((o) => (sel.has(o) ? instance : o)).filter((o, i, all) => all.indexOf(o) === i);
  }
  return {
    level: {
      nodes: [...level.nodes.filter((n) => !sel.has(n.id)).map((n) => (n.selected ? { ...n, selected: false } : n)), blockNode],
      edges: normalizePorts(edges),
      outputs: levelOutputs,
    },
    blocks: { ...blocks, [blockName]: def },
    instance,
  };
}

function splitKey(key: string): [string, number] {
  const at = key.lastIndexOf(":");
  return [key.slice(0, at), Number(key.slice(at + 1))];
}

function findBlockNode(level: Level, blocks: BlockDefs, id: string): { node: LayerNode; def: BlockDefJson; name: string } {
  const node = level.nodes.find((n) => n.id === id);
  if (!node || node.data.type !== BLOCK_TYPE) throw new BlockError(`“${id}” is not a block.`);
  const name = node.data.block ?? "";
  const def = blocks[name];
  if (!def) throw new BlockError(`Block node “${id}” uses “${name}”, which this graph does not define: delete the node or import its definition.`);
  return { node, def, name };
}

/** A definition's nodes and edges as a level on the canvas (laid out when it came without positions). */
export function defToLevel(def: BlockDefJson): Level {
  const parsed = fromGraphJson({ format: GRAPH_FORMAT, name: "", nodes: def.nodes, edges: def.edges, outputs: def.outputs ?? null });
  const nodes = parsed.needsLayout ? bestLayout(parsed.nodes, parsed.edges).nodes : parsed.nodes;
  return { nodes, edges: normalizePorts(parsed.edges), outputs: parsed.outputs };
}

/**
 * Inlines block node `id` into the level: its nodes take the node's place (keeping their ids where
 * free), wires into its ports go to what its Inputs fed, wires out of it leave from its outputs.
 * An Input port with no wire stays an Input node. A frozen block's nodes come out frozen.
 */
export function ungroup(level: Level, blocks: BlockDefs, id: string): Level {
  const { node, def } = findBlockNode(level, blocks, id);
  const ports = blockPorts(def);
  const inner = defToLevel(def);
  const feed = new Map<string, [string, number]>(); // inner Input id → outer (source, port)
  for (const e of level.edges) {
    if (e.target !== id) continue;
    const input = ports.inputs[portOf(e.targetHandle)];
    if (input) feed.set(input, [e.source, portOf(e.sourceHandle)]);
  }
  const taken = new Set(level.nodes.filter((n) => n.id !== id).map((n) => n.id));
  const rename = new Map<string, string>();
  const c = centre(inner.nodes.length ? inner.nodes : [node]);
  const dx = node.position.x - c.x;
  const dy = node.position.y - c.y;
  const frozen = node.data.trainable === false;
  const placed: LayerNode[] = [];
  for (const n of inner.nodes) {
    if (feed.has(n.id)) continue; // a wired Input: its wire takes its place
    const fresh = taken.has(n.id) ? nextId(n.data.block ?? n.data.type, taken) : n.id;
    taken.add(fresh);
    rename.set(n.id, fresh);
    placed.push({
      ...n, id: fresh, selected: true,
      position: { x: snapTo(n.position.x + dx), y: snapTo(n.position.y + dy) },
      data: frozen ? { ...n.data, trainable: false } : n.data,
    });
  }
  const from = (source: string, port: number): [string, number] => feed.get(source) ?? [rename.get(source)!, port];
  const edges: WireEdge[] = level.edges.filter((e) => e.source !== id && e.target !== id);
  for (const e of inner.edges) {
    const [s, sp] = from(e.source, portOf(e.sourceHandle));
    edges.push(makeEdge(s, sp, rename.get(e.target)!, portOf(e.targetHandle)));
  }
  for (const e of level.edges) {
    if (e.source !== id) continue;
    const out = ports.outputs[portOf(e.sourceHandle)];
    if (!out) continue;
    const [s, sp] = from(out, 0);
    edges.push(makeEdge(s, sp, e.target, portOf(e.targetHandle)));
  }
  let outputs = level.outputs;
  if (outputs) {
    const mine = ports.outputs.map((o) => from(o, 0)[0]);
    outputs = outputs.flatMap((o) => (o === id ? mine : [o])).filter((o, i, all) => all.indexOf(o) === i);
  }
  const others = level.nodes.filter((n) => n.id !== id).map((n) => (n.selected ? { ...n, selected: false } : n));
  return { nodes: [...others, ...placed], edges: normalizePorts(edges), outputs };
}

/** Gives block node `id` its own copy of its definition ("name_2", …), so editing it leaves the others. */
export function unlink(level: Level, blocks: BlockDefs, id: string): { level: Level; blocks: BlockDefs; name: string } {
  const { def, name } = findBlockNode(level, blocks, id);
  let fresh = name;
  for (let i = 2; fresh in blocks; i++) fresh = `${name}_${i}`;
  return {
    level: { ...level, nodes: level.nodes.map((n) => (n.id === id ? { ...n, data: { ...n.data, block: fresh } } : n)) },
    blocks: { ...blocks, [fresh]: structuredClone(def) },
    name: fresh,
  };
}

/** Adds a linked copy of block `name` at `position`; refused where it would hold itself. */
export function placeBlock(state: NavState, name: string, position: { x: number; y: number }): { level: Level; instance: string } {
  if (!state.blocks[name]) throw new BlockError(`This graph has no block named “${name}”.`);
  const within = blocksWithin(state.blocks, name);
  const open = state.nav.find((f) => within.has(f.block));
  if (open) throw new BlockError(`“${name}” cannot go inside “${open.block}”: a block cannot hold itself. Place it outside.`);
  const id = nextId(name, state.nodes.map((n) => n.id));
  const node: LayerNode = { id, type: "layer", position, selected: true, data: { type: BLOCK_TYPE, name: null, params: {}, block: name } };
  return {
    level: { ...state, nodes: [...state.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), node] },
    instance: id,
  };
}

const levelOf = (s: NavState): Level => ({ nodes: s.nodes, edges: s.edges, outputs: s.outputs });

/** Opens block node `id` of the level on screen: the level is kept (the top in `root`, a block's
 * in its definition) and the definition's nodes and edges come on screen. */
export function openBlock(state: NavState, id: string): NavState {
  const { name, def } = findBlockNode(levelOf(state), state.blocks, id);
  const here = state.nav[state.nav.length - 1];
  const blocks = here ? { ...state.blocks, [here.block]: levelToDef(levelOf(state)) } : state.blocks;
  return {
    ...defToLevel(def),
    blocks,
    nav: [...state.nav, { instance: id, block: name }],
    root: here ? state.root : levelOf(state),
  };
}

/** Goes back out to `depth` (0: the top graph), writing the open definition back; the block node
 * it came from is selected there. */
export function leaveBlock(state: NavState, depth: number): NavState {
  if (depth >= state.nav.length || depth < 0 || !state.root) return state;
  const open = state.nav[state.nav.length - 1];
  const blocks = { ...state.blocks, [open.block]: levelToDef(levelOf(state)) };
  const nav = state.nav.slice(0, depth);
  const target = depth === 0 ? state.root : defToLevel(blocks[nav[depth - 1].block]);
  const came = state.nav[depth].instance;
  return {
    ...target,
    nodes: target.nodes.map((n) => (!!n.selected === (n.id === came) ? n : { ...n, selected: n.id === came })),
    blocks,
    nav,
    root: depth === 0 ? null : state.root,
  };
}

/** The shape wired into each Input port of the open block, traced out through the enclosing
 * levels (a port may be fed by an Input of the block around it). */
export function inputShapes(top: ValidateResult | null, state: NavState): (Shape | null)[] {
  const { nav } = state;
  if (!top || !nav.length || !state.root) return [];
  const toJson = (edges: WireEdge[]): GraphEdgeJson[] =>
    edges.map((e) => ({ source: e.source, target: e.target, source_port: portOf(e.sourceHandle), target_port: portOf(e.targetHandle) }));
  // Level d: 0 the top graph, d the inside of nav[d-1]; the open one is read from the screen.
  const edgesAt = (d: number): GraphEdgeJson[] => (d === 0 ? toJson(state.root!.edges) : state.blocks[nav[d - 1].block]?.edges ?? []);
  const inputsAt = (d: number): string[] =>
    d === nav.length ? levelPorts(state).inputs : blockPorts(state.blocks[nav[d - 1].block]).inputs;
  const prefix = (d: number) => nav.slice(0, d).map((f) => f.instance).map((i) => i + "/").join("");
  const fed = (d: number, k: number, depth = 0): Shape | null => {
    if (d === 0 || depth > nav.length) return null;
    const e = edgesAt(d - 1).find((w) => w.target === nav[d - 1].instance && (w.target_port ?? 0) === k);
    return e ? shapeAt(d - 1, e.source, e.source_port ?? 0, depth + 1) : null;
  };
  const shapeAt = (d: number, node: string, port: number, depth: number): Shape | null => {
    const r = top.nodes[prefix(d) + node];
    if (r) return r.output_shapes?.[port] ?? null;
    const k = d > 0 ? inputsAt(d).indexOf(node) : -1;
    return k >= 0 ? fed(d, k, depth) : null;
  };
  return inputsAt(nav.length).map((_, k) => fed(nav.length, k));
}

/** The whole graph's analysis as seen from the level on screen. */
export function levelView(top: ValidateResult | null, state: NavState): ValidateResult | null {
  return state.nav.length ? viewAnalysis(top, state.nav, levelPorts(state), inputShapes(top, state)) : top;
}
