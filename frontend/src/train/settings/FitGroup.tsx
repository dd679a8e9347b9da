// The "Fit" group: Keras's model.fit(epochs, batch_size, validation, shuffle, class_weight,
// callbacks) and where the run goes (seed, device); augmentation for image sets.
import type { DatasetInfo } from "../../api/types";
import AugmentGroup from "./AugmentGroup";
import { classWeightError, hasOwnValidation } from "./checks";
import { errorOf, Group, NumField, Optional, SelectField, Toggle, type FieldCtx } from "./fields";
import { monitorOptions } from "./monitors";
import { SCHEDULES, type ClassWeightMode } from "./store";

const FIT_FIELDS = ["epochs", "batchSize", "validationSplit", "validationMode", "shuffle", "classWeightMode", "esMonitor",
  "esPatience", "esMinDelta", "schedule", "stepSize", "gamma", "schedulePatience", "minLr", "scheduleMonitor", "seed",
  "device", "keepBest", "terminateOnNan"] as const;

const SCHEDULE_LABELS: Record<(typeof SCHEDULES)[number], string> = {
  none: "constant", step: "step decay (StepLR)", cosine: "cosine decay", reduce_on_plateau: "ReduceLROnPlateau",
};

function ClassWeights({ ctx, ds }: { ctx: FieldCtx; ds: DatasetInfo | undefined }) {
  const { s, set } = ctx;
  const n = ds?.target.kind === "classes" ? ds.target.num_classes ?? 0 : 0;
  const names = ds?.target.class_names ?? null;
  const tableError = classWeightError(s);
  const error = errorOf(ctx, "classWeightMode");
  const modes: { value: ClassWeightMode; label: string; disabled?: boolean }[] = [
    { value: "none", label: "none (all 1)" }, { value: "balanced", label: "balanced", disabled: !n },
    { value: "table", label: "per class…", disabled: !n },
  ];
  return (
    <div className="field">
      <SelectField ctx={ctx} k="classWeightMode" label="Class weights" keras="class_weight" options={modes}
        hint={s.classWeightMode === "balanced" ? "n_samples / (n_classes × count), as scikit-learn" : !n ? "Only for class targets." : undefined} />
      {s.classWeightMode === "table" && n > 0 && (
        <div className="class-weights" data-testid="class-weights">
          {Array.from({ length: n }, (_, i) => (
            <label key={i} className="class-weight">
              <span className="mono" title={names?.[i]}>{i}{names?.[i] && names[i] !== String(i) ? ` ${names[i]}` : ""}</span>
              <input value={s.classWeights[String(i)] ?? ""} placeholder="1" inputMode="decimal" aria-label={`Weight of class ${i}`}
                data-testid={`class-weight-${i}`}
                onChange={(e) => set({ classWeights: { ...s.classWeights, [String(i)]: e.target.value } })} />
            </label>
          ))}
          {(tableError ?? error) && <span className="field-error">{tableError ?? error}</span>}
        </div>
      )}
    </div>
  );
}

function Validation({ ctx, ds }: { ctx: FieldCtx; ds: DatasetInfo | undefined }) {
  const { s, set } = ctx;
  const own = hasOwnValidation(ds);
  const mode = own ? s.validationMode : "split";
  const error = ctx.errors.validationMode;
  return (
    <div className="field">
      <span className="field-label">Validation{mode === "set" && <code className="keras-name">use_validation_set</code>}</span>
      <div className="seg" role="radiogroup" data-testid="train-validationMode">
        <label className={mode === "split" ? "on" : ""}>
          <input type="radio" checked={mode === "split"} onChange={() => set({ validationMode: "split" })} /> Split from train
        </label>
        <label className={mode === "set" ? "on" : ""} title={own ? undefined : `${ds?.name ?? "This set"} has no validation split of its own.`}>
          <input type="radio" checked={mode === "set"} disabled={!own} onChange={() => set({ validationMode: "set" })}
            data-testid="use-validation-set" /> The set's own{ds && own ? ` (${ds.sizes.validation.toLocaleString()})` : ""}
        </label>
      </div>
      {mode === "split" && <NumField ctx={ctx} k="validationSplit" label="Fraction" keras="validation_split" hint="0: no validation" />}
      {error && <span className="field-error">{error}</span>}
    </div>
  );
}

