// "Load word vectors…" in an Embedding's inspector: a GloVe text file (rows follow a data set's
// vocabulary) or a .npy matrix becomes the Embedding's weights, frozen or trainable, through
// POST /api/models/vectors (docs/api.md, "Word vectors"). As "Load Keras weights…" does, the result is
// a new imported run whose page trains it further.
import { useEffect, useState } from "react";
import { apiError } from "../api/client";
import { useCatalog } from "../api/catalog";
import type { GraphJson } from "../api/types";
import type { LayerNode } from "../graph/convert";
import { useGraph } from "../graph/store";
import type { WeightsImport } from "../models/api";
import { Icon } from "../ui/Icon";
import { Modal } from "../ui/Modal";
import { navigate } from "../ui/route";
import { toast } from "../ui/toast";
import { FileDropZone } from "../ui/FileDropZone";

export const VECTORS_ACCEPT = ".txt,.vec,.npy";

export type VectorsSummary = {
  node: string; format: "glove" | "npy"; input_dim: number; output_dim: number; trainable: boolean;
  found: number | null; missed: number | null; missed_sample: string[]; vectors_read: number | null;
};
export type VectorsImport = WeightsImport & { vectors: VectorsSummary };

export async function loadWordVectors(
  file: File, graph: GraphJson, node: string, opts: { dataset?: string; trainable?: boolean } = {},
): Promise<VectorsImport> {
  const form = new FormData();
  form.append("graph", JSON.stringify(graph));
  form.append("node", node);
  if (opts.dataset) form.append("dataset", opts.dataset);
  form.append("trainable", opts.trainable ? "true" : "false");
  form.append("file", file, file.name);
  const res = await fetch("/api/models/vectors", { method: "POST", body: form });
  const text = await res.text();
  if (!res.ok) throw apiError(res.status, text, `Loading the word vectors failed (HTTP ${res.status}).`);
  return JSON.parse(text) as VectorsImport;
}

export default function EmbeddingVectors({ node }: { node: LayerNode }) {
  const [open, setOpen] = useState(false);
  if (node.data.type !== "Embedding") return null;
  return (
    <>
      <button className="btn small" onClick={() => setOpen(true)} data-testid="load-vectors"
        title="Fill this Embedding's matrix from pretrained word vectors (GloVe text or .npy)">
        <Icon name="weights" size={14} /> Load word vectors…
      </button>
      {open && <VectorsDialog node={node} onClose={() => setOpen(false)} />}
    </>
  );
}

function VectorsDialog({ node, onClose }: { node: LayerNode; onClose: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [dataset, setDataset] = useState("");
  const [trainable, setTrainable] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<VectorsImport | null>(null);
  const datasets = useCatalog((c) => c.datasets);
  useEffect(() => {
    void useCatalog.getState().loadDatasets(); // fresh: a text set uploaded since the page loaded
  }, []);
  // sets with a word vocabulary: text CSVs, and word corpora (task next_token)
  const textSets = (datasets ?? []).filter((d) => d.kind === "text" || (d.extra as { task?: string } | undefined)?.task === "next_token");

  const pick = (f: File) => { setFile(f); setError(null); setDone(null); };
  const submit = async () => {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      const got = await loadWordVectors(file, useGraph.getState().graph(), node.id, { dataset, trainable });
      setDone(got);
      toast(`Loaded word vectors into ${node.id}`, "good");
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title="Load word vectors" onClose={onClose} testid="vectors-dialog" wide>
      <p className="dim import-intro">
        Pretrained word vectors become the matrix of <b>{node.id}</b>: a <b>GloVe</b> text file
        (<code>word v1 … vd</code> per line, e.g. <code>glove.6B.100d.txt</code>), whose rows follow the
        vocabulary of the data set you choose — words it lacks start at zeros — or a <b>.npy</b> matrix of
        shape (input_dim, output_dim). The result is a new run you can train further.
      </p>
      <FileDropZone accept={VECTORS_ACCEPT} file={file} onPick={pick} what="a vectors file" inputTestid="vectors-file" nameTestid="vectors-file-name" />
      <div className="row2">
        <label className="field">
          <span className="field-label">Data set</span>
          <select value={dataset} onChange={(e) => setDataset(e.target.value)} data-testid="vectors-dataset">
            <option value="">none (.npy only)</option>
            {textSets.map((d) => (<option key={d.id} value={d.id}>{d.name}</option>))}
          </select>
          <span className="field-hint">its vocabulary orders a GloVe file's rows; the run trains on it</span>
        </label>
        <label className="field check">
          <span className="field-label">
            <input type="checkbox" checked={trainable} onChange={(e) => setTrainable(e.target.checked)} data-testid="vectors-trainable" />
            {" "}Keep training the vectors
          </span>
          <span className="field-hint">off: frozen (trainable false), as in Keras's pretrained-embeddings example</span>
        </label>
      </div>
      {error && <div className="callout bad" role="alert" data-testid="vectors-error"><span><b>Could not load.</b> {error}</span></div>}
      {done && <VectorsReport summary={done.vectors} />}
      <div className="modal-actions">
        <button className="btn ghost" onClick={onClose}>{done ? "Close" : "Cancel"}</button>
        {done ? (
          <button className="btn primary" data-testid="vectors-open-run"
            onClick={() => { onClose(); navigate({ page: "run", id: done.run.id }); }}>
            <Icon name="redo" /> Open the run to train further
          </button>
        ) : (
          <button className="btn primary" onClick={submit} disabled={!file || busy} data-testid="vectors-submit">
            {busy ? "Loading…" : "Load vectors"}
          </button>
        )}
      </div>
    </Modal>
  );
}

function VectorsReport({ summary: s }: { summary: VectorsSummary }) {
  const state = s.trainable ? "trainable" : "frozen";
  return (
    <div className="callout good" data-testid="vectors-report">
      <span>
        <b>{s.input_dim}×{s.output_dim} matrix</b>, {state}.
        {s.found != null && (
          <> Found <b data-testid="vectors-found">{s.found}</b> of {s.found + (s.missed ?? 0)} vocabulary words
            {s.missed ? <> ({s.missed} start at zeros{s.missed_sample.length ? `: ${s.missed_sample.slice(0, 8).join(", ")}${s.missed > 8 ? ", …" : ""}` : ""})</> : null}.</>
        )}
      </span>
    </div>
  );
}
