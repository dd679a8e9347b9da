// Side effects of editing: debounced validation against the server, autosave to localStorage.
import { api } from "../api/client";
import { toGraphJson, validationKey, validationKeyCached } from "./convert";
import { useGraph } from "./store";

export const VALIDATE_DEBOUNCE_MS = 250;
const AUTOSAVE_KEY = "netcanvas.autosave";

export function startValidation(): () => void {
  let lastKey = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inflight: AbortController | undefined;
  let seq = 0;

  const run = async () => {
    const s = useGraph.getState();
    const graph = toGraphJson(s);
    const key = validationKey(s);
    if (!graph.nodes.length) {
      s.setAnalysis(null, null, key);
      return;
    }
    inflight?.abort();
    const ctrl = new AbortController();
    inflight = ctrl;
    const mine = ++seq;
    s.setValidating(true);
    try {
      const result = await api.validate(graph, ctrl.signal);
      if (mine === seq) useGraph.getState().setAnalysis(result, null, key);
    } catch (err) {
      if ((err as Error).name !== "AbortError" && mine === seq) {
        useGraph.getState().setAnalysis(useGraph.getState().analysis, (err as Error).message);
      }
    } finally {
      if (mine === seq) useGraph.getState().setValidating(false);
    }
  };

  const check = () => {
    const key = validationKeyCached(useGraph.getState());
    if (key === lastKey) return;
    lastKey = key;
    clearTimeout(timer);
    timer = setTimeout(run, VALIDATE_DEBOUNCE_MS);
  };
  check();
  const unsub = useGraph.subscribe(check);
  return () => {
    unsub();
    clearTimeout(timer);
    inflight?.abort();
  };
}

export function restoreAutosave(): boolean {
  try {
    const raw = localStorage.getItem(AUTOSAVE_KEY);
    if (!raw) return false;
    const saved = JSON.parse(raw) as { graph: unknown; id: string | null; version: number | null };
    useGraph.getState().load(saved.graph, { id: saved.id, version: saved.version });
    useGraph.setState({ past: [], future: [] });
    return true;
  } catch {
    return false;
  }
}

export function startAutosave(): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last = "";
  const unsub = useGraph.subscribe((s) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const text = JSON.stringify({ graph: toGraphJson(s), id: s.graphId, version: s.version });
      if (text !== last) {
        last = text;
        try {
          localStorage.setItem(AUTOSAVE_KEY, text);
        } catch {
          /* storage full or disabled: autosave is a convenience */
        }
      }
    }, 500);
  });
  return () => {
    unsub();
    clearTimeout(timer);
  };
}
