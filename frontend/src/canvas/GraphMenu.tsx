// Graph file actions: new, templates, open/save on the server (named, versioned), import/export JSON.
// Whatever replaces the graph on screen asks first while it has unsaved changes (UnsavedGuard).
import { useCallback, useEffect, useRef, useState } from "react";
import { api } from "../api/client";
import { $api } from "../api/query";
import type { GraphPublic } from "../api/types";
import { GraphFormatError } from "../graph/convert";
import { useGraph } from "../graph/store";
import { TEMPLATES } from "../graph/templates";
import ArchitectureTemplates from "./ArchitectureTemplates";
import { fmtDate } from "../ui/format";
import { Icon } from "../ui/Icon";
import LoadWeightsButton from "../models/LoadWeights";
import { Modal } from "../ui/Modal";
import { toast } from "../ui/toast";
import { saveGraph } from "./saveGraph";
import { replaceGraph } from "./UnsavedGuard";

const EMPTY = { format: "netcanvas.graph/1", name: "untitled", nodes: [], edges: [] };

export default function GraphMenu() {
  const name = useGraph((s) => s.name);
  const graphId = useGraph((s) => s.graphId);
  const version = useGraph((s) => s.version);
  const [dialog, setDialog] = useState<"templates" | "open" | "versions" | null>(null);
  const [saving, setSaving] = useState(false);
  const file = useRef<HTMLInputElement>(null);

  const save = async () => {
    setSaving(true);
    await saveGraph();
    setSaving(false);
  };

  const exportJson = () => {
    const g = useGraph.getState().graph();
    const blob = new Blob([JSON.stringify(g, null, 2) + "\n"], { type: "application/json" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `${(g.name || "graph").replace(/[^\w.-]+/g, "_")}.json`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };

  const importJson = async (f: File) => {
    const text = await f.text();
    replaceGraph(`Importing ${f.name}`, () => {
      try {
        useGraph.getState().load(JSON.parse(text));
        toast(`Imported ${f.name}`, "good");
      } catch (err) {
        const msg = err instanceof GraphFormatError || err instanceof SyntaxError ? err.message : String(err);
        toast(`Could not import ${f.name}: ${msg}`, "error");
      }
    });
  };

  return (
    <div className="graph-menu">
      <input
        className="graph-name"
        value={name}
        onChange={(e) => useGraph.getState().setName(e.target.value)}
        aria-label="Graph name"
        data-testid="graph-name"
        spellCheck={false}
      />
      <span className="graph-version" title={graphId ? `Saved as ${graphId}` : "Not saved on the server yet"}>
        {version ? `v${version}` : "unsaved"}
      </span>
      <span className="sep" />
      <button className="btn ghost" onClick={() => replaceGraph("A new graph", () => useGraph.getState().load(EMPTY))} title="New empty graph" data-testid="new-graph"><Icon name="plus" /> <span className="btn-label">New</span></button>
      <button className="btn ghost" onClick={() => replaceGraph("Opening a template", () => setDialog("templates"))} title="Start from a template" data-testid="open-templates"><Icon name="template" /> <span className="btn-label">Templates</span></button>
      <button className="btn ghost" onClick={() => replaceGraph("Opening a saved graph", () => setDialog("open"))} title="Open a saved graph" data-testid="open-graphs"><Icon name="open" /> <span className="btn-label">Open</span></button>
      {graphId && (
        <button className="btn ghost" onClick={() => replaceGraph("Opening an older version", () => setDialog("versions"))} title="Open an older saved version of this graph" data-testid="open-versions"><Icon name="open" /> <span className="btn-label">Versions…</span></button>
      )}
      <button className="btn ghost" onClick={save} disabled={saving} title={graphId ? "Save a new version on the server" : "Save on the server"} data-testid="save-graph"><Icon name="save" /> <span className="btn-label">{saving ? "Saving…" : "Save"}</span></button>
      <button className="btn ghost" onClick={() => file.current?.click()} title="Import a graph JSON file" data-testid="import-graph"><Icon name="upload" /> <span className="btn-label">Import</span></button>
      <button className="btn ghost" onClick={exportJson} title="Download the graph as JSON" data-testid="export-graph"><Icon name="download" /> <span className="btn-label">Export</span></button>
      <LoadWeightsButton />
      <input ref={file} type="file" accept=".json,application/json" hidden data-testid="import-file"
        onChange={(e) => { const f = e.target.files?.[0]; if (f) void importJson(f); e.target.value = ""; }} />
      {dialog === "templates" && <TemplatesDialog onClose={() => setDialog(null)} />}
      {dialog === "open" && <OpenDialog onClose={() => setDialog(null)} />}
      {dialog === "versions" && graphId && <VersionsDialog graphId={graphId} onClose={() => setDialog(null)} />}
    </div>
  );
}

function TemplatesDialog({ onClose }: { onClose: () => void }) {
  return (
    <Modal title="Start from a template" onClose={onClose} wide testid="templates">
      <div className="template-grid">
        {TEMPLATES.map((t) => (
          <button key={t.id} className="template-card" data-testid={`template-${t.id}`}
            onClick={() => { useGraph.getState().load(t.graph); onClose(); }}>
            <div className="t-title">{t.title}</div>
            <div className="t-blurb">{t.blurb}</div>
            <div className="t-meta">{t.graph.nodes.length} layers</div>
          </button>
        ))}
      </div>
      <ArchitectureTemplates onOpened={onClose} />
    </Modal>
  );
}

function OpenDialog({ onClose }: { onClose: () => void }) {
  const [items, setItems] = useState<Omit<GraphPublic, "graph">[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(() => api.graphs().then((r) => setItems(r.data), (e: Error) => setError(e.message)), []);
  useEffect(() => void reload(), [reload]);
  const open = async (id: string) => {
    try {
      const g = await api.graph(id);
      useGraph.getState().load(g.graph, { id: g.id, version: g.version });
      onClose();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const remove = async (id: string, name: string) => {
    if (!confirm(`Delete “${name}” and all its versions?`)) return;
    try {
      await api.deleteGraph(id);
      if (useGraph.getState().graphId === id) useGraph.getState().setSaved(null, null);
      void reload();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <Modal title="Open a saved graph" onClose={onClose} testid="open-dialog">
      {error && <div className="callout bad">{error}</div>}
      {!items && !error && <div className="empty">Loading…</div>}
      {items && !items.length && <div className="empty">Nothing saved yet. Save the current graph with Save.</div>}
      <ul className="saved-list">
        {items?.map((g) => (
          <li key={g.id}>
            <button className="saved-open" onClick={() => void open(g.id)} data-testid={`saved-${g.name}`}>
              <span className="s-name">{g.name}</span>
              <span className="s-meta">v{g.version} · {fmtDate(g.updated_at)}</span>
            </button>
            <button className="icon-btn" title="Delete" onClick={() => void remove(g.id, g.name)}><Icon name="trash" /></button>
          </li>
        ))}
      </ul>
    </Modal>
  );
}

// The query client's middleware throws ApiError (an Error with the server's sentence).
const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));
const layersText = (n: number) => `${n} layer${n === 1 ? "" : "s"}`;

/** Every saved version of the graph, newest first; opening one puts it on the canvas, still this
 * graph (Save then makes it the newest version). */
function VersionsDialog({ graphId, onClose }: { graphId: string; onClose: () => void }) {
  const list = $api.useQuery("get", "/api/graphs/{graph_id}/versions", { params: { path: { graph_id: graphId } } });
  const current = useGraph((s) => s.version);
  const versions = list.data ? [...list.data].reverse() : null;
  const latest = versions?.[0]?.version ?? null;
  return (
    <Modal title="Saved versions" onClose={onClose} testid="versions-dialog">
      {list.error && <div className="callout bad">{errText(list.error)}</div>}
      {!versions && !list.error && <div className="empty">Loading…</div>}
      <ul className="saved-list">
        {versions?.map((v) => (
          <VersionRow key={v.version} graphId={graphId} version={v.version} createdAt={v.created_at}
            current={v.version === current} latest={latest} onOpened={onClose} />
        ))}
      </ul>
    </Modal>
  );
}

function VersionRow({ graphId, version, createdAt, current, latest, onOpened }: {
  graphId: string; version: number; createdAt: string; current: boolean; latest: number | null; onOpened: () => void;
}) {
  const got = $api.useQuery("get", "/api/graphs/{graph_id}/versions/{version}", { params: { path: { graph_id: graphId, version } } });
  const open = () => {
    if (!got.data) return;
    useGraph.getState().load(got.data.graph, { id: got.data.id, version });
    if (latest !== null && version !== latest) toast(`Opened version ${version} of ${latest}: Save makes it version ${latest + 1}.`, "good");
    onOpened();
  };
  return (
    <li>
      <button className="saved-open" onClick={open} disabled={!got.data} data-testid={`version-${version}`}>
        <span className="s-name">Version {version}{current ? " (on the canvas)" : ""}</span>
        <span className="s-meta">
          {fmtDate(createdAt)} · {got.data ? layersText(got.data.graph.nodes?.length ?? 0) : got.error ? errText(got.error) : "…"}
        </span>
      </button>
    </li>
  );
}
