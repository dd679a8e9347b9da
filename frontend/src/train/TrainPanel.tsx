// Training settings beside the graph; Launch posts a run and opens its live view.
import { useEffect, useState } from "react";
import { create } from "zustand";
import { useShallow } from "zustand/react/shallow";
import { useCatalog } from "../api/catalog";
import { api, ApiError } from "../api/client";
import type { DatasetInfo, GraphJson, RunPublic, RunRequest, Shape } from "../api/types";
import { useGraph } from "../graph/store";
import { datasetInputs, datasetTargets, describeTarget, pairInputs } from "./datasetIO";
import { fmtShape } from "../ui/format";
import { Icon } from "../ui/Icon";
import { navigate } from "../ui/route";
import { toast } from "../ui/toast";

export const LOSSES = [
  "sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy",
  "mean_squared_error", "mean_absolute_error", "huber",
];
export const OPTIMIZERS = ["adam", "adamw", "sgd", "rmsprop", "adagrad", "adadelta", "adamax", "nadam"];
const DEFAULT_LR: Record<string, number> = { adam: 0.001, adamw: 0.001, sgd: 0.01, rmsprop: 0.001, adagrad: 0.001, adadelta: 1.0, adamax: 0.001, nadam: 0.001 };
const METRICS = ["accuracy", "top_k_categorical_accuracy", "mae", "mse"];

export interface TrainSettings {
  dataset: string;
  loss: string;
  optimizer: string;
  learningRate: string;
  momentum: string;
  weightDecay: string;
  metrics: string[];
  epochs: string;
  batchSize: string;
  validationSplit: string;
  device: string;
  seed: string;
  /** "Train further": the run whose model.pt the next run starts from (null: from scratch). */
  initFrom: { id: string; name: string } | null;
  /** With initFrom: load its weights by layer name (init_mode "by_name"); new or resized layers start fresh. */
  initByName: boolean;
  /** Several outputs: an output's own loss ("" = the loss above) and weight ("" = 1), by output id
   *  (Keras's compile(loss={…}, loss_weights={…})). */
  outputLosses: Record<string, string>;
  outputWeights: Record<string, string>;
}

export const useTrainSettings = create<TrainSettings & { set: (p: Partial<TrainSettings>) => void }>()((set) => ({
  dataset: "digits",
  loss: "sparse_categorical_crossentropy",
  optimizer: "adam",
  learningRate: "0.001",
  momentum: "0",
  weightDecay: "0",
  metrics: ["accuracy"],
  epochs: "10",
  batchSize: "32",
  validationSplit: "0.2",
  device: "auto",
  seed: "0",
  initFrom: null,
  initByName: false,
  outputLosses: {},
  outputWeights: {},
  set: (p) => set(p),
}));

/** Choosing a data set: its id, its suggested loss and a metric that fits its target (also used by
 *  the data page's "Use on canvas"). */
export function settingsForDataset(id: string, d: DatasetInfo | undefined): Partial<TrainSettings> {
  return {
    dataset: id,
    ...(d?.suggested_loss ? { loss: d.suggested_loss } : {}),
    ...(d && d.target.kind === "values" ? { metrics: ["mae"] } : d ? { metrics: ["accuracy"] } : {}),
  };
}

/** Runs whose model.pt can seed a new run: trained here (finished, or stopped after an epoch), or imported. */
export function canTrainFurther(run: { status: string; artifacts?: string[] | null }): boolean {
  // a stopped run keeps a completed epoch's weights (or nothing, when stopped in its first epoch)
  return ["succeeded", "imported", "cancelled"].includes(run.status) && (run.artifacts ?? []).includes("model.pt");
}

/** The train panel's settings for "Train further" from a run: start from its weights, on its data
 *  set when that is known, with the settings it trained with (an imported model has none of its
 *  own: the data set's suggested loss and metric). */
