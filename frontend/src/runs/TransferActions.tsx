// "Reuse this model" on a run page: Cut here… (a feature extractor ending at a node) and Replace
// head… (a new Dense classifier for a data set). Each makes a new graph and an imported run, and
// goes to that run.
import { useEffect, useMemo, useState } from "react";
import { useCatalog } from "../api/catalog";
import type { RunPublic } from "../api/types";
import { Modal } from "../ui/Modal";
import { navigate } from "../ui/route";
import { toast } from "../ui/toast";
import { defaultHeadNode, layerChoices, transferApi, type DerivedPublic } from "./transfer";

type Action = "cut" | "head" | null;

export default function TransferActions({ run }: { run: RunPublic }) {
  const [open, setOpen] = useState<Action>(null);
  return (
    <section className="card" data-testid="transfer-actions">
      <h3>Reuse this model</h3>
      <div className="dim small">Keep its trained weights in a new model: a feature extractor, or a new classifier head.</div>
      <div className="transfer-buttons">
        <button className="btn small" onClick={() => setOpen("cut")} data-testid="cut-here">Cut here…</button>
        <button className="btn small" onClick={() => setOpen("head")} data-testid="replace-head">Replace head…</button>
      </div>
      {open && <TransferDialog run={run} action={open} onClose={() => setOpen(null)} />}
    </section>
  );
}

/** The Cut here / Replace head dialog, on the run page and on the canvas (canvas/ReuseControls):
 *  `node` preselects the layer (a canvas selection: the head is replaced from it); `onMade` replaces
 *  the default of going to the new run's page. */
export function TransferDialog({ run, action, onClose, node: preselected, onMade }: {
  run: RunPublic; action: "cut" | "head"; onClose: () => void; node?: string; onMade?: (made: DerivedPublic) => void;
}) {
  const choices = useMemo(() => layerChoices(run.graph), [run.graph]);
  const datasets = useCatalog((c) => c.datasets);
  useEffect(() => {
    if (!datasets) void useCatalog.getState().loadDatasets();
  }, [datasets]);
  const [node, setNode] = useState(() => preselected ?? (action === "head" ? defaultHeadNode(run.graph) : choices[Math.max(0, choices.length - 2)]?.id) ?? "");
  // A base without a classifier (a "notop" model): keep its last layer and put the head after it.
  // A node chosen on the canvas is the one to replace from ("Replace head from here").
  const [keep, setKeep] = useState(() => action === "head" && !preselected && !run.graph.nodes.some((n) => n.type === "Dense"));
  const [dataset, setDataset] = useState(run.dataset);
  const [pool, setPool] = useState(true);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const known = datasets?.some((d) => d.id === dataset) ?? false;
  const go = async () => {
    setBusy(true);
    try {
      const made: DerivedPublic = action === "cut"
        ? await transferApi.cut(run.id, node)
        : await transferApi.replaceHead(run.id, { ...(keep ? { after_node: node } : { from_node: node }), dataset, add_pooling: pool });
      onClose();
      if (onMade) onMade(made);
      else {
        toast(made.notes.slice(1).join(" ") || "Made a new model.", "good");
        navigate({ page: "run", id: made.run.id });
      }
    } catch (e) {
      setErr((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const title = action === "cut" ? "Cut here: a model ending at a node" : "Replace head: a new classifier";
  return (
    <Modal title={title} onClose={onClose} testid="transfer-dialog">
      <p className="dim small">
        {action === "cut"
          ? "The new model keeps the chosen node and every layer it needs, with their trained weights; its output is that node's output (features for another model)."
          : keep
            ? "A new Dense layer for the data set's classes goes after the chosen layer (anything after it is removed). Every other layer keeps its trained weights."
            : "The chosen layer and everything after it are removed; a new Dense layer for the data set's classes takes their place. Every other layer keeps its trained weights."}
      </p>
      <label className="field">
        <span className="field-label">{action === "cut" ? "End at node" : keep ? "Put the head after node" : "Replace from node"}</span>
        <select value={node} onChange={(e) => setNode(e.target.value)} data-testid="transfer-node">
          {choices.map((c) => <option key={c.id} value={c.id}>{c.label}</option>)}
        </select>
      </label>
      {action === "head" && (
        <>
          <label className="field">
            <span className="field-label">Data set for the new head</span>
            <select value={known ? dataset : ""} onChange={(e) => setDataset(e.target.value)} data-testid="transfer-dataset">
              {!known && <option value="" disabled>choose a data set</option>}
              {datasets?.map((d) => <option key={d.id} value={d.id}>{d.name}{d.target.num_classes ? ` (${d.target.num_classes} classes)` : ""}</option>)}
            </select>
          </label>
          <label className="opt-check">
            <input type="checkbox" checked={keep} onChange={(e) => setKeep(e.target.checked)} data-testid="transfer-keep" />
            <span>Keep the chosen node: the head goes after it (for a base without a classifier)</span>
          </label>
          <label className="opt-check">
            <input type="checkbox" checked={pool} onChange={(e) => setPool(e.target.checked)} data-testid="transfer-pool" />
            <span>Add GlobalAveragePooling when the layer below gives an image or a sequence</span>
          </label>
        </>
      )}
      {err && <div className="callout bad" data-testid="transfer-error">{err}</div>}
      <div className="modal-actions">
        <button className="btn" onClick={onClose}>Cancel</button>
        <button className="btn primary" onClick={go} disabled={busy || !node || (action === "head" && !known)} data-testid="transfer-go">
          {busy ? "Making…" : action === "cut" ? "Make feature extractor" : "Make new model"}
        </button>
      </div>
    </Modal>
  );
}
