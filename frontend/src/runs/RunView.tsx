// One run: live curves (history replayed, then live), progress, logs, settings, downloads,
// evaluation and predictions. The URL (#/runs/ID) is all it needs, so a reload shows the same.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useCatalog } from "../api/catalog";
import { api } from "../api/client";
import type { DatasetInfo, DatasetSamples, EvaluateResult, RunPublic, Shape } from "../api/types";
import { useGraph } from "../graph/store";
import Chart from "../train/Chart";
import { curveMetrics, FINAL, smoothEma } from "../train/runData";
import { canTrainFurther, trainFurtherSettings, useTrainSettings } from "../train/TrainPanel";
import { useRunStream } from "../train/useRunStream";
import { requestEditorTab } from "../ui/editorTab";
import { fmtDate, fmtDuration, fmtMetric, fmtShape } from "../ui/format";
import { Icon } from "../ui/Icon";
import { href, navigate } from "../ui/route";
import { toast } from "../ui/toast";
import ConfusionMatrix from "./ConfusionMatrix";
import { liveData, liveSeries, metricTitle } from "./curves";
import Downloads from "./Downloads";
import NodeFeatures from "./NodeFeatures";
import TransferActions from "./TransferActions";
import Settings from "./run/Settings";
import "./run/run.css";
import SequencePanels from "./SequencePanels";
import { sequenceTask } from "./sequences";
import TextPredict from "./TextPredict";
import DrawPad from "./DrawPad";
import Probabilities from "./Probabilities";
import { imagePixels, inputCount, sampleBatch, trueLabel, valuesLine } from "./samples";
import { duration, StatusChip } from "./RunsPage";