export function trainFurtherSettings(run: RunPublic, datasets: DatasetInfo[] | null): Partial<TrainSettings> {
  const initFrom = { id: run.id, name: run.name };
  const d = datasets?.find((x) => x.id === run.dataset);
  const base = d ? settingsForDataset(d.id, d) : {};
  const r = run.request;
  if ((run.status !== "succeeded" && run.status !== "cancelled") || !r) return { ...base, initFrom };
  const opt = r.optimizer;
  return {
    ...base,
    ...(r.loss ? { loss: r.loss } : {}),
    ...(r.metrics?.length ? { metrics: [...r.metrics] } : {}),
    ...(opt ? { optimizer: opt.type, learningRate: String(opt.learning_rate ?? DEFAULT_LR[opt.type] ?? 0.001),
      momentum: String(opt.momentum ?? 0), weightDecay: String(opt.weight_decay ?? 0) } : {}),
    ...(r.epochs ? { epochs: String(r.epochs) } : {}),
    ...(r.batch_size ? { batchSize: String(r.batch_size) } : {}),
    ...(r.validation_split != null ? { validationSplit: String(r.validation_split) } : {}),
    initFrom,
  };
}

type Check = { value: number | null; error: string | null };
function num(text: string, label: string, opts: { int?: boolean; min?: number; max?: number; gt?: number; lt?: number; optional?: boolean }): Check {
  const t = text.trim();
  if (t === "") return opts.optional ? { value: null, error: null } : { value: null, error: `${label} is required.` };
  const v = Number(t);
  if (!Number.isFinite(v)) return { value: null, error: `${label} must be a number.` };
  if (opts.int && !Number.isInteger(v)) return { value: null, error: `${label} must be a whole number.` };
  if (opts.min !== undefined && v < opts.min) return { value: null, error: `${label} must be at least ${opts.min}.` };
  if (opts.max !== undefined && v > opts.max) return { value: null, error: `${label} must be at most ${opts.max}.` };
  if (opts.gt !== undefined && v <= opts.gt) return { value: null, error: `${label} must be greater than ${opts.gt}.` };
  if (opts.lt !== undefined && v >= opts.lt) return { value: null, error: `${label} must be less than ${opts.lt}.` };
  return { value: v, error: null };
}

export function checkSettings(s: TrainSettings) {
  return {
    learningRate: num(s.learningRate, "Learning rate", { gt: 0, optional: true }),
    momentum: num(s.momentum, "Momentum", { min: 0, lt: 1 }),
    weightDecay: num(s.weightDecay, "Weight decay", { min: 0 }),
    epochs: num(s.epochs, "Epochs", { int: true, min: 1, max: 10000 }),
    batchSize: num(s.batchSize, "Batch size", { int: true, min: 1, max: 65536 }),
    validationSplit: num(s.validationSplit, "Validation split", { min: 0, lt: 1 }),
    seed: num(s.seed, "Seed", { int: true, min: 0, optional: true }),
  };
}

/** Per-output weights that are set must be numbers ≥ 0; the first problem, or null. */
export function outputWeightError(s: TrainSettings, outputs: string[]): string | null {
  for (const o of outputs) {
    const t = (s.outputWeights[o] ?? "").trim();
    if (t === "") continue;
    const v = Number(t);
    if (!Number.isFinite(v) || v < 0) return `Loss weight of '${o}' must be a number ≥ 0.`;
  }
  return null;
}

/** losses / loss_weights of the request: only outputs of the graph, only what differs from the default. */
export function perOutputRequest(s: TrainSettings, outputs: string[]): Pick<RunRequest, "losses" | "loss_weights"> {
  if (outputs.length < 2) return {};
  const losses: Record<string, string> = {};
  const weights: Record<string, number> = {};
  for (const o of outputs) {
    const l = s.outputLosses[o];
    if (l && l !== s.loss) losses[o] = l;
    const w = (s.outputWeights[o] ?? "").trim();
    if (w !== "" && Number(w) !== 1) weights[o] = Number(w);
  }
  return {
    ...(Object.keys(losses).length ? { losses: losses as RunRequest["losses"] } : {}),
    ...(Object.keys(weights).length ? { loss_weights: weights } : {}),
  };
}

