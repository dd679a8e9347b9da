// Asks before a graph with unsaved changes is replaced (New, Open, Templates, a run's "open on
// canvas"): save it first, discard the changes, or cancel. One dialog for the whole app.
import { useState } from "react";
import { create } from "zustand";
import { fromGraphJson, toGraphJson } from "../graph/convert";
import { isDirty, useGraph } from "../graph/store";
import { Modal } from "../ui/Modal";
import { saveGraph } from "./saveGraph";

interface Pending { what: string; run: () => void }

const usePending = create<{ pending: Pending | null }>()(() => ({ pending: null }));

/** Runs `run` (which replaces the graph on the canvas) now, or once the person has agreed to.
 * `what` names the action in the question: "Opening a template". `incoming`: the graph `run` puts
 * on the canvas, when known — one identical to the canvas's (the graph of the run just launched
 * from it, say) loses nothing, so nothing is asked. */
export function replaceGraph(what: string, run: () => void, incoming?: unknown): void {
  const state = useGraph.getState();
  if (!isDirty(state) || (incoming !== undefined && sameGraph(incoming))) run();
  else usePending.setState({ pending: { what, run } });
}

/** Whether `incoming` is the canvas's graph, compared in one canonical form (toGraphJson of each). */
function sameGraph(incoming: unknown): boolean {
  try {
    return JSON.stringify(toGraphJson(fromGraphJson(incoming))) === JSON.stringify(toGraphJson(useGraph.getState()));
  } catch {
    return false; // not a graph: let the dialog ask
  }
}

export function UnsavedDialog() {
  const pending = usePending((s) => s.pending);
  return pending ? <UnsavedDialogBody pending={pending} /> : null;
}

function UnsavedDialogBody({ pending }: { pending: Pending }) {
  const name = useGraph((s) => s.name);
  const [saving, setSaving] = useState(false);
  const close = () => usePending.setState({ pending: null });
  const proceed = () => {
    close();
    pending.run();
  };
  const saveFirst = async () => {
    setSaving(true);
    const ok = await saveGraph();
    setSaving(false);
    if (ok) proceed(); // a failed save keeps the dialog (and the work): its toast says why
  };
  return (
    <Modal title="Unsaved changes" onClose={close} testid="unsaved-dialog">
      <p className="insp-doc">
        “{name}” has changes that are not saved on the server. {pending.what} replaces it on the canvas.
      </p>
      <div className="modal-actions">
        <button className="btn primary" onClick={() => void saveFirst()} disabled={saving} data-testid="unsaved-save">
          {saving ? "Saving…" : "Save first"}
        </button>
        <button className="btn danger" onClick={proceed} disabled={saving} data-testid="unsaved-discard">Discard changes</button>
        <button className="btn ghost" onClick={close} data-testid="unsaved-cancel">Cancel</button>
      </div>
    </Modal>
  );
}
