// Side effects of editing: debounced validation against the server, autosave to localStorage.
import { api } from "../api/client";
import { useTrainSettings } from "../train/settings/store";
import { toGraphJson, validationKey, validationKeyCached } from "./convert";
import { useGraph } from "./store";

export const VALIDATE_DEBOUNCE_MS = 250;
const AUTOSAVE_KEY = "netcanvas.autosave";

/** What of the Train panel sizes the memory budgets: its batch size (when a valid whole number) and optimizer. */
export function trainSizing(): { batch_size: number | null; optimizer: string } {
  const t = useTrainSettings.getState();
  const b = Number(t.batchSize.trim());
  return { batch_size: Number.isInteger(b) && b >= 1 && b <= 65536 ? b : null, optimizer: t.optimizer };
}

const sizingKey = () => JSON.stringify(trainSizing());

/** Validates the graph (debounced) whenever it changes, or the Train panel's batch size or optimizer do. */
export function startValidation(): () => void {
  let lastKey = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inflight: AbortController | undefined;
  let seq = 0;

  const run = async () => {
    const s = useGraph.getState();
    const graph = toGraphJson(s);
    const key = validationKey(s);
    const sizing = trainSizing();
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
      const result = await api.validate(graph, ctrl.signal, sizing);
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
    const key = validationKeyCached(useGraph.getState()) + sizingKey();
    if (key === lastKey) return;
    lastKey = key;
    clearTimeout(timer);
    timer = setTimeout(run, VALIDATE_DEBOUNCE_MS);
  };
  check();
  const unsub = useGraph.subscribe(check);
  const unsubTrain = useTrainSettings.subscribe(check);
  return () => {
    unsub();
    unsubTrain();
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
