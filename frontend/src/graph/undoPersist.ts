// Undo history and the unsaved-changes flag survive a reload: kept in sessionStorage (this tab
// only) next to the autosave, and put back when the graph the autosave restores is the one they
// were recorded against.
import { toGraphJson, type LayerNode, type WireEdge } from "./convert";
import { noteEdits, useGraph, type GraphStore } from "./store";

export const UNDO_KEY = "netcanvas.undo";
export const UNDO_KEEP = 50; // steps each way
const MAX_CHARS = 2_000_000; // well inside the ~5 MB a browser allows per origin
const DEBOUNCE_MS = 500; // as the autosave's, so both describe the same graph

type Snapshot = GraphStore["past"][number];

// edits/cleanAt: which state is on screen and which one was saved (the unsaved-changes flag).
interface Persisted { graph: string; past: Snapshot[]; future: Snapshot[]; edits: number; cleanAt: number }

// What a snapshot needs to come back: React Flow's measurements and selection are redone on screen.
const slimNode = ({ id, type, position, data }: LayerNode): LayerNode => ({ id, type, position, data });
const slimEdge = ({ id, type, source, target, sourceHandle, targetHandle }: WireEdge): WireEdge =>
  ({ id, type, source, target, sourceHandle, targetHandle });

export function slimSnapshot(s: Snapshot): Snapshot {
  return {
    ...s,
    nodes: s.nodes.map(slimNode),
    edges: s.edges.map(slimEdge),
    root: s.root ? { ...s.root, nodes: s.root.nodes.map(slimNode), edges: s.root.edges.map(slimEdge) } : null,
  };
}

const graphText = (s: GraphStore) => JSON.stringify(toGraphJson(s));

/** The text stored for the store's state: the newest steps, fewer when a big graph would not fit. */
export function persistText(s: GraphStore): string {
  let keep = UNDO_KEEP;
  for (;;) {
    const data: Persisted = {
      graph: graphText(s),
      past: s.past.slice(-keep).map(slimSnapshot),
      future: s.future.slice(0, keep).map(slimSnapshot),
      edits: s.edits,
      cleanAt: s.cleanAt,
    };
    const text = JSON.stringify(data);
    if (text.length <= MAX_CHARS || keep === 0) return text;
    keep = Math.floor(keep / 2);
  }
}

/** Puts stored history back when it belongs to the graph on screen; true when it did. */
export function restoreUndoHistory(storage: Storage = sessionStorage): boolean {
  try {
    const raw = storage.getItem(UNDO_KEY);
    if (!raw) return false;
    const saved = JSON.parse(raw) as Persisted;
    const s = useGraph.getState();
    if (saved.graph !== graphText(s)) return false; // another tab's autosave, or a reload before the write
    noteEdits([...saved.past, ...saved.future].map((p) => p.at).concat(saved.edits, saved.cleanAt));
    useGraph.setState({ past: saved.past, future: saved.future, edits: saved.edits, cleanAt: saved.cleanAt });
    return true;
  } catch {
    return false;
  }
}

/** Writes the history (debounced, and at once when the page goes away); returns the unsubscribe. */
export function startUndoPersist(storage: Storage = sessionStorage): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last = "";
  const write = () => {
    clearTimeout(timer);
    timer = undefined;
    const text = persistText(useGraph.getState());
    if (text === last) return;
    last = text;
    try {
      storage.setItem(UNDO_KEY, text);
    } catch {
      /* storage full or disabled: the history is a convenience */
    }
  };
  const unsub = useGraph.subscribe((s, prev) => {
    // The graph (its text is stored to match against the autosave), history and flag; validation
    // answers alone need no write.
    const same = s.past === prev.past && s.future === prev.future && s.edits === prev.edits && s.cleanAt === prev.cleanAt &&
      s.nodes === prev.nodes && s.edges === prev.edges && s.name === prev.name && s.blocks === prev.blocks;
    if (same) return;
    clearTimeout(timer);
    timer = setTimeout(write, DEBOUNCE_MS);
  });
  const flush = () => timer !== undefined && write();
  window.addEventListener("pagehide", flush);
  return () => {
    unsub();
    clearTimeout(timer);
    window.removeEventListener("pagehide", flush);
  };
}