export default function RunView({ id }: { id: string }) {
  const [run, setRun] = useState<RunPublic | null>(null);
  const [error, setError] = useState<string | null>(null);
  const live = useRunStream(id);
  const [smoothing, setSmoothing] = useState(0);
  const status = live.status ?? run?.status ?? null;
  const final = !!status && FINAL.includes(status);

  const reload = useCallback(() => api.run(id).then(setRun, (e: Error) => setError(e.message)), [id]);
  useEffect(() => void reload(), [reload]);
  // Refresh the record when the run ends (test metrics, artifacts, timings).
  useEffect(() => {
    if (final) void reload();
  }, [final, reload]);

  const stop = async () => {
    try {
      await api.cancel(id);
      toast("Stopping the run…");
    } catch (err) {
      toast((err as Error).message, "error");
    }
  };

  const openOnCanvas = () => {
    if (!run) return;
    useGraph.getState().load(run.graph, { id: run.request?.graph_id ?? null, version: run.request?.graph_version ?? null });
    navigate({ page: "canvas" });
  };

  // The run's graph on the canvas, the Train tab open and starting from this run's weights.
  const trainFurther = () => {
    if (!run) return;
    useTrainSettings.getState().set(trainFurtherSettings(run, useCatalog.getState().datasets));
    requestEditorTab("train");
    openOnCanvas();
  };
  const imported = status === "imported";
  const evaluation = useEvaluation(run);
  const further = !!run && canTrainFurther({ status: status ?? run.status, artifacts: run.artifacts });

  // Curves from the stream; before it answers (or for an imported model), from the record.
  const source = live.events > 0 ? live : { batches: [], epochs: run?.epochs ?? [] };
  const metrics = curveMetrics(source);
  const epochsTotal = run?.request?.epochs ?? live.progress.epochs ?? null;
  const p = live.progress;
  const fraction = status === "succeeded" ? 1 : epochsTotal && p.epoch ? Math.min(1, (p.epoch - 1 + (p.steps ? p.step / p.steps : 1)) / epochsTotal) : 0;
  const testMetrics = live.testMetrics ?? run?.test_metrics ?? null;
  const artifacts = run?.artifacts?.length ? run.artifacts : live.artifacts ?? [];
  const hasModel = artifacts.includes("model.pt");

  if (error && !run) {
    return (
      <div className="page">
        <div className="callout bad">{error}</div>
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
          onEvaluate={() => {
            document.getElementById("evaluate-model")?.scrollIntoView({ behavior: "smooth" });
            void evaluation.evaluate();
          }} onTry={() => document.getElementById("try-model")?.scrollIntoView({ behavior: "smooth" })} />
      ) : (
        <div className="progress-card">
          <div className="progress-top">
            <span data-testid="progress-epoch">Epoch {p.epoch || 0}{epochsTotal ? ` / ${epochsTotal}` : ""}</span>
            {p.steps ? <span className="dim">step {p.step} / {p.steps}</span> : null}
            <span className="dim">{p.samplesPerS ? `${Math.round(p.samplesPerS).toLocaleString()} samples/s` : ""}</span>
            <span className="grow" />
            <span className="dim">{final ? `took ${fmtDuration(run ? duration(run) : null)}` : p.etaS ? `ETA ${fmtDuration(p.etaS)}` : status === "queued" ? "waiting for a worker…" : ""}</span>
          </div>
          <div className={`bar s-${status ?? "queued"}`}><div style={{ width: `${(fraction * 100).toFixed(1)}%` }} /></div>
          {(live.error || run?.error || live.streamError) && (
            <div className="callout bad" data-testid="run-error">{live.error ?? run?.error ?? live.streamError}</div>
          )}
        </div>
      )}

      <div className="run-grid">
        <div className="run-main">
          {!imported && (
            <>
              <label className="field chart-controls small">
                <span className="field-label">Smoothing {smoothing.toFixed(2)}</span>
                <input type="range" min={0} max={0.99} step={0.01} value={smoothing} data-testid="smoothing"
                  onChange={(e) => setSmoothing(Number(e.target.value))} />
              </label>
              <span className="history-links small">
                History:{" "}
                <a href={`/api/runs/${encodeURIComponent(id)}/history?format=csv`} download data-testid="history-csv">CSV</a>
                {" · "}
                <a href={`/api/runs/${encodeURIComponent(id)}/history?format=json`} download data-testid="history-json">JSON</a>
              </span>
              <div className="charts" data-testid="live-charts">
                {(metrics.length ? metrics : ["loss"]).map((m) => (
                  <LiveChart key={m} metric={m} source={source} epochs={epochsTotal} smoothing={smoothing} />
                ))}
              </div>
            </>
          )}
          {status === "cancelled" && (
            <div className={`callout ${hasModel ? "good" : "warn"}`} data-testid="stopped-kept">
              {hasModel
                ? `Stopped by you: model.pt holds the weights of epoch ${live.keptEpoch ?? "the last completed"}; downloads, predict and Train further work as for a finished run.`
                : "Stopped before the first epoch ended: nothing was kept."}
            </div>
          )}
          {run && final && status !== "failed" && (status !== "cancelled" || hasModel) && <SequencePanels run={run} />}
          {run && final && status !== "failed" && (status !== "cancelled" || hasModel) && <EvaluatePredict run={run} evaluation={evaluation} />}
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

/** An imported model: what it is and what can be done with it (it has no training history). */
function ImportedCard({ run, onTrainFurther, onOpen, onEvaluate, onTry }: {
  run: RunPublic; onTrainFurther: () => void; onOpen: () => void; onEvaluate: () => void; onTry: () => void;
}) {
  const datasets = useCatalog((c) => c.datasets);
  useEffect(() => {
    if (!datasets) void useCatalog.getState().loadDatasets();
  }, [datasets]);
  const [params, setParams] = useState<number | null>(null);
  useEffect(() => {
    const ctrl = new AbortController();
    api.validate(run.graph, ctrl.signal).then((r) => setParams(r.total_params ?? null), () => undefined);
    return () => ctrl.abort();
  }, [run.graph]);
  const ds = datasets?.find((d) => d.id === run.dataset);
  const inputs = run.graph.nodes.filter((n) => n.type === "Input");
  const classes = run.class_names?.length ?? null;
  return (
    <section className="card imported-card" data-testid="imported-card">
      <div className="card-head">
        <h3>Imported model</h3>
        <span className="dim small">imported {fmtDate(run.created_at)} · no training history</span>
      </div>
      <table className="kv inline-kv">
        <tbody>
          <tr><th>Layers</th><td data-testid="imported-layers">{run.graph.nodes.length}</td></tr>
          <tr><th>Parameters</th><td className="mono" data-testid="imported-params">{params === null ? "…" : params.toLocaleString()}</td></tr>
          <tr><th>Input{inputs.length > 1 ? "s" : ""}</th><td className="mono">{inputs.map((n) => fmtShape((n.params.shape ?? []) as Shape)).join(", ") || "–"}</td></tr>
          {classes ? <tr><th>Classes</th><td>{classes}</td></tr> : null}
          <tr><th>Data set</th><td data-testid="imported-dataset">{ds ? <>{ds.name} <span className="mono dim small">{ds.id}</span></> : datasets ? <span className="dim">none (attach one when importing to evaluate it)</span> : run.dataset}</td></tr>
        </tbody>
      </table>
      <div className="imported-actions">
        <button className="btn primary" onClick={onTrainFurther} data-testid="train-further"><Icon name="redo" /> Train further</button>
        <button className="btn" onClick={onOpen} data-testid="open-on-canvas"><Icon name="external" /> Open on canvas</button>
        <button className="btn" onClick={onEvaluate} disabled={!ds} title={ds ? `Evaluate on ${ds.name}'s test split` : "The model is attached to no data set"} data-testid="imported-evaluate">Evaluate</button>
        <button className="btn" onClick={onTry} data-testid="imported-try">Try the model</button>
      </div>
    </section>
  );
}

function LiveChart({ metric, source, epochs, smoothing }: { metric: string; source: Parameters<typeof liveData>[0]; epochs: number | null; smoothing: number }) {
  // Smoothing (TensorBoard's debiased EMA) applies to the batch curve, the noisy one.
  const data = useMemo(() => {
    const d = liveData(source, metric);
    return [d[0], smoothEma(d[1] as (number | null)[], smoothing), ...d.slice(2)] as typeof d;
  }, [source, metric, smoothing]);
  return <Chart title={metricTitle(metric)} series={liveSeries(metric)} data={data} testid={`chart-${metric}`} xMax={epochs} />;
}

function MetricTable({ label, m, testid }: { label: string; m: Record<string, number | null> | null; testid?: string }) {
  if (!m) return <div className="dim small">No epoch finished yet.</div>;
  const keys = Object.keys(m).filter((k) => !["lr", "seconds", "samples_per_s"].includes(k));
  return (
    <table className="kv" data-testid={testid}>
      <caption>{label}</caption>
      <tbody>
        {keys.map((k) => (<tr key={k}><th>{k}</th><td className="mono">{fmtMetric(m[k])}</td></tr>))}
      </tbody>
    </table>
  );
}

function Logs({ lines }: { lines: { level: string; message: string }[] }) {
  const box = useRef<HTMLDivElement>(null);
  const count = lines.length;
  useEffect(() => {
    const el = box.current;
    if (el && count) el.scrollTop = el.scrollHeight;
  }, [count]);
  return (
    <section className="card">
      <h3>Log</h3>
      <div className="logs" ref={box} data-testid="run-logs">
        {lines.length ? lines.map((l, i) => (<div key={i} className={`log ${l.level}`}>{l.message}</div>)) : <div className="dim">No log lines yet.</div>}
      </div>
    </section>
  );
}

/** Test-set evaluation of a run: the stored one, or a fresh one when asked (the Evaluate buttons). */
function useEvaluation(run: RunPublic | null) {
  const [fresh, setFresh] = useState<EvaluateResult | null>(null);
  const [busy, setBusy] = useState(false);
  const stored: EvaluateResult | null = run?.confusion_matrix
    ? { metrics: run.test_metrics ?? {}, confusion_matrix: run.confusion_matrix, class_names: run.class_names ?? null }
    : null;
  const evaluate = async () => {
    if (!run) return;
    setBusy(true);
    try {
      setFresh(await api.evaluate(run.id));
    } catch (err) {
      toast(`Evaluation failed: ${(err as Error).message}`, "error");
    } finally {
      setBusy(false);
    }
  };
  return { result: fresh ?? stored, busy, evaluate };
}

function EvaluatePredict({ run, evaluation }: { run: RunPublic; evaluation: ReturnType<typeof useEvaluation> }) {
  const datasets = useCatalog((s) => s.datasets);
  useEffect(() => {
    if (!datasets) void useCatalog.getState().loadDatasets();
  }, [datasets]);
  const ds = datasets?.find((d) => d.id === run.dataset);
  const { result: evalResult, busy, evaluate } = evaluation;
  const classes = ds?.target.kind === "classes";

  const graphInputs = run.graph.nodes.filter((n) => n.type === "Input");
  const inputShape = (ds?.input_shape ?? (graphInputs.length === 1 ? graphInputs[0].params.shape : null) ?? null) as Shape | null;
  const grid = drawGrid(run.dataset, inputShape);
  const textModel = sequenceTask(ds) === "text";
  const [picked, setMode] = useState<"draw" | "text" | "samples" | "json" | "features" | null>(null);
  const mode = picked ?? (grid ? "draw" : textModel ? "text" : ds ? "samples" : "json");

  return (
    <div className="eval-grid">
      <section className="card" id="evaluate-model">
        <div className="card-head">
          <h3>Evaluate on the test set</h3>
          <button className="btn small" onClick={evaluate} disabled={busy} data-testid="evaluate">{busy ? "Evaluating…" : evalResult ? "Re-evaluate" : "Evaluate"}</button>
        </div>
        {evalResult ? (
          <>
            <table className="kv inline-kv"><tbody>{Object.entries(evalResult.metrics).map(([k, v]) => (<tr key={k}><th>{k}</th><td className="mono">{fmtMetric(v)}</td></tr>))}</tbody></table>
            {evalResult.confusion_matrix && <ConfusionMatrix matrix={evalResult.confusion_matrix} names={evalResult.class_names ?? ds?.target.class_names ?? null} />}
          </>
        ) : (
          <div className="dim small">{classes ? "Test metrics and a confusion matrix of the held-out test split." : "Test metrics on the held-out test split."}</div>
        )}
      </section>
      <section className="card" id="try-model">
        <div className="card-head">
          <h3>Try the model</h3>
          <div className="seg" role="tablist">
            {grid && <button role="tab" aria-selected={mode === "draw"} onClick={() => setMode("draw")} data-testid="try-draw">Draw</button>}
            {textModel && <button role="tab" aria-selected={mode === "text"} onClick={() => setMode("text")} data-testid="try-text">Text</button>}
            <button role="tab" aria-selected={mode === "samples"} onClick={() => setMode("samples")} data-testid="try-samples">Samples</button>
            <button role="tab" aria-selected={mode === "json"} onClick={() => setMode("json")}>JSON</button>
            <button role="tab" aria-selected={mode === "features"} onClick={() => setMode("features")} title="Features at a node: any layer's output" data-testid="try-features">Features</button>
          </div>
        </div>
        {mode === "draw" && grid && <DrawPredict run={run} grid={grid} classNames={ds?.target.class_names ?? null} />}
        {mode === "text" && <TextPredict run={run} ds={ds} />}
        {mode === "samples" && <SamplePredict run={run} ds={ds} shape={inputShape} classNames={ds?.target.class_names ?? null} />}
        {mode === "json" && <JsonPredict run={run} shape={inputShape} />}
        {mode === "features" && <NodeFeatures run={run} ds={ds} shape={inputShape} />}
      </section>
    </div>
  );
}

/** Digits-like inputs (1×H×W or H×W with small H, W) get a drawing pad. */
function drawGrid(dataset: string, shape: Shape | null): { rows: number; cols: number; layout: "chw" | "hw" | "flat" } | null {
  if (!shape) return dataset === "digits" ? { rows: 8, cols: 8, layout: "chw" } : null;
  if (shape.length === 3 && shape[0] === 1 && shape[1] && shape[2] && shape[1] <= 32 && shape[2] <= 32) return { rows: shape[1], cols: shape[2], layout: "chw" };
  if (shape.length === 2 && shape[0] && shape[1] && shape[0] <= 32 && dataset.includes("digit")) return { rows: shape[0], cols: shape[1], layout: "hw" };
  if (shape.length === 1 && shape[0] === 64 && dataset === "digits") return { rows: 8, cols: 8, layout: "flat" };
  return null;
}

function firstRow(outputs: unknown): number[] | null {
  let o = outputs;
  while (Array.isArray(o) && Array.isArray(o[0])) o = o[0];
  return Array.isArray(o) && o.every((v) => typeof v === "number") ? (o as number[]) : null;
}

function DrawPredict({ run, grid, classNames }: { run: RunPublic; grid: { rows: number; cols: number; layout: "chw" | "hw" | "flat" }; classNames: string[] | null }) {
  const [out, setOut] = useState<number[] | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const predict = async (g: number[][]) => {
    if (g.every((row) => row.every((v) => v === 0))) {
      setOut(null);
      return;
    }
    const sample = grid.layout === "chw" ? [g] : grid.layout === "hw" ? g : g.flat();
    try {
      const res = await api.predict(run.id, [sample]);
      setOut(firstRow(res.outputs));
      setErr(null);
    } catch (e) {
      setErr((e as Error).message);
    }
  };
  return (
    <div className="draw-predict">
      <div>
        <DrawPad rows={grid.rows} cols={grid.cols} onChange={(g) => void predict(g)} />
        <div className="dim small">Draw a digit; it is sent as {grid.layout === "chw" ? `1×${grid.rows}×${grid.cols}` : grid.layout === "hw" ? `${grid.rows}×${grid.cols}` : `${grid.rows * grid.cols}`} values in 0..1.</div>
      </div>
      <div className="grow">
        {err && <div className="callout bad">{err}</div>}
        {out ? <Probabilities values={out} names={classNames} /> : !err && <div className="dim small">The prediction appears here.</div>}
      </div>
    </div>
  );
}

function zeros(shape: Shape): unknown {
  if (!shape.length) return 0;
  const [n, ...rest] = shape;
  return Array.from({ length: n ?? 1 }, () => zeros(rest));
}

function JsonPredict({ run, shape }: { run: RunPublic; shape: Shape | null }) {
  const [text, setText] = useState(() => JSON.stringify(shape ? [zeros(shape)] : [[0]]));
  const [out, setOut] = useState<string | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const send = async () => {
    try {
      const res = await api.predict(run.id, JSON.parse(text));
      setOut(JSON.stringify(res.outputs, (_k, v) => (typeof v === "number" ? Number(v.toPrecision(4)) : v)));
      setErr(null);
    } catch (e) {
      setErr((e as Error).message);
    }
  };
  return (
    <div className="json-predict">
      <label className="field">
        <span className="field-label">Inputs (a batch{shape ? ` of ${fmtShape(shape)}` : ""})</span>
        <textarea rows={4} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} />
      </label>
      <button className="btn small" onClick={send}>Predict</button>
      {err && <div className="callout bad">{err}</div>}
      {out && <pre className="output">{out}</pre>}
    </div>
  );
}

