// Training settings beside the graph, grouped as Keras's compile and fit (train/settings/); Launch
// posts a run and opens its live view, or puts the server's 422 on the fields it names.
import { useEffect, useRef, useState } from "react";
import { useShallow } from "zustand/react/shallow";
import { useCatalog } from "../api/catalog";
import { api, ApiError } from "../api/client";
import type { DatasetInfo, Shape } from "../api/types";
import { applyShapeFix, shapeFixFor } from "../graph/shapeFix";
import { useGraph } from "../graph/store";
import { datasetInputs, datasetTargets, describeTarget, pairInputs } from "./datasetIO";
import { checkSettings, classWeightError, outputWeightError } from "./settings/checks";
import CompileGroup from "./settings/CompileGroup";
import { fieldErrorsOf, type FieldErrors, type FieldKey } from "./settings/fieldErrors";
import type { FieldCtx } from "./settings/fields";
import FitGroup from "./settings/FitGroup";
import { settingsForDataset } from "./settings/fromRun";
import { runRequest } from "./settings/runRequest";
import { currentSettings, useTrainSettings, type TrainSettings } from "./settings/store";
import "./settings/settings.css";
import { fmtShape } from "../ui/format";
import { Icon } from "../ui/Icon";
import { navigate } from "../ui/route";
import { toast } from "../ui/toast";

// The panel's settings and request, used across the app by these names.
export { DEFAULT_LR, LOSSES, OPTIMIZERS, useTrainSettings, type TrainSettings } from "./settings/store";
export { checkSettings, outputWeightError } from "./settings/checks";
export { canTrainFurther, settingsForDataset, trainFurtherSettings } from "./settings/fromRun";
export { perOutputRequest, runRequest } from "./settings/runRequest";

const sameShape = (a: Shape | undefined, b: Shape) => !!a && a.length === b.length && a.every((d, i) => d === b[i]);

/** Why Train is disabled, or null: no graph, the graph's problems (a budget one names its node and
 *  the way out), still checking, or the first field error. */
export function blockedReason(nodeCount: number, problems: { message: string }[] | null, formErrors: string[]): string | null {
  if (!nodeCount) return "Build a graph first.";
  if (problems === null) return "Checking the graph…";
  if (problems.length === 1) return `Fix the graph first: ${problems[0].message}`;
  if (problems.length > 1) return `Fix the graph's ${problems.length} problems first: ${problems[0].message}`;
  return formErrors[0] ?? null;
}