/** The POST /api/runs body for the settings and the graph on the canvas (settings already checked). */
export function runRequest(s: TrainSettings, g: GraphJson, outputs: string[] = []): RunRequest {
  const checks = checkSettings(s);
  return {
    ...perOutputRequest(s, outputs),
    graph: g,
    name: g.name,
    dataset: s.dataset,
    loss: s.loss as NonNullable<RunRequest["loss"]>,
    optimizer: {
      type: s.optimizer as NonNullable<RunRequest["optimizer"]>["type"],
      learning_rate: checks.learningRate.value,
      ...(["sgd", "rmsprop"].includes(s.optimizer) ? { momentum: checks.momentum.value ?? 0 } : {}),
      weight_decay: checks.weightDecay.value ?? 0,
    },
    metrics: s.metrics as NonNullable<RunRequest["metrics"]>,
    epochs: checks.epochs.value!,
    batch_size: checks.batchSize.value!,
    validation_split: checks.validationSplit.value!,
    device: s.device as NonNullable<RunRequest["device"]>,
    seed: checks.seed.value,
    ...(s.initFrom ? { init_from_run: s.initFrom.id } : {}),
    ...(s.initFrom && s.initByName ? { init_mode: "by_name" as const } : {}),
  };
}

const sameShape = (a: Shape | undefined, b: Shape) => !!a && a.length === b.length && a.every((d, i) => d === b[i]);

