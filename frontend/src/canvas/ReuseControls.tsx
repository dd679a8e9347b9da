// "Cut here" and "Replace head from here…" for the selected layer, offered while the canvas's graph
// carries a trained run's weights (the Train tab's "Starting from run X's weights"). The new model
// opens on the canvas with the new imported run as its starting weights, so "Train further" trains
// the new head: the user stays where they were working.
import { useEffect, useMemo, useState } from "react";
import { useShallow } from "zustand/react/shallow";
import { api } from "../api/client";
import { useCatalog } from "../api/catalog";
import type { RunPublic } from "../api/types";
import { navPrefix } from "../graph/blockFormat";
import type { LayerNode } from "../graph/convert";
import { validationKeyCached } from "../graph/convert";
import { useGraph } from "../graph/store";
import { TransferDialog } from "../runs/TransferActions";
import type { DerivedPublic } from "../runs/transfer";
import { trainFurtherSettings, useTrainSettings } from "../train/TrainPanel";
import { toast } from "../ui/toast";
import { reuseCheck, runGraphKey } from "./reuse";

export default function ReuseControls({ node }: { node: LayerNode }) {
  const initFrom = useTrainSettings(useShallow((s) => s.initFrom));
  // The answer for the run asked about; one for an earlier initFrom is ignored, not cleared.
  const [got, setGot] = useState<{ id: string; run: RunPublic | null; error: string | null } | null>(null);
  const [open, setOpen] = useState<"cut" | "head" | null>(null);
  const initId = initFrom?.id ?? null;
  useEffect(() => {
    if (!initId) return;
    let live = true;
    api.run(initId).then(
      (r) => { if (live) setGot({ id: initId, run: r, error: null }); },
      (e: Error) => { if (live) setGot({ id: initId, run: null, error: e.message }); },
    );
    return () => { live = false; };
  }, [initId]);
  const run = got && got.id === initId ? got.run : null;
  const error = got && got.id === initId ? got.error : null;
  const runKey = useMemo(() => (run ? runGraphKey(run.graph) : ""), [run]);
  const canvasKey = useGraph(validationKeyCached);
  const nodeId = useGraph((s) => navPrefix(s.nav) + node.id);

  if (!initFrom || node.data.type === "Input") return null;
  if (error) return <div className="callout bad small" data-testid="reuse-error">Could not read run {initFrom.name}: {error}</div>;
  if (!run) return null;
  const check = reuseCheck(run.name, run.graph, runKey, canvasKey, nodeId);

  const made = (m: DerivedPublic) => {
    useGraph.getState().load(m.graph.graph, { id: m.graph.id, version: m.graph.version });
    useTrainSettings.getState().set({ ...trainFurtherSettings(m.run, useCatalog.getState().datasets), initByName: false });
    toast(`${m.notes.slice(1).join(" ")} Opened ${m.run.name} here: Train further (Train tab) starts from its weights.`.trim(), "good");
  };

  return (
    <div className="reuse-controls" data-testid="reuse-controls">
      <div className="panel-sub">Reuse run {run.name}'s weights</div>
      <div className="insp-actions wrap">
        <button className="btn small" disabled={!!check.blocked} onClick={() => setOpen("cut")} data-testid="canvas-cut-here"
          title="A new model ending at this layer, with the run's trained weights (a feature extractor)">Cut here…</button>
        <button className="btn small" disabled={!!check.blocked} onClick={() => setOpen("head")} data-testid="canvas-replace-head"
          title="Remove this layer and everything after it; a new Dense head for a data set takes their place">Replace head from here…</button>
      </div>
      {check.blocked && <div className="dim small" data-testid="reuse-blocked">{check.blocked}</div>}
      {check.note && <div className="callout warn small" data-testid="reuse-note">{check.note}</div>}
      {open && <TransferDialog run={run} action={open} node={nodeId} onMade={made} onClose={() => setOpen(null)} />}
    </div>
  );
}