const SAMPLE_PAGE = 16;

/** Samples of the run's data set exactly as training saw them (GET /api/datasets/{id}/samples):
 *  image thumbnails, or a list of rows with their labels for tables, sequences and texts. */
function SamplePredict({ run, ds, shape, classNames }: { run: RunPublic; ds: DatasetInfo | undefined; shape: Shape | null; classNames: string[] | null }) {
  const [split, setSplit] = useState<"test" | "train">("test");
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<DatasetSamples | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [chosen, setChosen] = useState<number | null>(null);
  const [out, setOut] = useState<number[] | null>(null);
  useEffect(() => {
    let stale = false;
    api.samples(run.dataset, split, offset, SAMPLE_PAGE).then(
      (p) => {
        if (stale) return;
        setPage(p);
        setChosen(null);
        setOut(null);
        setErr(null);
      },
      (e: Error) => !stale && setErr(e.message),
    );
    return () => {
      stale = true;
    };
  }, [run.dataset, split, offset]);
  const rank = shape?.length ?? ds?.input_shape.length ?? 1;
  const images = ds?.kind === "image" && (rank === 3 || rank === 2);
  const pick = async (i: number) => {
    if (!page) return;
    setChosen(i);
    setOut(null);
    try {
      const res = await api.predict(run.id, sampleBatch(page, i, rank));
      setOut(firstRow(res.outputs));
      setErr(null);
    } catch (e) {
      setErr((e as Error).message);
    }
  };
  if (err && !page) return <div className="callout bad">{err}</div>;
  if (!page) return <div className="dim small">Loading samples…</div>;
  const n = page.inputs.length && inputCount(page, rank) > 1 ? (page.inputs[0] as unknown[]).length : page.inputs.length;
  const sampleOf = (i: number) => (inputCount(page, rank) > 1 ? (page.inputs as unknown[][]).map((b) => b[i]) : page.inputs[i]);
  const values = page.target_kind === "values";
  return (
    <div className="sample-predict">
      <div className="sample-pager">
        <select value={split} onChange={(e) => { setSplit(e.target.value as "test" | "train"); setOffset(0); }} data-testid="sample-split" aria-label="Split">
          <option value="test">test split</option>
          <option value="train">training split</option>
        </select>
        <span className="dim small">{offset + 1}–{offset + n} of {page.total.toLocaleString()}</span>
        <span className="grow" />
        <button className="icon-btn" title="Previous samples" aria-label="Previous samples" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - SAMPLE_PAGE))}>‹</button>
        <button className="icon-btn" title="Next samples" aria-label="Next samples" disabled={offset + n >= page.total} onClick={() => setOffset(offset + SAMPLE_PAGE)} data-testid="samples-next">›</button>
      </div>
      <div className="draw-predict">
        {images ? (
          <div className="samples" data-testid="samples">
            {Array.from({ length: n }, (_x, i) => (
              <button key={offset + i} className={`sample${i === chosen ? " on" : ""}`} onClick={() => void pick(i)}
                title={`${page.split} #${offset + i}: ${trueLabel(page, i)}`} data-testid={`sample-${i}`}>
                <SampleThumb sample={sampleOf(i)} label={trueLabel(page, i)} />
              </button>
            ))}
          </div>
        ) : (
          <ol className="sample-list" data-testid="samples">
            {Array.from({ length: n }, (_x, i) => (
              <li key={offset + i}>
                <button className={`sample-row${i === chosen ? " on" : ""}`} onClick={() => void pick(i)} data-testid={`sample-${i}`}>
                  <span className="mono dim">#{offset + i}</span>
                  <span className="sample-label">{trueLabel(page, i)}</span>
                  {page.texts ? <span className="dim small sample-values" title={page.texts[i]}>{page.texts[i] || "(empty)"}</span>
                    : <span className="mono dim small sample-values">{valuesLine(sampleOf(i))}</span>}
                </button>
              </li>
            ))}
          </ol>
        )}
        <div className="grow" data-testid="sample-result" data-for={chosen ?? ""} data-done={out ? "yes" : "no"}>
          {err && <div className="callout bad">{err}</div>}
          {chosen !== null && <div className="small dim">True {values ? "value" : "label"}: <b className="truth" data-testid="true-label">{trueLabel(page, chosen)}</b></div>}
          {out ? (values ? (
            <div className="pred-top" data-testid="prediction">Prediction: <b data-testid="predicted-value">{valuesLine(out)}</b></div>
          ) : <Probabilities values={out} names={classNames} />) : !err && <div className="dim small">Pick a sample to see what the model says.</div>}
        </div>
      </div>
    </div>
  );
}

/** A (C, H, W) or (H, W) sample drawn pixel for pixel. */
function SampleThumb({ sample, label }: { sample: unknown; label: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const px = useMemo(() => imagePixels(sample), [sample]);
  useEffect(() => {
    const ctx = ref.current?.getContext("2d");
    if (ctx && px) ctx.putImageData(new ImageData(px.rgba, px.width, px.height), 0, 0);
  }, [px]);
  if (!px) return <span className="mono">{label}</span>;
  return <canvas ref={ref} width={px.width} height={px.height} role="img" aria-label={`label ${label}`} />;
}