export default function FitGroup({ ctx, ds, outputs }: { ctx: FieldCtx; ds: DatasetInfo | undefined; outputs: string[] }) {
  const { s } = ctx;
  const monitors = monitorOptions(s.metrics, outputs, s.classMetrics);
  const errorCount = FIT_FIELDS.filter((k) => errorOf(ctx, k)).length + (classWeightError(s) ? 1 : 0);
  return (
    <Group title="Fit" keras="model.fit(…)" testid="group-fit" errorCount={errorCount}>
      <div className="row2">
        <NumField ctx={ctx} k="epochs" label="Epochs" keras="epochs" />
        <NumField ctx={ctx} k="batchSize" label="Batch size" keras="batch_size" />
      </div>
      <Validation ctx={ctx} ds={ds} />
      <Toggle ctx={ctx} k="shuffle" label="Shuffle each epoch" keras="shuffle" />
      <ClassWeights ctx={ctx} ds={ds} />

      <Optional ctx={ctx} k="earlyStopping" label="Early stopping" keras="EarlyStopping" testid="early-stopping">
        <SelectField ctx={ctx} k="esMonitor" label="Monitor" keras="monitor" options={monitors} />
        <div className="row2">
          <NumField ctx={ctx} k="esPatience" label="Patience" keras="patience" hint="epochs without improvement" />
          <NumField ctx={ctx} k="esMinDelta" label="Min delta" keras="min_delta" />
        </div>
        <Toggle ctx={ctx} k="esRestoreBest" label="Restore best weights" keras="restore_best_weights" />
      </Optional>

      <SelectField ctx={ctx} k="schedule" label="Learning-rate schedule" keras="schedule"
        options={SCHEDULES.map((v) => ({ value: v, label: SCHEDULE_LABELS[v] }))} />
      {s.schedule !== "none" && (
        <div className="settings-optional-body" data-testid="schedule-fields">
          {s.schedule === "step" && (
            <div className="row2">
              <NumField ctx={ctx} k="stepSize" label="Every" keras="step_size" hint="epochs" />
              <NumField ctx={ctx} k="gamma" label="Factor" keras="gamma" />
            </div>
          )}
          {s.schedule === "cosine" && <NumField ctx={ctx} k="minLr" label="Final learning rate" keras="min_lr" />}
          {s.schedule === "reduce_on_plateau" && (<>
            <SelectField ctx={ctx} k="scheduleMonitor" label="Monitor" keras="monitor" options={monitors} />
            <div className="row2">
              <NumField ctx={ctx} k="gamma" label="Factor" keras="factor" />
              <NumField ctx={ctx} k="schedulePatience" label="Patience" keras="patience" />
            </div>
            <NumField ctx={ctx} k="minLr" label="Min learning rate" keras="min_lr" />
          </>)}
        </div>
      )}

      <Toggle ctx={ctx} k="keepBest" label="Keep the best epoch's weights" keras="keep_best"
        hint="as ModelCheckpoint(save_best_only=True): by val_loss, else loss" />
      <Toggle ctx={ctx} k="terminateOnNan" label="Stop on a NaN loss" keras="TerminateOnNaN" />

      {ds?.kind === "image" && <AugmentGroup ctx={ctx} ds={ds} />}

      <div className="row2">
        <NumField ctx={ctx} k="seed" label="Seed" keras="seed" hint="empty: random" />
        <SelectField ctx={ctx} k="device" label="Device" options={["auto", "cpu", "cuda", "mps"]} />
      </div>
    </Group>
  );
}
