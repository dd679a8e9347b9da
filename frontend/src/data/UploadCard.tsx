// Drop zone (drag a file, or click to pick) → the options form for that file type → upload with
// progress. The server's refusal (a 4xx naming the file, column or option) stays on screen.
import { useEffect, useRef, useState } from "react";
import type { DatasetInfo } from "../api/types";
import { useFileDrop } from "../ui/files";
import { Icon } from "../ui/Icon";
import { toast } from "../ui/toast";
import { uploadDataset, type UploadHandle } from "./api";
import {
  ACCEPT, csvHeader, fieldError, fieldsFor, fileKindOf, fmtBytes, formFields, initialValues, KIND_LABEL,
  type CsvMode, type FieldSpec, type FileKind, type OptionValues,
} from "./uploadOptions";

interface Chosen {
  file: File;
  kind: FileKind;
  columns: string[];
}

const GROUPS: { key: FieldSpec["group"]; title: string }[] = [
  { key: "data", title: "Reading" },
  { key: "windows", title: "Windows" },
  { key: "target", title: "Target" },
  { key: "split", title: "Splits" },
  { key: "augment", title: "Augmentation (training batches)" },
];

export default function UploadCard({ onUploaded }: { onUploaded: (d: DatasetInfo) => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [chosen, setChosen] = useState<Chosen | null>(null);
  const [values, setValues] = useState<OptionValues>({});
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const handle = useRef<UploadHandle | null>(null);

  // A file dropped beside the zone would make the browser open it and leave the page.
  useEffect(() => {
    const keep = (e: globalThis.DragEvent) => {
      if (e.dataTransfer?.types.includes("Files")) e.preventDefault();
    };
    window.addEventListener("dragover", keep);
    window.addEventListener("drop", keep);
    return () => {
      window.removeEventListener("dragover", keep);
      window.removeEventListener("drop", keep);
    };
  }, []);

  const choose = async (file: File) => {
    const kind = fileKindOf(file.name);
    let columns: string[] = [];
    if (kind === "csv") {
      try {
        columns = csvHeader(await file.slice(0, 64 * 1024).text());
      } catch {
        columns = [];
      }
    }
    setChosen({ file, kind, columns });
    setValues(initialValues(kind, columns));
    setError(null);
    setProgress(null);
  };

  const drop = useFileDrop((f) => void choose(f));

  const mode = (values.kind as CsvMode | undefined) ?? "auto";
  const fields = chosen ? fieldsFor(chosen.kind, mode) : [];
  const errors = Object.fromEntries(fields.map((f) => [f.name, fieldError(f, values[f.name] ?? "")]));
  const invalid = Object.values(errors).some(Boolean);
  const uploading = progress !== null;

  const upload = async () => {
    if (!chosen || invalid) return;
    setError(null);
    setProgress(0);
    const h = uploadDataset(chosen.file, formFields(chosen.kind, mode, values), setProgress);
    handle.current = h;
    try {
      const info = await h.promise;
      toast(`Added ${info.name}: ${info.sizes.train + info.sizes.validation + info.sizes.test} samples`, "good");
      setChosen(null);
      onUploaded(info);
    } catch (err) {
      const e = err as Error;
      if (e.name !== "AbortError") setError(e.message);
    } finally {
      handle.current = null;
      setProgress(null);
    }
  };

  const cancel = () => {
    if (handle.current) handle.current.abort();
    else {
      setChosen(null);
      setError(null);
    }
  };

  const setValue = (name: string, v: string | boolean) => setValues((old) => ({ ...old, [name]: v }));

  return (
    <section className={`card upload-card${chosen ? " has-file" : ""}`} data-testid="upload-card">
      <input ref={input} type="file" accept={ACCEPT} hidden data-testid="dataset-file"
        onChange={(e) => { const f = e.target.files?.[0]; if (f) void choose(f); e.target.value = ""; }} />
      {!chosen ? (
        <div
          className={`dropzone${drop.over ? " over" : ""}`}
          role="button"
          tabIndex={0}
          data-testid="dropzone"
          onClick={() => input.current?.click()}
          onKeyDown={(e) => (e.key === "Enter" || e.key === " ") && input.current?.click()}
          {...drop.props}
        >
          <span className="dz-icon"><Icon name="upload" size={22} /></span>
          <span className="dz-title">Add your own data</span>
          <span className="dz-sub">Drop a file here or <span className="link">choose one</span></span>
          <span className="dz-kinds">
            <span><b>.csv</b> table or texts</span>
            <span><b>.npz</b> arrays x, y</span>
            <span><b>.zip</b> a folder of images per class</span>
            <span><b>.txt</b> a text corpus</span>
          </span>
        </div>
      ) : (
        <div className="upload-form" data-testid="upload-form" data-kind={chosen.kind}>
          <div className="file-row">
            <span className="file-icon"><Icon name={chosen.kind === "csv" ? "table" : chosen.kind === "images" ? "grid" : "open"} /></span>
            <span className="grow file-meta">
              <span className="file-name" data-testid="upload-file-name">{chosen.file.name}</span>
              <span className="dim small">{KIND_LABEL[chosen.kind]} · {fmtBytes(chosen.file.size)}{chosen.columns.length ? ` · ${chosen.columns.length} columns` : ""}</span>
            </span>
            <button className="icon-btn" onClick={() => input.current?.click()} title="Choose another file" disabled={uploading}><Icon name="open" /></button>
          </div>
          {chosen.kind === "unknown" && (
            <div className="callout warn">netcanvas reads .csv, .npz, .zip and .txt files; the server will say whether it can read this one.</div>
          )}
          {GROUPS.map((g) => {
            const list = fields.filter((f) => f.group === g.key);
            if (!list.length) return null;
            return (
              <fieldset key={g.key} className="opt-group" disabled={uploading}>
                <legend>{g.title}</legend>
                <div className={g.key === "augment" ? "opt-grid augment" : "opt-grid"}>
                  {list.map((f) => (
                    <OptionField key={f.name} spec={f} value={values[f.name] ?? ""} error={errors[f.name]}
                      columns={chosen.columns} onChange={(v) => setValue(f.name, v)} />
                  ))}
                </div>
              </fieldset>
            );
          })}
          {error && (
            <div className="callout bad upload-error" role="alert" data-testid="upload-error">
              <Icon name="close" size={14} /> <span><b>The server refused this upload.</b> {error}</span>
            </div>
          )}
          {uploading && (
            <div className="upload-progress" data-testid="upload-progress">
              <div className="bar"><div style={{ width: `${Math.round((progress ?? 0) * 100)}%` }} /></div>
              <span className="dim small">{(progress ?? 0) < 1 ? `Sending… ${Math.round((progress ?? 0) * 100)}%` : "Reading the file on the server…"}</span>
            </div>
          )}
          <div className="upload-actions">
            <button className="btn ghost" onClick={cancel} data-testid="upload-cancel">{uploading ? "Stop" : "Cancel"}</button>
            <button className="btn primary" onClick={upload} disabled={uploading || invalid} data-testid="upload-submit">
              <Icon name="upload" /> {uploading ? "Uploading…" : "Upload"}
            </button>
          </div>
        </div>
      )}
    </section>
  );
}

function OptionField({ spec, value, error, columns, onChange }: {
  spec: FieldSpec; value: string | boolean; error: string | null; columns: string[]; onChange: (v: string | boolean) => void;
}) {
  const id = `opt-${spec.name}`;
  if (spec.type === "bool") {
    return (
      <label className="opt-check">
        <input type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} data-testid={id} />
        <span>{spec.label}</span>
      </label>
    );
  }
  let control;
  if (spec.type === "select") {
    control = (
      <select value={String(value)} onChange={(e) => onChange(e.target.value)} data-testid={id}>
        {spec.options!.map((o) => (<option key={o.value} value={o.value}>{o.label}</option>))}
      </select>
    );
  } else if (spec.type === "column" && columns.length) {
    control = (
      <select value={String(value)} onChange={(e) => onChange(e.target.value)} data-testid={id}>
        {!columns.includes(String(value)) && <option value={String(value)}>{String(value) || spec.placeholder || "(default)"}</option>}
        {columns.map((c) => (<option key={c} value={c}>{c}</option>))}
      </select>
    );
  } else {
    control = (
      <input value={String(value)} onChange={(e) => onChange(e.target.value)} data-testid={id}
        className={error ? "invalid" : undefined} inputMode={spec.type === "int" || spec.type === "float" ? "decimal" : undefined}
        placeholder={spec.placeholder ?? (spec.type === "column" ? "column name" : undefined)} spellCheck={false} />
    );
  }
  return (
    <label className="field">
      <span className="field-label">{spec.label}</span>
      {control}
      {error ? <span className="field-error">{error}</span> : spec.hint ? <span className="field-hint">{spec.hint}</span> : null}
    </label>
  );
}
