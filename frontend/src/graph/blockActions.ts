// Block actions on the graph store: each takes a snapshot for undo (navigation does not), applies
// a pure function of graph/blocks.ts, and refreshes the open level's view of the analysis.
import { create } from "zustand";
import { navPrefix } from "./blockFormat";
import { groupAsBlock, leaveBlock, levelView, openBlock, placeBlock, ungroup, unlink, type NavState } from "./blocks";
import { useGraph, type GraphStore } from "./store";

const navState = (s: GraphStore): NavState => ({
  nodes: s.nodes, edges: s.edges, outputs: s.outputs, blocks: s.blocks, nav: s.nav, root: s.root,
});

/** Applies `next` (an undoable edit when `undoable`), with the analysis seen from its level. */
function apply(next: Partial<NavState>, undoable: boolean, fit = false) {
  const s = useGraph.getState();
  if (undoable) s.snapshot();
  const merged = { ...navState(s), ...next };
  useGraph.setState({
    ...next,
    analysis: levelView(s.topAnalysis, merged),
    ...(fit ? { fitRequest: s.fitRequest + 1 } : {}),
  });
}

/** Groups the selected nodes as a new block `name`; returns the new block node's id. */
export function groupSelection(name: string): string {
  const s = useGraph.getState();
  const res = groupAsBlock(s, s.blocks, s.nodes.filter((n) => n.selected).map((n) => n.id), name);
  apply({ ...res.level, blocks: res.blocks }, true);
  return res.instance;
}

export function ungroupNode(id: string): void {
  apply(ungroup(useGraph.getState(), useGraph.getState().blocks, id), true);
}

/** Gives the node its own copy of the definition; returns the new definition's name. */
export function unlinkNode(id: string): string {
  const res = unlink(useGraph.getState(), useGraph.getState().blocks, id);
  apply({ ...res.level, blocks: res.blocks }, true);
  return res.name;
}

/** Places a linked copy of block `name`; without a position, right of the right-most node. */
export function placeBlockCopy(name: string, position?: { x: number; y: number }): string {
  const s = useGraph.getState();
  const right = s.nodes.reduce<{ x: number; y: number } | null>((a, n) => (!a || n.position.x > a.x ? n.position : a), null);
  const at = position ?? (right ? { x: right.x + 272, y: right.y } : { x: 0, y: 0 });
  const res = placeBlock(navState(s), name, at);
  apply(res.level, true);
  return res.instance;
}

export function openBlockNode(id: string): void {
  apply(openBlock(navState(useGraph.getState()), id), false, true);
}

/** Back out to `depth` open blocks (0: the top graph). */
export function leaveTo(depth: number): void {
  const s = useGraph.getState();
  if (depth >= s.nav.length) return;
  apply(leaveBlock(navState(s), depth), false, true);
}

/** Whether the "Group as block" naming dialog is open (the shortcut and the inspector open it). */
export const useBlockDialog = create<{ naming: boolean; setNaming: (v: boolean) => void }>()((set) => ({
  naming: false,
  setNaming: (naming) => set({ naming }),
}));

/** Shows a node named by its path from the top ("mixed0/branch1x1"): opens the blocks on the way
 * and selects it (a problem in the list points into the block this way). */
export function revealNode(path: string): void {
  const here = navPrefix(useGraph.getState().nav);
  const inside = here !== "" && path.startsWith(here);
  if (here && !inside) leaveTo(0); // a path outside the open block: start from the top
  const steps = (inside ? path.slice(here.length) : path).split("/");
  for (const step of steps.slice(0, -1)) {
    if (!useGraph.getState().nodes.some((n) => n.id === step)) return;
    openBlockNode(step);
  }
  useGraph.getState().select([steps[steps.length - 1]]);
}
