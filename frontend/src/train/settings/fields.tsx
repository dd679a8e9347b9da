// The Train panel's field kinds, each labelled with its Keras name in a small hint and showing the
// error on it: the panel's own check first, else what the server said of it (fieldErrors.ts).
import { useState, type ReactNode } from "react";
import type { Check, CheckedField } from "./checks";
import type { FieldErrors, FieldKey } from "./fieldErrors";
import type { TrainSettings } from "./store";
import "./settings.css";

/** What every field needs: the settings, a setter (which clears the server's error on the field it
 *  changes), the checks and the server's errors. */
export interface FieldCtx {
  s: TrainSettings;
  set: (p: Partial<TrainSettings>) => void;
  checks: Record<CheckedField, Check>;
  errors: FieldErrors;
}

type StringKey = { [K in FieldKey]: TrainSettings[K] extends string ? K : never }[FieldKey];
type BoolKey = { [K in FieldKey]: TrainSettings[K] extends boolean ? K : never }[FieldKey];

function Label({ label, keras }: { label: string; keras?: string }) {
  return (
    <span className="field-label">
      {label}{keras && <code className="keras-name" title="Keras's name">{keras}</code>}
    </span>
  );
}

export function errorOf(ctx: FieldCtx, key: FieldKey): string | null {
  return (ctx.checks as Record<string, Check | undefined>)[key]?.error ?? ctx.errors[key] ?? null;
}

function Message({ error, hint }: { error: string | null; hint?: string }) {
  if (error) return <span className="field-error">{error}</span>;
  return hint ? <span className="field-hint">{hint}</span> : null;
}

export function NumField({ ctx, k, label, keras, hint, placeholder }:
  { ctx: FieldCtx; k: StringKey; label: string; keras?: string; hint?: string; placeholder?: string }) {
  const error = errorOf(ctx, k);
  return (
    <label className="field">
      <Label label={label} keras={keras} />
      <input value={ctx.s[k]} onChange={(e) => ctx.set({ [k]: e.target.value })} placeholder={placeholder}
        className={error ? "invalid" : undefined} data-testid={`train-${k}`} inputMode="decimal" aria-invalid={!!error} />
      <Message error={error} hint={hint} />
    </label>
  );
}

export function SelectField<V extends string>({ ctx, k, label, keras, options, hint, disabled, onPick }:
  { ctx: FieldCtx; k: StringKey; label: string; keras?: string; options: readonly (V | { value: V; label: string; disabled?: boolean })[];
    hint?: ReactNode; disabled?: boolean; onPick?: (value: string) => void }) {
  const error = errorOf(ctx, k);
  const value = ctx.s[k];
  const opts = options.map((o) => (typeof o === "string" ? { value: o, label: o, disabled: false } : o));
  return (
    <label className="field">
      <Label label={label} keras={keras} />
      <select value={value} onChange={(e) => (onPick ? onPick(e.target.value) : ctx.set({ [k]: e.target.value }))} disabled={disabled}
        className={error ? "invalid" : undefined} data-testid={`train-${k}`} aria-invalid={!!error}>
        {!opts.some((o) => o.value === value) && <option value={value}>{value}</option>}
        {opts.map((o) => (<option key={o.value} value={o.value} disabled={o.disabled}>{o.label}</option>))}
      </select>
      {error ? <span className="field-error">{error}</span> : hint ? <span className="field-hint">{hint}</span> : null}
    </label>
  );
}

export function Toggle({ ctx, k, label, keras, hint }: { ctx: FieldCtx; k: BoolKey; label: string; keras?: string; hint?: string }) {
  const error = errorOf(ctx, k);
  return (
    <div className="field toggle-field">
      <label className="toggle">
        <input type="checkbox" checked={ctx.s[k]} onChange={(e) => ctx.set({ [k]: e.target.checked })} data-testid={`train-${k}`}
          aria-invalid={!!error} />
        <span className="toggle-text">{label}{keras && <code className="keras-name">{keras}</code>}</span>
      </label>
      <Message error={error} hint={hint} />
    </div>
  );
}

/** A collapsible group of fields ("Compile", "Fit"); `badge` says how many of its fields have errors. */
export function Group({ title, keras, children, initiallyOpen = true, errorCount = 0, testid }:
  { title: string; keras?: string; children: ReactNode; initiallyOpen?: boolean; errorCount?: number; testid: string }) {
  const [open, setOpen] = useState(initiallyOpen);
  // a field of a closed group that gets an error (a refused launch) opens it
  const [hadErrors, setHadErrors] = useState(errorCount > 0);
  if ((errorCount > 0) !== hadErrors) {
    setHadErrors(errorCount > 0);
    if (errorCount > 0 && !open) setOpen(true);
  }
  return (
    <section className={`settings-group${open ? " open" : ""}`} data-testid={testid}>
      <button type="button" className="settings-group-head" aria-expanded={open} onClick={() => setOpen(!open)}
        data-testid={`${testid}-toggle`}>
        <span className="caret" aria-hidden="true" />
        <span className="grow">{title}{keras && <code className="keras-name">{keras}</code>}</span>
        {errorCount > 0 && <span className="settings-group-errors">{errorCount}</span>}
      </button>
      {open && <div className="settings-group-body">{children}</div>}
    </section>
  );
}

/** A sub-section inside a group that turns on with its checkbox (early stopping, augmentation). */
export function Optional({ ctx, k, label, keras, children, testid }:
  { ctx: FieldCtx; k: BoolKey; label: string; keras?: string; children: ReactNode; testid: string }) {
  return (
    <div className={`settings-optional${ctx.s[k] ? " on" : ""}`} data-testid={testid}>
      <Toggle ctx={ctx} k={k} label={label} keras={keras} />
      {ctx.s[k] && <div className="settings-optional-body">{children}</div>}
    </div>
  );
}
