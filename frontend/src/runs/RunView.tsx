// One run: live curves (history replayed, then live), progress, logs, settings, downloads,
// evaluation and predictions. The URL (#/runs/ID) is all it needs, so a reload shows the same.
// This file is the layout; each panel lives in ./run/.
import { useEffect } from "react";
import { useCatalog } from "../api/catalog";
import { api } from "../api/client";
import { $api } from "../api/query";
import type { RunPublic } from "../api/types";
import { useGraph } from "../graph/store";
import { FINAL } from "../train/runData";
import { canTrainFurther, trainFurtherSettings, useTrainSettings } from "../train/TrainPanel";
import { useRunStream } from "../train/useRunStream";
import { requestEditorTab } from "../ui/editorTab";
import { Icon } from "../ui/Icon";
import { href, navigate } from "../ui/route";
import { toast } from "../ui/toast";
import Downloads from "./Downloads";
import Curves from "./run/Curves";
import { errorText } from "./run/errorText";
import { useEvaluation } from "./run/Evaluate";
import ImportedCard from "./run/ImportedCard";
import Logs from "./run/Logs";
import MetricTable from "./run/MetricTable";
import ModelPanels from "./run/ModelPanels";
import Progress from "./run/Progress";
import Settings from "./run/Settings";
import "./run/run.css";
import { StatusChip } from "./RunsPage";
import SequencePanels from "./SequencePanels";
import TransferActions from "./TransferActions";
import { replaceGraph } from "../canvas/UnsavedGuard";

const scrollTo = (id: string) => document.getElementById(id)?.scrollIntoView({ behavior: "smooth" });

export default function RunView({ id }: { id: string }) {
  const record = $api.useQuery("get", "/api/runs/{run_id}", { params: { path: { run_id: id } } });
  const run = (record.data ?? null) as RunPublic | null; // the graph as the canvas types it
  const live = useRunStream(id);
  const status = live.status ?? run?.status ?? null;
  const final = !!status && FINAL.includes(status);
  const { refetch } = record;
  // Refresh the record when the run ends (test metrics, artifacts, timings).
  useEffect(() => {
    if (final) void refetch();
  }, [final, refetch]);

  const stop = async () => {
    try {
      await api.cancel(id);
      toast("Stopping the run…");
    } catch (err) {
      toast((err as Error).message, "error");
    }
  };
  const putOnCanvas = () => {
    if (!run) return;
    useGraph.getState().load(run.graph, { id: run.request?.graph_id ?? null, version: run.request?.graph_version ?? null });
    navigate({ page: "canvas" });
  };
  // Unsaved work on the canvas is asked about first (canvas/UnsavedGuard.tsx).
  const openOnCanvas = () => replaceGraph("Opening the run's graph", putOnCanvas, run?.graph);
  // The run's graph on the canvas, the Train tab open and starting from this run's weights.
  const trainFurther = () => {
    if (!run) return;
    replaceGraph("Opening the run's graph", () => {
      useTrainSettings.getState().set(trainFurtherSettings(run, useCatalog.getState().datasets));
      requestEditorTab("train");
      putOnCanvas();
    }, run.graph);
  };
  const imported = status === "imported";
  const evaluation = useEvaluation(run);
  const further = !!run && canTrainFurther({ status: status ?? run.status, artifacts: run.artifacts });

  // Curves from the stream; before it answers (or for an imported model), from the record.
  const source = live.events > 0 ? live : { batches: [], epochs: run?.epochs ?? [] };
  const epochsTotal = run?.request?.epochs ?? live.progress.epochs ?? null;
  const testMetrics = live.testMetrics ?? run?.test_metrics ?? null;
  const artifacts = run?.artifacts?.length ? run.artifacts : live.artifacts ?? [];
  const hasModel = artifacts.includes("model.pt");
  const usable = !!run && final && status !== "failed" && (status !== "cancelled" || hasModel);

  if (record.error && !run) {
    return (
      <div className="page">
        <div className="callout bad">{errorText(record.error)}</div>
        <a className="btn" href={href({ page: "runs" })}>All runs</a>
      </div>
    );
  }

  return (
    <div className="page run-page" data-testid="run-view" data-status={status ?? ""}>
      <div className="page-head">
        <a className="crumb" href={href({ page: "runs" })}>Runs</a>
        <span className="dim">/</span>
        <h1>{run?.name ?? "…"}</h1>
        {status && <StatusChip status={status} />}
        {live.connected && !final && <span className="live-dot" title="Receiving live events">live</span>}
        <div className="grow" />
        {!final && status && (
          <button className="btn danger" onClick={stop} data-testid="stop-run"><Icon name="stop" /> Stop</button>
        )}
        {further && !imported && (
          <button className="btn" onClick={trainFurther} title="Open the graph with the Train tab set to start from this run's weights"
            data-testid="train-further"><Icon name="redo" /> Train further</button>
        )}
        {!imported && <button className="btn" onClick={openOnCanvas} disabled={!run} data-testid="open-on-canvas"><Icon name="external" /> Open on canvas</button>}
      </div>

      {imported && run ? (
        <ImportedCard run={run} onTrainFurther={trainFurther} onOpen={openOnCanvas}
          onEvaluate={() => { scrollTo("evaluate-model"); void evaluation.evaluate(); }} onTry={() => scrollTo("try-model")} />
      ) : (
        <Progress run={run} live={live} status={status} final={final} epochsTotal={epochsTotal} />
      )}

      <div className="run-grid">
        <div className="run-main">
          {!imported && <Curves runId={id} source={source} epochsTotal={epochsTotal} />}
          {status === "cancelled" && (
            <div className={`callout ${hasModel ? "good" : "warn"}`} data-testid="stopped-kept">
              {hasModel
                ? `Stopped by you: model.pt holds the weights of epoch ${live.keptEpoch ?? "the last completed"}; downloads, predict and Train further work as for a finished run.`
                : "Stopped before the first epoch ended: nothing was kept."}
            </div>
          )}
          {usable && <SequencePanels run={run} />}
          {usable && <ModelPanels run={run} evaluation={evaluation} />}
          {(!imported || live.logs.length > 0) && <Logs lines={live.logs} />  /* an import's notes (frozen layers) */}
        </div>
        <aside className="run-side">
          {!imported && (
            <section className="card">
              <h3>Metrics</h3>
              <MetricTable label="last epoch" m={source.epochs[source.epochs.length - 1]?.metrics ?? null} />
              {testMetrics && Object.keys(testMetrics).length > 0 && <MetricTable label="test" m={testMetrics} testid="test-metrics" />}
            </section>
          )}
          <section className="card">
            <h3>Download</h3>
            <Downloads runId={id} artifacts={artifacts} final={final} />
          </section>
          {run && final && artifacts.includes("model.pt") && <TransferActions run={run} />}
          {run && !imported && <Settings run={run} />}
        </aside>
      </div>
    </div>
  );
}
