// The New-sweep dialog: the canvas's graph and the Train panel's settings as the base run, a
// search space over settings and node params, how to search it and what to optimise.
import { useEffect, useMemo, useState } from "react";
import { useCatalog } from "../api/catalog";
import { ApiError } from "../api/client";
import { $api } from "../api/query";
import { useGraph } from "../graph/store";
import { runRequest, useTrainSettings } from "../train/TrainPanel";
import { currentSettings } from "../train/settings/store";
import { Modal } from "../ui/Modal";
import { navigate } from "../ui/route";
import { sweepErrorsOf, type SweepErrors } from "./errors";
import { DIM_TYPES, nodeParamPaths, SETTING_PATHS, spaceOf, SpaceRowError, type DimType, type SpaceRow } from "./space";
import type { SweepCreate } from "./types";

const OBJECTIVES = ["val_loss", "val_accuracy", "loss", "accuracy"];
const newRow = (path = ""): SpaceRow => ({ path, type: path === "optimizer.learning_rate" ? "log_uniform" : "choice", values: "", low: "", high: "" });

export default function NewSweep({ onClose }: { onClose: () => void }) {
  const graphName = useGraph((g) => g.name);
  const nodeCount = useGraph((g) => g.nodes.length);
  const nodes = useGraph((g) => g.nodes);
  const settings = useTrainSettings();
  const datasets = useCatalog((c) => c.datasets);
  const byType = useCatalog((c) => c.byType);
  useEffect(() => void useCatalog.getState().loadDatasets(), []);
  const paths = useMemo(() => {
    const graph = { nodes: nodes.map((n) => ({ id: n.id, type: n.data.type, params: n.data.params })) };
    return [...SETTING_PATHS, ...nodeParamPaths(graph, (t) => (byType[t]?.defaults ?? {}) as Record<string, unknown>)];
  }, [nodes, byType]);

  const [name, setName] = useState("");
  const [rows, setRows] = useState<SpaceRow[]>([newRow("optimizer.learning_rate")]);
  const [algorithm, setAlgorithm] = useState<"grid" | "random">("random");
  const [maxTrials, setMaxTrials] = useState("10");
  const [parallelism, setParallelism] = useState("2");
  const [metric, setMetric] = useState("val_loss");
  const [mode, setMode] = useState<"min" | "max">("min");
  const [asha, setAsha] = useState(false);
  const [errors, setErrors] = useState<SweepErrors>({});
  const create = $api.useMutation("post", "/api/sweeps");

  const setRow = (i: number, patch: Partial<SpaceRow>) => {
    setRows((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));
    setErrors(({ [`row:${i}`]: _gone, form: _form, ...rest }) => rest);
  };
  const whole = (text: string, field: string, min: number): number | null => {
    if (text.trim() === "") return null;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new FieldError(field, `${field} must be a whole number ≥ ${min}.`);
    return n;
  };

  const submit = async () => {
    setErrors({});
    let body: SweepCreate;
    try {
      const ds = datasets?.find((d) => d.id === settings.dataset);
      const base = runRequest(currentSettings(), useGraph.getState().graph(), useGraph.getState().analysis?.outputs ?? [], ds);
      body = {
        ...(name.trim() ? { name: name.trim() } : {}),
        base: base as SweepCreate["base"],
        space: spaceOf(rows),
        algorithm,
        max_trials: whole(maxTrials, "max_trials", 1),
        parallelism: whole(parallelism, "parallelism", 1) ?? 2,
        seed: 0,
        objective: { metric: metric.trim() || "val_loss", mode },
        early_termination: asha ? { type: "asha", grace_epochs: 1, reduction_factor: 3 } : null,
      };
    } catch (err) {
      if (err instanceof SpaceRowError) setErrors({ [`row:${err.row}`]: err.message });
      else if (err instanceof FieldError) setErrors({ [err.field]: err.message });
      else setErrors({ form: (err as Error).message });
      return;
    }
    try {
      const made = await create.mutateAsync({ body });
      onClose();
      navigate({ page: "sweep", id: made.id });
    } catch (err) {
      setErrors(err instanceof ApiError && err.status === 422 ? sweepErrorsOf(err.detail, rows) : { form: (err as Error).message });
    }
  };

  const err = (key: string) => errors[key] && <span className="field-error" data-testid={`ns-error-${key.replace(":", "-")}`}>{errors[key]}</span>;
  return (
    <Modal title="New sweep" onClose={onClose} wide testid="new-sweep">
      <div className="new-sweep">
        <p className="dim small" data-testid="ns-base">
          Each trial trains the canvas's graph <b>{graphName || "untitled"}</b> ({nodeCount} nodes) with the Train panel's settings
          ({settings.dataset}, {settings.epochs} epochs, {settings.optimizer}), changing what the space below searches.
        </p>
        {err("base")}
        <label className="field">
          <span className="field-label">Name</span>
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder={`${graphName || "untitled"} sweep`} data-testid="ns-name" />
          {err("name")}
        </label>

        <div className="field">
          <span className="field-label">Search space</span>
          <datalist id="ns-paths">{paths.map((p) => <option key={p} value={p} />)}</datalist>
          {rows.map((r, i) => (
            <div key={i} className="ns-row" data-testid={`ns-row-${i}`}>
              <select value={paths.includes(r.path) ? r.path : ""} onChange={(e) => setRow(i, { path: e.target.value })} data-testid={`ns-path-${i}`}
                aria-invalid={!!errors[`row:${i}`]} aria-label="What to search">
                <option value="" disabled>choose…</option>
                {paths.map((p) => <option key={p} value={p}>{p}</option>)}
              </select>
              <select value={r.type} onChange={(e) => setRow(i, { type: e.target.value as DimType })} data-testid={`ns-type-${i}`} aria-label="Distribution">
                {DIM_TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
              </select>
              {r.type === "choice" ? (
                <input className="ns-values" value={r.values} onChange={(e) => setRow(i, { values: e.target.value })} placeholder="values, comma-separated"
                  data-testid={`ns-values-${i}`} aria-label="Values" />
              ) : (
                <>
                  <input className="ns-bound" value={r.low} onChange={(e) => setRow(i, { low: e.target.value })} placeholder="low" data-testid={`ns-low-${i}`} aria-label="Low" />
                  <input className="ns-bound" value={r.high} onChange={(e) => setRow(i, { high: e.target.value })} placeholder="high" data-testid={`ns-high-${i}`} aria-label="High" />
                </>
              )}
              <button className="btn ghost small" onClick={() => setRows((rs) => rs.filter((_, j) => j !== i))} aria-label="Remove this dimension"
                data-testid={`ns-remove-${i}`}>✕</button>
              {err(`row:${i}`)}
            </div>
          ))}
          <button className="btn small" onClick={() => setRows((rs) => [...rs, newRow()])} data-testid="ns-add-row">+ Dimension</button>
        </div>

        <div className="ns-grid">
          <label className="field">
            <span className="field-label">Algorithm</span>
            <select value={algorithm} onChange={(e) => setAlgorithm(e.target.value as "grid" | "random")} data-testid="ns-algorithm">
              <option value="random">random</option>
              <option value="grid">grid (choices only)</option>
            </select>
            {err("algorithm")}
          </label>
          <label className="field">
            <span className="field-label">Max trials</span>
            <input value={maxTrials} onChange={(e) => setMaxTrials(e.target.value)} inputMode="numeric" data-testid="ns-max-trials"
              placeholder={algorithm === "grid" ? "all of the grid" : "10"} aria-invalid={!!errors.max_trials} />
            {err("max_trials")}
          </label>
          <label className="field">
            <span className="field-label">Parallelism</span>
            <input value={parallelism} onChange={(e) => setParallelism(e.target.value)} inputMode="numeric" data-testid="ns-parallelism" aria-invalid={!!errors.parallelism} />
            {err("parallelism")}
          </label>
          <label className="field">
            <span className="field-label">Objective</span>
            <span className="ns-objective">
              <input list="ns-objectives" value={metric} onChange={(e) => setMetric(e.target.value)} data-testid="ns-metric" aria-invalid={!!errors.objective} />
              <datalist id="ns-objectives">{OBJECTIVES.map((o) => <option key={o} value={o} />)}</datalist>
              <select value={mode} onChange={(e) => setMode(e.target.value as "min" | "max")} data-testid="ns-mode" aria-label="Better is">
                <option value="min">min</option>
                <option value="max">max</option>
              </select>
            </span>
            {err("objective")}
          </label>
        </div>
        <label className="field inline">
          <span className="field-label">Stop poor trials early (ASHA: at epoch 1, 3, 9… keep the top third)</span>
          <input type="checkbox" checked={asha} onChange={(e) => setAsha(e.target.checked)} data-testid="ns-asha" />
        </label>
        {err("early_termination")}
        {err("form")}
        <div className="modal-actions">
          <button className="btn" onClick={onClose}>Cancel</button>
          <button className="btn primary" onClick={() => void submit()} disabled={create.isPending || nodeCount === 0} data-testid="ns-create">
            {create.isPending ? "Checking trials…" : "Start sweep"}
          </button>
        </div>
      </div>
    </Modal>
  );
}

class FieldError extends Error {
  constructor(public field: string, message: string) {
    super(message);
  }
}
