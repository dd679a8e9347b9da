// The "Compile" group: Keras's model.compile(loss, optimizer, metrics), per-output losses.
import type { DatasetInfo } from "../../api/types";
import { outputWeightError } from "./checks";
import { errorOf, Group, NumField, SelectField, Toggle, type FieldCtx } from "./fields";
import { useState } from "react";
import { CLASS_METRICS, classMetricName, DEFAULT_LR, LOSSES, METRICS, OPTIMIZER_FIELDS, OPTIMIZERS, type ClassMetric } from "./store";

const COMPILE_FIELDS = ["loss", "fromLogits", "outputLosses", "outputWeights", "metrics", "optimizer", "learningRate",
  "momentum", "nesterov", "rho", "beta1", "beta2", "epsilon", "weightDecay", "clipnorm", "clipvalue"] as const;

/** Precision or recall of one class (Keras's class_id), each its own history key. */
function PerClassMetrics({ ctx, classes, names }: { ctx: FieldCtx; classes: number; names: string[] | null }) {
  const { s, set } = ctx;
  const [type, setType] = useState<ClassMetric["type"]>("precision");
  const [classId, setClassId] = useState(0);
  const has = (m: ClassMetric) => s.classMetrics.some((x) => x.type === m.type && x.class_id === m.class_id);
  const pick = { type, class_id: Math.min(classId, classes - 1) };
  return (
    <div className="per-class-metrics" data-testid="per-class-metrics">
      <div className="per-class-row">
        <span className="dim small">Per class <code className="keras-name">class_id</code></span>
        <select value={type} onChange={(e) => setType(e.target.value as ClassMetric["type"])} aria-label="Per-class metric"
          data-testid="class-metric-type">
          {CLASS_METRICS.map((m) => (<option key={m} value={m}>{m}</option>))}
        </select>
        <select value={pick.class_id} onChange={(e) => setClassId(Number(e.target.value))} aria-label="Class" data-testid="class-metric-class">
          {Array.from({ length: classes }, (_, i) => (<option key={i} value={i}>{names?.[i] && names[i] !== String(i) ? `${i} ${names[i]}` : `class ${i}`}</option>))}
        </select>
        <button type="button" className="btn small" disabled={has(pick)} data-testid="class-metric-add"
          onClick={() => set({ classMetrics: [...s.classMetrics, pick] })}>Add</button>
      </div>
      {s.classMetrics.length > 0 && (
        <div className="chips">
          {s.classMetrics.map((m) => (
            <button key={classMetricName(m)} className="chip on" title="Remove" data-testid={`metric-${classMetricName(m)}`}
              onClick={() => set({ classMetrics: s.classMetrics.filter((x) => x !== m) })}>
              {m.type}(class_id={m.class_id}) ×
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

export default function CompileGroup({ ctx, ds, outputs }: { ctx: FieldCtx; ds: DatasetInfo | undefined; outputs: string[] }) {
  const { s, set } = ctx;
  const applies = OPTIMIZER_FIELDS[s.optimizer] ?? [];
  const weightError = outputWeightError(s, outputs) ?? ctx.errors.outputWeights ?? ctx.errors.outputLosses ?? null;
  const errorCount = COMPILE_FIELDS.filter((k) => errorOf(ctx, k)).length + (outputWeightError(s, outputs) ? 1 : 0);
  const pickOptimizer = (o: string) => set({ optimizer: o, learningRate: String(DEFAULT_LR[o] ?? 0.001) });
  const toggleMetric = (m: string) => set({ metrics: s.metrics.includes(m) ? s.metrics.filter((x) => x !== m) : [...s.metrics, m] });

  return (
    <Group title="Compile" keras="model.compile(…)" testid="group-compile" errorCount={errorCount}>
      <SelectField ctx={ctx} k="loss" label="Loss" keras="loss" options={LOSSES}
        hint={ds?.suggested_loss && (s.loss === ds.suggested_loss ? `Suggested for ${ds.name}.` : (
          <>{ds.name} suggests {ds.suggested_loss}.{" "}
            <button className="link-btn" onClick={() => set({ loss: ds.suggested_loss })}>Use it</button></>
        ))} />
      <Toggle ctx={ctx} k="fromLogits" label="Outputs are logits" keras="from_logits"
        hint="On when the last layer has no softmax/sigmoid." />
      {outputs.length > 1 && (
        <div className="field per-output" data-testid="per-output-losses">
          <span className="field-label">Per output <code className="keras-name">loss={"{…}"}, loss_weights={"{…}"}</code></span>
          {outputs.map((o) => (
            <div className="per-output-row" key={o}>
              <span className="mono grow">{o}</span>
              <select value={s.outputLosses[o] ?? ""} aria-label={`Loss of ${o}`} data-testid={`output-loss-${o}`}
                onChange={(e) => set({ outputLosses: { ...s.outputLosses, [o]: e.target.value } })}>
                <option value="">{s.loss} (above)</option>
                {LOSSES.filter((l) => l !== s.loss).map((l) => (<option key={l} value={l}>{l}</option>))}
              </select>
              <input className="weight" value={s.outputWeights[o] ?? ""} placeholder="1" aria-label={`Loss weight of ${o}`}
                inputMode="decimal" data-testid={`output-weight-${o}`}
                onChange={(e) => set({ outputWeights: { ...s.outputWeights, [o]: e.target.value } })} />
            </div>
          ))}
          {weightError && <span className="field-error">{weightError}</span>}
        </div>
      )}
      <div className="field">
        <span className="field-label">Metrics<code className="keras-name">metrics</code></span>
        <div className="chips" data-testid="train-metrics">
          {METRICS.map((m) => (
            <button key={m} className={`chip${s.metrics.includes(m) ? " on" : ""}`} aria-pressed={s.metrics.includes(m)}
              onClick={() => toggleMetric(m)} data-testid={`metric-${m}`}>
              {m.replace("_categorical_accuracy", "")}
            </button>
          ))}
        </div>
        {ds?.target.kind === "classes" && !!ds.target.num_classes && (
          <PerClassMetrics ctx={ctx} classes={ds.target.num_classes} names={ds.target.class_names ?? null} />
        )}
        {ctx.errors.metrics && <span className="field-error">{ctx.errors.metrics}</span>}
      </div>

      <div className="row2">
        <SelectField ctx={ctx} k="optimizer" label="Optimizer" keras="optimizer" options={OPTIMIZERS} onPick={pickOptimizer} />
        <NumField ctx={ctx} k="learningRate" label="Learning rate" keras="learning_rate"
          hint={`empty: ${DEFAULT_LR[s.optimizer] ?? 0.001}`} />
      </div>
      <div className="row2">
        {applies.includes("momentum") && <NumField ctx={ctx} k="momentum" label="Momentum" keras="momentum" />}
        {applies.includes("rho") && <NumField ctx={ctx} k="rho" label="Rho" keras="rho"
          hint={s.optimizer === "adadelta" && s.rho.trim() === "0.9" ? "Adadelta uses 0.95 at 0.9" : undefined} />}
        {applies.includes("beta1") && <NumField ctx={ctx} k="beta1" label="Beta 1" keras="beta_1" />}
        {applies.includes("beta2") && <NumField ctx={ctx} k="beta2" label="Beta 2" keras="beta_2" />}
      </div>
      {applies.includes("nesterov") && <Toggle ctx={ctx} k="nesterov" label="Nesterov momentum" keras="nesterov" />}
      <div className="row2">
        <NumField ctx={ctx} k="epsilon" label="Epsilon" keras="epsilon" />
        <NumField ctx={ctx} k="weightDecay" label="Weight decay" keras="weight_decay" />
      </div>
      <div className="row2">
        <NumField ctx={ctx} k="clipnorm" label="Clip norm" keras="clipnorm" placeholder="off" />
        <NumField ctx={ctx} k="clipvalue" label="Clip value" keras="clipvalue" placeholder="off" />
      </div>
    </Group>
  );
}