export default function TrainPanel() {
  const s = useTrainSettings();
  const datasets = useCatalog((c) => c.datasets);
  const datasetsError = useCatalog((c) => c.datasetsError);
  const analysis = useGraph((g) => g.analysis);
  const inputs = useGraph(useShallow((g) => g.nodes.filter((n) => n.data.type === "Input")));
  const nodeCount = useGraph((g) => g.nodes.length);
  const [launching, setLaunching] = useState(false);
  const [serverErrors, setServerErrors] = useState<FieldErrors>({});
  const [refusals, setRefusals] = useState(0);
  const panel = useRef<HTMLDivElement>(null);

  useEffect(() => void useCatalog.getState().loadDatasets(), []);
  // After a refused launch, the first field the server named comes into view (its group opened itself).
  useEffect(() => {
    if (refusals) panel.current?.querySelector('[aria-invalid="true"]')?.scrollIntoView({ block: "center", behavior: "smooth" });
  }, [refusals]);
  const ds: DatasetInfo | undefined = datasets?.find((d) => d.id === s.dataset);

  // another data set has other classes: per-class metrics and weights do not carry over
  const pickDataset = (id: string) => set({
    ...settingsForDataset(id, datasets?.find((x) => x.id === id)),
    classMetrics: [], classWeights: {}, ...(s.classWeightMode === "table" ? { classWeightMode: "none" as const } : {}),
  });
  // a change clears what the server said of that field
  const set = (p: Partial<TrainSettings>) => {
    s.set(p);
    const changed = Object.keys(p) as FieldKey[];
    if (changed.some((k) => serverErrors[k]) || serverErrors.form) {
      setServerErrors((e) => Object.fromEntries(Object.entries(e).filter(([k]) => k !== "form" && !changed.includes(k as FieldKey))));
    }
  };

  const checks = checkSettings(s, ds);
  const outputs = analysis?.outputs ?? [];
  const formErrors = [...Object.values(checks).map((c) => c.error), outputWeightError(s, outputs), classWeightError(s)]
    .filter(Boolean) as string[];
  const ctx: FieldCtx = { s, set, checks, errors: serverErrors };
  const dsInputs = ds ? datasetInputs(ds) : [];
  const pairs = ds ? pairInputs(inputs.map((n) => ({ id: n.id, shape: n.data.params.shape as Shape | undefined })), dsInputs) : null;
  const inputMismatch = ds && inputs.length === 1 && !sameShape(inputs[0].data.params.shape as Shape | undefined, ds.input_shape);
  const fix = inputMismatch ? shapeFixFor(inputs[0].id, ds.input_shape) : null;
  // Several inputs: each Input node with the data set input that does not fit it (by name, else in order).
  const misfits = ds && dsInputs.length > 1 ? (pairs ?? []).filter((p) => !p.fits) : [];
  const countMismatch = ds && dsInputs.length > 1 && inputs.length > 0 && pairs === null;
  const blocked = blockedReason(nodeCount, analysis ? analysis.problems : null, formErrors);

  const launch = async () => {
    setLaunching(true);
    setServerErrors({});
    try {
      const req = runRequest(currentSettings(), useGraph.getState().graph(), outputs, ds);
      const run = await api.launch(req);
      toast(s.initFrom ? `Run started from ${s.initFrom.name}'s weights` : `Run started on ${ds?.name ?? s.dataset}`, "good");
      s.set({ initFrom: null, initByName: false });
      navigate({ page: "run", id: run.id });
    } catch (err) {
      const errors: FieldErrors = err instanceof ApiError && err.status === 422
        ? fieldErrorsOf(err.detail)
        : { form: err instanceof ApiError ? err.message : `Could not start: ${(err as Error).message}` };
      setServerErrors(errors);
      setRefusals((n) => n + 1);
      const onFields = Object.keys(errors).filter((k) => k !== "form").length;
      toast(errors.form ?? `The run was refused: see the ${onFields > 1 ? `${onFields} marked fields` : "marked field"}.`, "error");
    } finally {
      setLaunching(false);
    }
  };

  return (
    <div className="train-panel" data-testid="train-panel" ref={panel}>
      {s.initFrom && (
        <div className="callout good init-from" data-testid="init-from">
          <Icon name="redo" />
          <span className="grow">Starting from run <b>{s.initFrom.name}</b>'s weights.{" "}
            {s.initByName ? "Layers with its names and shapes load; new or resized ones start fresh." : "Layers must keep their shapes."}
            <label className="init-by-name" title="As Keras's load_weights(by_name=True, skip_mismatch=True): for a new head">
              <input type="checkbox" checked={s.initByName} onChange={(e) => set({ initByName: e.target.checked })}
                data-testid="init-by-name" /> Match layers by name
            </label>
          </span>
          <button className="icon-btn" title="Train from scratch instead" aria-label="Train from scratch instead"
            onClick={() => set({ initFrom: null })} data-testid="init-from-clear"><Icon name="close" /></button>
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
        {serverErrors.dataset && <span className="field-error">{serverErrors.dataset}</span>}
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
          <span>Input <b>{inputs[0].data.name ?? inputs[0].id}</b> takes {fmtShape(inputs[0].data.params.shape as Shape)}; {ds.name} gives {fmtShape(ds.input_shape)}.
            {fix?.kind === "insert-flatten" && " A Flatten after it keeps the Dense layers working."}</span>
          <button className="btn small" onClick={() => applyShapeFix(inputs[0].id, ds.input_shape)} data-testid="apply-input-shape">
            Use {fmtShape(ds.input_shape)}{fix?.kind === "insert-flatten" ? " + Flatten" : ""}
          </button>
        </div>
      )}

      {countMismatch && (
        <div className="callout warn" data-testid="inputs-count-mismatch">
          <span>The graph has {inputs.length} Input layer{inputs.length > 1 ? "s" : ""}; {ds.name} gives {dsInputs.length} inputs ({dsInputs.map((i) => i.name).join(", ")}): use one Input per data set input, with those names as their ids.</span>
        </div>
      )}
      {misfits.map((p) => (
        <div className="callout warn" key={p.node} data-testid="input-misfit">
          <span>Input <b>{p.node}</b> takes {fmtShape(inputs.find((n) => n.id === p.node)?.data.params.shape as Shape)}; {ds!.name}'s input {p.input.name} gives {fmtShape(p.input.shape)}.</span>
          <button className="btn small" onClick={() => applyShapeFix(p.node, p.input.shape)}>Use {fmtShape(p.input.shape)}</button>
        </div>
      ))}

      <CompileGroup ctx={ctx} ds={ds} outputs={outputs} />
      <FitGroup ctx={ctx} ds={ds} outputs={outputs} />

      <div className="launch">
        {blocked && <div className="launch-reason" data-testid="launch-blocked">{blocked}</div>}
        {serverErrors.form && !blocked && <div className="callout bad" data-testid="launch-error">{serverErrors.form}</div>}
        <button className="btn primary wide" disabled={!!blocked || launching} onClick={launch} data-testid="launch"
          title={blocked ?? undefined}>
          <Icon name="play" /> {launching ? "Starting…" : s.initFrom ? "Train further" : "Train"}
        </button>
      </div>
    </div>
  );
}