export default function TrainPanel() {
  const s = useTrainSettings();
  const datasets = useCatalog((c) => c.datasets);
  const datasetsError = useCatalog((c) => c.datasetsError);
  const analysis = useGraph((g) => g.analysis);
  const inputs = useGraph(useShallow((g) => g.nodes.filter((n) => n.data.type === "Input")));
  const nodeCount = useGraph((g) => g.nodes.length);
  const [launching, setLaunching] = useState(false);
  const [launchError, setLaunchError] = useState<string | null>(null);

  useEffect(() => void useCatalog.getState().loadDatasets(), []);
  const ds: DatasetInfo | undefined = datasets?.find((d) => d.id === s.dataset);

  const pickDataset = (id: string) => s.set(settingsForDataset(id, datasets?.find((x) => x.id === id)));
  const pickOptimizer = (o: string) => s.set({ optimizer: o, learningRate: String(DEFAULT_LR[o] ?? 0.001) });

  const checks = checkSettings(s);
  const outputs = analysis?.outputs ?? [];
  const weightError = outputWeightError(s, outputs);
  const formErrors = [...Object.values(checks).map((c) => c.error), weightError].filter(Boolean) as string[];
  const dsInputs = ds ? datasetInputs(ds) : [];
  const pairs = ds ? pairInputs(inputs.map((n) => ({ id: n.id, shape: n.data.params.shape as Shape | undefined })), dsInputs) : null;
  const inputMismatch = ds && inputs.length === 1 && !sameShape(inputs[0].data.params.shape as Shape | undefined, ds.input_shape);
  // Several inputs: each Input node with the data set input that does not fit it (by name, else in order).
  const misfits = ds && dsInputs.length > 1 ? (pairs ?? []).filter((p) => !p.fits) : [];
  const countMismatch = ds && dsInputs.length > 1 && inputs.length > 0 && pairs === null;
  const graphProblems = analysis?.problems.length ?? 0;
  const blocked = !nodeCount ? "Build a graph first." : graphProblems ? `Fix the graph's ${graphProblems} problem${graphProblems > 1 ? "s" : ""} first.` : !analysis ? "Checking the graph…" : formErrors[0] ?? null;

  const applyInputShape = () => {
    if (!ds || inputs.length !== 1) return;
    const node = inputs[0];
    useGraph.getState().updateParams(node.id, { ...node.data.params, shape: [...ds.input_shape] });
  };

  const launch = async () => {
    setLaunching(true);
    setLaunchError(null);
    try {
      const req = runRequest(useTrainSettings.getState(), useGraph.getState().graph(), outputs);
      const run = await api.launch(req);
      toast(s.initFrom ? `Run started from ${s.initFrom.name}'s weights` : `Run started on ${ds?.name ?? s.dataset}`, "good");
      s.set({ initFrom: null, initByName: false });
      navigate({ page: "run", id: run.id });
    } catch (err) {
      const message = err instanceof ApiError ? err.message : `Could not start: ${(err as Error).message}`;
      setLaunchError(message);
      toast(message, "error");
    } finally {
      setLaunching(false);
    }
  };

  const field = (label: string, key: keyof TrainSettings, check?: Check, hint?: string) => (
    <label className="field">
      <span className="field-label">{label}</span>
      <input value={s[key] as string} onChange={(e) => s.set({ [key]: e.target.value })}
        className={check?.error ? "invalid" : undefined} data-testid={`train-${key}`} inputMode="decimal" />
      {check?.error ? <span className="field-error">{check.error}</span> : hint ? <span className="field-hint">{hint}</span> : null}
    </label>
  );

  return (
    <div className="train-panel" data-testid="train-panel">
      {s.initFrom && (
        <div className="callout good init-from" data-testid="init-from">
          <Icon name="redo" />
          <span className="grow">Starting from run <b>{s.initFrom.name}</b>'s weights.{" "}
            {s.initByName ? "Layers with its names and shapes load; new or resized ones start fresh." : "Layers must keep their shapes."}
            <label className="init-by-name" title="As Keras's load_weights(by_name=True, skip_mismatch=True): for a new head">
              <input type="checkbox" checked={s.initByName} onChange={(e) => s.set({ initByName: e.target.checked })}
                data-testid="init-by-name" /> Match layers by name
            </label>
          </span>
          <button className="icon-btn" title="Train from scratch instead" aria-label="Train from scratch instead"
            onClick={() => s.set({ initFrom: null })} data-testid="init-from-clear"><Icon name="close" /></button>
        </div>
      )}
      <div className="panel-sub first">Data</div>
      <label className="field">
        <span className="field-label">Data set</span>
        <select value={s.dataset} onChange={(e) => pickDataset(e.target.value)} data-testid="train-dataset">
          {!datasets && <option value={s.dataset}>{s.dataset}</option>}
          {datasets?.map((d) => (<option key={d.id} value={d.id}>{d.name}</option>))}
        </select>
        {datasetsError && <span className="field-error">Could not load data sets: {datasetsError}</span>}
      </label>
      {ds && (
        <div className="ds-card">
          {dsInputs.length === 1 ? (
            <div><span className="k">Input</span><span className="mono">{fmtShape(ds.input_shape)}</span></div>
          ) : dsInputs.map((i) => (
            <div key={i.name} data-testid="ds-input"><span className="k">Input {i.name}</span><span className="mono">{fmtShape(i.shape)}{i.dtype === "int64" ? " ids" : ""}</span></div>
          ))}
          {datasetTargets(ds).map((t, _k, all) => (
            <div key={t.name}><span className="k">{all.length > 1 ? `Target ${t.name}` : "Target"}</span><span data-testid="ds-target">{describeTarget(t)}</span></div>
          ))}
          <div><span className="k">Samples</span><span>{ds.sizes.train.toLocaleString()} train · {ds.sizes.validation.toLocaleString()} val · {ds.sizes.test.toLocaleString()} test</span></div>
          {ds.description && <p className="dim">{ds.description}</p>}
        </div>
      )}
      {inputMismatch && (
        <div className="callout warn">
          <span>Input <b>{inputs[0].data.name ?? inputs[0].id}</b> takes {fmtShape(inputs[0].data.params.shape as Shape)}; {ds!.name} gives {fmtShape(ds!.input_shape)}.</span>
          <button className="btn small" onClick={applyInputShape} data-testid="apply-input-shape">Use {fmtShape(ds!.input_shape)}</button>
        </div>
      )}

      {countMismatch && (
        <div className="callout warn" data-testid="inputs-count-mismatch">
          <span>The graph has {inputs.length} Input layer{inputs.length > 1 ? "s" : ""}; {ds!.name} gives {dsInputs.length} inputs ({dsInputs.map((i) => i.name).join(", ")}): use one Input per data set input, with those names as their ids.</span>
        </div>
      )}
      {misfits.map((p) => (
        <div className="callout warn" key={p.node} data-testid="input-misfit">
          <span>Input <b>{p.node}</b> takes {fmtShape(inputs.find((n) => n.id === p.node)?.data.params.shape as Shape)}; {ds!.name}'s input {p.input.name} gives {fmtShape(p.input.shape)}.</span>
          <button className="btn small" onClick={() => {
            const node = inputs.find((n) => n.id === p.node);
            if (node) useGraph.getState().updateParams(node.id, { ...node.data.params, shape: [...p.input.shape] });
          }}>Use {fmtShape(p.input.shape)}</button>
        </div>
      ))}

      <div className="panel-sub">Objective</div>
      <label className="field">
        <span className="field-label">Loss</span>
        <select value={s.loss} onChange={(e) => s.set({ loss: e.target.value })} data-testid="train-loss">
          {LOSSES.map((l) => (<option key={l} value={l}>{l}</option>))}
        </select>
        {ds?.suggested_loss && (s.loss === ds.suggested_loss ? (
          <span className="field-hint">Suggested for {ds.name}.</span>
        ) : (
          <span className="field-hint">
            {ds.name} suggests {ds.suggested_loss}.{" "}
            <button className="link-btn" onClick={() => s.set({ loss: ds.suggested_loss })}>Use it</button>
          </span>
        ))}
      </label>
      {outputs.length > 1 && (
        <div className="field per-output" data-testid="per-output-losses">
          <span className="field-label">Per output <span className="dim">(Keras's loss and loss_weights dicts)</span></span>
          {outputs.map((o) => (
            <div className="per-output-row" key={o}>
              <span className="mono grow">{o}</span>
              <select value={s.outputLosses[o] ?? ""} aria-label={`Loss of ${o}`} data-testid={`output-loss-${o}`}
                onChange={(e) => s.set({ outputLosses: { ...s.outputLosses, [o]: e.target.value } })}>
                <option value="">{s.loss} (above)</option>
                {LOSSES.filter((l) => l !== s.loss).map((l) => (<option key={l} value={l}>{l}</option>))}
              </select>
              <input className="weight" value={s.outputWeights[o] ?? ""} placeholder="1" aria-label={`Loss weight of ${o}`}
                inputMode="decimal" data-testid={`output-weight-${o}`}
                onChange={(e) => s.set({ outputWeights: { ...s.outputWeights, [o]: e.target.value } })} />
            </div>
          ))}
          {weightError && <span className="field-error">{weightError}</span>}
        </div>
      )}
      <div className="field">
        <span className="field-label">Metrics</span>
        <div className="chips">
          {METRICS.map((m) => (
            <button key={m} className={`chip${s.metrics.includes(m) ? " on" : ""}`} aria-pressed={s.metrics.includes(m)}
              onClick={() => s.set({ metrics: s.metrics.includes(m) ? s.metrics.filter((x) => x !== m) : [...s.metrics, m] })}>
              {m.replace("_categorical_accuracy", "")}
            </button>
          ))}
        </div>
      </div>

      <div className="panel-sub">Optimizer</div>
      <div className="row2">
        <label className="field">
          <span className="field-label">Optimizer</span>
          <select value={s.optimizer} onChange={(e) => pickOptimizer(e.target.value)} data-testid="train-optimizer">
            {OPTIMIZERS.map((o) => (<option key={o} value={o}>{o}</option>))}
          </select>
        </label>
        {field("Learning rate", "learningRate", checks.learningRate)}
      </div>
      <div className="row2">
        {["sgd", "rmsprop"].includes(s.optimizer) && field("Momentum", "momentum", checks.momentum)}
        {field("Weight decay", "weightDecay", checks.weightDecay)}
      </div>

      <div className="panel-sub">Schedule</div>
      <div className="row2">
        {field("Epochs", "epochs", checks.epochs)}
        {field("Batch size", "batchSize", checks.batchSize)}
      </div>
      <div className="row2">
        {field("Validation split", "validationSplit", checks.validationSplit)}
        {field("Seed", "seed", checks.seed, "empty: random")}
      </div>
      <label className="field">
        <span className="field-label">Device</span>
        <select value={s.device} onChange={(e) => s.set({ device: e.target.value })} data-testid="train-device">
          {["auto", "cpu", "cuda", "mps"].map((d) => (<option key={d} value={d}>{d}</option>))}
        </select>
      </label>

      <div className="launch">
        {blocked && <div className="dim small">{blocked}</div>}
        {launchError && !blocked && <div className="callout bad" data-testid="launch-error">{launchError}</div>}
        <button className="btn primary wide" disabled={!!blocked || launching} onClick={launch} data-testid="launch">
          <Icon name="play" /> {launching ? "Starting…" : s.initFrom ? "Train further" : "Train"}
        </button>
      </div>
    </div>
  );
}
