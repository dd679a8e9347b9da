// "Load Keras weights…" on the canvas: a Keras weights file (a keras.applications .h5, a
// .weights.h5) goes into the graph on the canvas by layer name (POST /api/models/weights). The
// dialog then lists what loaded, what starts fresh and what was skipped, and leads to the new
// imported run, whose page trains it further.
import { useEffect, useState } from "react";
import { useCatalog } from "../api/catalog";
import { useGraph } from "../graph/store";
import { Icon } from "../ui/Icon";
import { Modal } from "../ui/Modal";
import { navigate } from "../ui/route";
import { toast } from "../ui/toast";
import { loadKerasWeights, WEIGHTS_ACCEPT, type WeightsImport, type WeightsMatch } from "./api";
import { FileDropZone } from "../ui/FileDropZone";

export default function LoadWeightsButton() {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button className="btn ghost" onClick={() => setOpen(true)} data-testid="load-weights"
        title="Load a Keras weights file into this graph by layer name" aria-label="Load Keras weights">
        <Icon name="weights" /> <span className="btn-label">Load Keras weights…</span>
      </button>
      {open && <LoadWeightsDialog onClose={() => setOpen(false)} />}
    </>
  );
}

function LoadWeightsDialog({ onClose }: { onClose: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [dataset, setDataset] = useState("");
  const [strict, setStrict] = useState(false);
  const [match, setMatch] = useState<WeightsMatch>("auto");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<WeightsImport | null>(null);
  const empty = useGraph((s) => s.nodes.length === 0);
  const datasets = useCatalog((c) => c.datasets);
  useEffect(() => {
    if (!datasets) void useCatalog.getState().loadDatasets();
  }, [datasets]);

  const pick = (f: File) => {
    setFile(f);
    setError(null);
    setDone(null);
  };
  const submit = async () => {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      const got = await loadKerasWeights(file, useGraph.getState().graph(), { dataset, strict, match });
      setDone(got);
      toast(`Loaded ${got.report.loaded.length} layer(s) from ${file.name}`, "good");
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title="Load Keras weights" onClose={onClose} testid="weights-dialog" wide>
      <p className="dim import-intro">
        A Keras weights file — a <b>.h5</b> as <code>keras.applications</code> publishes them (e.g. VGG16's
        “notop” file) or a <b>.weights.h5</b> from <code>model.save_weights</code> — goes into the graph on the
        canvas <b>by layer name</b>: each node named like a layer of the file, with the same weight shapes, takes its
        weights; the others start fresh. A <b>.h5</b> whose layer names differ from the nodes' (files written in
        Keras 2 number layers from <code>conv2d_1</code>) loads <b>in order</b>, as Keras's <code>load_weights</code>{" "}
        does. The result is a new run you can train further.
      </p>
      <FileDropZone accept={WEIGHTS_ACCEPT} file={file} onPick={pick} what="a weights file" inputTestid="weights-file" nameTestid="weights-file-name" />
      <div className="row2">
        <label className="field">
          <span className="field-label">Data set</span>
          <select value={dataset} onChange={(e) => setDataset(e.target.value)} data-testid="weights-dataset">
            <option value="">none</option>
            {datasets?.map((d) => (<option key={d.id} value={d.id}>{d.name}</option>))}
          </select>
          <span className="field-hint">what the run trains further on</span>
        </label>
        <label className="field">
          <span className="field-label">Match layers</span>
          <select value={match} onChange={(e) => setMatch(e.target.value as WeightsMatch)} data-testid="weights-match">
            <option value="auto">auto</option>
            <option value="name">by name</option>
            <option value="order">in order (as Keras)</option>
          </select>
          <span className="field-hint">auto: by name when every layer finds its node, else in order when all fit</span>
        </label>
        <label className="field check">
          <span className="field-label">
            <input type="checkbox" checked={strict} onChange={(e) => setStrict(e.target.checked)} data-testid="weights-strict" />
            {" "}Strict
          </span>
          <span className="field-hint">refuse the file when a layer's shapes do not fit, instead of skipping it</span>
        </label>
      </div>
      {empty && <div className="callout warn"><span>The canvas is empty: open a template or a graph first.</span></div>}
      {error && <div className="callout bad" role="alert" data-testid="weights-error"><span><b>Could not load.</b> {error}</span></div>}
      {done && <WeightsReport result={done} />}
      <div className="modal-actions">
        <button className="btn ghost" onClick={onClose}>{done ? "Close" : "Cancel"}</button>
        {done ? (
          <button className="btn primary" data-testid="weights-open-run"
            onClick={() => { onClose(); navigate({ page: "run", id: done.run.id }); }}>
            <Icon name="redo" /> Open the run to train further
          </button>
        ) : (
          <button className="btn primary" onClick={submit} disabled={!file || busy || empty} data-testid="weights-submit">
            {busy ? "Loading…" : "Load weights"}
          </button>
        )}
      </div>
    </Modal>
  );
}

function WeightsReport({ result }: { result: WeightsImport }) {
  const { loaded, initialised, skipped, matching, matching_reason } = result.report;
  return (
    <div className="weights-report" data-testid="weights-report">
      <div className="dim small" data-testid="weights-matching">
        <b>Matched {matching === "order" ? "in order" : "by name"}.</b>{" "}
        {matching_reason ? matching_reason.replace(/^matched (by name|by order)[,:]? ?/, "").replace(/^./, (c) => c.toUpperCase()) + "." : ""}
      </div>
      <div className="callout good" data-testid="weights-loaded">
        <span><b>Loaded {loaded.length}</b>: {loaded.map((l) => l.node === l.source ? l.node : `${l.node} ← ${l.source}`).join(", ") || "none"}</span>
      </div>
      {initialised.length > 0 && (
        <div className="callout" data-testid="weights-initialised">
          <span><b>Fresh weights for {initialised.length}</b>: {initialised.map((l) => l.node).join(", ")}</span>
        </div>
      )}
      {skipped.length > 0 && (
        <div className="callout warn" data-testid="weights-skipped">
          <span><b>Skipped {skipped.length}</b> of the file's layers:</span>
          <ul className="weights-skips">
            {skipped.map((s) => (<li key={s.source}><b>{s.source}</b>: {s.reason}</li>))}
          </ul>
        </div>
      )}
    </div>
  );
}
