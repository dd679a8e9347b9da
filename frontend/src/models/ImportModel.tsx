// "Import model" in the top bar: a Keras .h5 / .keras / model JSON or a netcanvas model.pt
// becomes an imported run (POST /api/models/import); the run view opens, where "Open on canvas"
// puts its graph in the editor.
import { useEffect, useState } from "react";
import { useCatalog } from "../api/catalog";
import { Icon } from "../ui/Icon";
import { Modal } from "../ui/Modal";
import { navigate } from "../ui/route";
import { toast } from "../ui/toast";
import { importModel, MODEL_ACCEPT } from "./api";
import { FileDropZone } from "../ui/FileDropZone";

export default function ImportModelButton() {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button className="btn ghost" onClick={() => setOpen(true)} data-testid="import-model" title="Import a Keras or netcanvas model as a run" aria-label="Import model">
        <Icon name="upload" /> <span className="btn-label">Import model</span>
      </button>
      {open && <ImportDialog onClose={() => setOpen(false)} />}
    </>
  );
}

function ImportDialog({ onClose }: { onClose: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [dataset, setDataset] = useState("");
  const datasets = useCatalog((c) => c.datasets);
  useEffect(() => {
    if (!datasets) void useCatalog.getState().loadDatasets();
  }, [datasets]);

  const pick = (f: File) => {
    setFile(f);
    setError(null);
  };
  const submit = async () => {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      const run = await importModel(file, name, dataset);
      toast(`Imported ${file.name}: ${run.graph.nodes.length} layers`, "good");
      onClose();
      navigate({ page: "run", id: run.id });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title="Import a model" onClose={onClose} testid="import-dialog">
      <p className="dim import-intro">
        A Keras model (<b>.h5</b>, <b>.keras</b> or a <b>model.to_json()</b> file) or a netcanvas <b>model.pt</b>.
        It becomes a run you can predict with, download in every format, and open on the canvas.
        Keras's channels-last images become channels-first here.
      </p>
      <FileDropZone accept={MODEL_ACCEPT} file={file} onPick={pick} what="a model file" inputTestid="import-model-file" nameTestid="import-file-name" />
      <div className="row2">
        <label className="field">
          <span className="field-label">Run name</span>
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder={file ? "from the model" : ""} data-testid="import-name" />
        </label>
        <label className="field">
          <span className="field-label">Data set</span>
          <select value={dataset} onChange={(e) => setDataset(e.target.value)} data-testid="import-dataset">
            <option value="">none</option>
            {datasets?.map((d) => (<option key={d.id} value={d.id}>{d.name}</option>))}
          </select>
          <span className="field-hint">what it learned from: evaluation and sample predictions use it</span>
        </label>
      </div>
      {error && <div className="callout bad" role="alert" data-testid="import-error"><span><b>Could not import.</b> {error}</span></div>}
      <div className="modal-actions">
        <button className="btn ghost" onClick={onClose}>Cancel</button>
        <button className="btn primary" onClick={submit} disabled={!file || busy} data-testid="import-submit">
          {busy ? "Importing…" : "Import"}
        </button>
      </div>
    </Modal>
  );
}
