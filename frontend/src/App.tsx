import { ReactFlowProvider } from "@xyflow/react";
import { lazy, Suspense, useEffect, useMemo, useState } from "react";
import { useCatalog } from "./api/catalog";
import { useAuth } from "./auth/auth";
import { SignIn, TokenNeeded, Unreachable } from "./auth/SignIn";
import UserMenu from "./auth/UserMenu";
import Canvas from "./canvas/Canvas";
import GraphMenu from "./canvas/GraphMenu";
import Inspector from "./canvas/Inspector";
import Palette from "./canvas/Palette";
import Summary from "./canvas/Summary";
import { UnsavedDialog } from "./canvas/UnsavedGuard";
import { paramsForNewLayer } from "./canvas/newLayerParams";
import { useGraph } from "./graph/store";
import TrainPanel from "./train/TrainPanel";
import ImportModelButton from "./models/ImportModel";
import { takeEditorTab, type EditorTab } from "./ui/editorTab";
import { Icon } from "./ui/Icon";
import { href, parseRoute, useHash } from "./ui/route";
import { useToasts } from "./ui/toast";

// Pages other than the canvas (and the charting library they bring) load on first visit.
const RunsPage = lazy(() => import("./runs/RunsPage"));
const RunView = lazy(() => import("./runs/RunView"));
const CompareView = lazy(() => import("./runs/CompareView"));
const DataPage = lazy(() => import("./data/DataPage"));
const SweepsPage = lazy(() => import("./sweeps/SweepsPage"));
const SweepView = lazy(() => import("./sweeps/SweepView"));
const CodePanel = lazy(() => import("./code/CodePanel"));

const loading = <div className="page-loading">Loading…</div>;

export default function App() {
  // Until the server says who is asking (GET /api/auth/me), nothing else is shown; a 401 from any
  // call later brings the sign-in page back (auth/auth.ts).
  const status = useAuth((s) => s.status);
  const mode = useAuth((s) => s.mode);
  useEffect(() => void useAuth.getState().load(), []);
  if (status === "loading") return loading;
  if (status === "unreachable") return <Unreachable />;
  if (status === "signed-out") return mode === "users" ? <SignIn /> : <TokenNeeded />;
  return <Shell />;
}

function Shell() {
  const hash = useHash();
  const route = useMemo(() => parseRoute(hash), [hash]);
  useEffect(() => void useCatalog.getState().loadLayers(), []);
  const onCanvas = route.page === "canvas";
  const onRuns = route.page === "runs" || route.page === "run" || route.page === "compare";
  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="#/">
          <img src="/favicon.svg" alt="" width={22} height={22} />
          netcanvas
        </a>
        <nav className="tabs">
          <a href={href({ page: "canvas" })} className={onCanvas ? "active" : ""} data-testid="nav-canvas"><Icon name="canvas" /> Canvas</a>
          <a href={href({ page: "runs" })} className={onRuns ? "active" : ""} data-testid="nav-runs"><Icon name="runs" /> Runs</a>
          <a href={href({ page: "sweeps" })} className={route.page === "sweeps" || route.page === "sweep" ? "active" : ""} data-testid="nav-sweeps"><Icon name="grid" /> Sweeps</a>
          <a href={href({ page: "data" })} className={route.page === "data" ? "active" : ""} data-testid="nav-data"><Icon name="table" /> Data</a>
        </nav>
        {onCanvas && <GraphMenu />}
        <div className="topbar-end"><ImportModelButton /><UserMenu /></div>
      </header>
      <main className="main">
        <Suspense fallback={loading}>
        {route.page === "canvas" && <Editor />}
        {route.page === "runs" && <RunsPage />}
        {route.page === "run" && <RunView key={route.id} id={route.id} />}
        {route.page === "compare" && <CompareView ids={route.ids} />}
        {route.page === "data" && <DataPage id={route.id ?? null} />}
        {route.page === "sweeps" && <SweepsPage />}
        {route.page === "sweep" && <SweepView key={route.id} id={route.id} />}
        </Suspense>
      </main>
      <Toasts />
      <UnsavedDialog />
    </div>
  );
}

function Editor() {
  const [summary, setSummary] = useState(false);
  const [tab, setTab] = useState<EditorTab>(() => takeEditorTab() ?? "inspect");
  const selected = useGraph((s) => s.nodes.some((n) => n.selected));
  // Selecting a layer brings the inspector forward (state derived during render, not in an effect).
  const [wasSelected, setWasSelected] = useState(selected);
  if (selected !== wasSelected) {
    setWasSelected(selected);
    if (selected && tab !== "code") setTab("inspect"); // the Code tab stays while the graph is edited
  }
  return (
    <ReactFlowProvider>
      <div className={`editor${tab === "code" ? " code-open" : ""}`}>
        <PaletteWithAdd />
        <Canvas onShowSummary={() => setSummary(true)} />
        <aside className="side">
          <div className="side-tabs" role="tablist">
            <button role="tab" aria-selected={tab === "inspect"} onClick={() => setTab("inspect")} data-testid="tab-inspect">Inspector</button>
            <button role="tab" aria-selected={tab === "train"} onClick={() => setTab("train")} data-testid="tab-train"><Icon name="play" size={13} /> Train</button>
            <button role="tab" aria-selected={tab === "code"} onClick={() => setTab("code")} data-testid="tab-code"><Icon name="code" size={13} /> Code</button>
          </div>
          <div className="side-body">
            {tab === "inspect" ? <Inspector onShowSummary={() => setSummary(true)} /> : tab === "train" ? <TrainPanel /> : <Suspense fallback={loading}><CodePanel /></Suspense>}
          </div>
        </aside>
      </div>
      {summary && <Summary onClose={() => setSummary(false)} />}
    </ReactFlowProvider>
  );
}

function PaletteWithAdd() {
  // Double-click adds the layer to the right of the right-most node.
  const add = (type: string) => {
    const info = useCatalog.getState().byType[type];
    if (!info) return;
    const nodes = useGraph.getState().nodes;
    const x = nodes.length ? Math.max(...nodes.map((n) => n.position.x)) + 272 : 0;
    const y = nodes.length ? nodes.reduce((a, n) => (n.position.x > a.x ? n.position : a), nodes[0].position).y : 0;
    useGraph.getState().addLayer(type, paramsForNewLayer(type, info.defaults), { x, y });
  };
  return <Palette onAdd={add} />;
}

function Toasts() {
  const toasts = useToasts((s) => s.toasts);
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast ${t.kind}`} onClick={() => useToasts.getState().dismiss(t.id)} data-testid="toast">
          {t.text}
          {t.action && (
            <button className="toast-action" data-testid="toast-action"
              onClick={(e) => { e.stopPropagation(); useToasts.getState().dismiss(t.id); t.action!.run(); }}>
              {t.action.label}
            </button>
          )}
        </div>
      ))}
    </div>
  );
}
