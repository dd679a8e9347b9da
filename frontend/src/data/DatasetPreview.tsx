// The preview of one data set (GET /api/datasets/{id}/preview): sample images with labels, the
// first rows of a table (as uploaded and as the model sees them), texts, sequences, and the class
// balance of each split (or the value range for regression targets).
import { useEffect, useState } from "react";
import type { DatasetInfo } from "../api/types";
import { fmtMetric } from "../ui/format";
import { dataApi, type DatasetPreview, type PreviewSample } from "./api";
import { balanceRows } from "./balance";

const SAMPLES = 24;

export default function DatasetPreviewView({ d }: { d: DatasetInfo }) {
  const [preview, setPreview] = useState<DatasetPreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    dataApi.preview(d.id, SAMPLES).then(
      (p) => current && setPreview(p),
      (e: Error) => current && setError(e.message),
    );
    return () => {
      current = false;
    };
  }, [d.id]);

  if (error) return <div className="callout bad" data-testid="preview-error">Could not load the preview: {error}</div>;
  if (!preview) return <div className="preview-loading dim">Loading the preview…</div>;
  const images = preview.samples.filter((s) => s.image);
  return (
    <div className="ds-preview" data-testid="dataset-preview">
      <div className="ds-preview-main">
        <h3>Samples <span className="dim">from the training split</span></h3>
        {images.length ? <ImageGrid samples={images} /> : preview.kind === "text" ? <TextSamples samples={preview.samples} /> : (
          <>
            {preview.raw && <RawTable preview={preview} />}
            <ProcessedTable preview={preview} />
          </>
        )}
      </div>
      <div className="ds-preview-side">
        <h3>{d.target.kind === "values" ? "Target range" : "Class balance"}</h3>
        <Balance preview={preview} />
      </div>
    </div>
  );
}

function ImageGrid({ samples }: { samples: PreviewSample[] }) {
  return (
    <div className="ds-sample-grid" data-testid="sample-images">
      {samples.map((s) => (
        <figure key={`${s.split}-${s.index}`} className="ds-sample">
          <img src={s.image!} alt={`sample ${s.index}, label ${String(s.label)}`} />
          <figcaption>{labelText(s.label)}</figcaption>
        </figure>
      ))}
    </div>
  );
}

function TextSamples({ samples }: { samples: PreviewSample[] }) {
  return (
    <ul className="text-samples" data-testid="sample-texts">
      {samples.slice(0, 12).map((s) => (
        <li key={s.index}>
          <span className="label-chip">{labelText(s.label)}</span>
          <span className="t">{s.text || <span className="dim">(no known words)</span>}</span>
        </li>
      ))}
    </ul>
  );
}

function RawTable({ preview }: { preview: DatasetPreview }) {
  const raw = preview.raw!;
  const features = new Set(preview.features ?? []);
  return (
    <div className="table-block">
      <div className="table-caption">First rows as uploaded</div>
      <div className="table-scroll">
        <table className="data-table" data-testid="preview-raw">
          <thead>
            <tr>{raw.columns.map((c) => (<th key={c} className={features.size && !features.has(c) ? "target-col" : undefined}>{c}</th>))}</tr>
          </thead>
          <tbody>
            {raw.rows.slice(0, 10).map((r, i) => (
              <tr key={i}>{r.map((v, j) => (<td key={j} className={features.size && !features.has(raw.columns[j]) ? "target-col" : undefined}>{String(v ?? "")}</td>))}</tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function ProcessedTable({ preview }: { preview: DatasetPreview }) {
  const rows = preview.samples.filter((s) => s.values).slice(0, 10);
  if (!rows.length) return <div className="dim small">No samples.</div>;
  const flat = rows.every((s) => (s.values ?? []).every((v) => typeof v === "number"));
  const width = Math.max(...rows.map((s) => s.values!.length));
  const cols = preview.features?.length === width ? preview.features : Array.from({ length: width }, (_, i) => `x${i}`);
  const shown = Math.min(width, 12);
  return (
    <div className="table-block">
      <div className="table-caption">{preview.raw ? "As the model sees them (after scaling and encoding)" : "First samples"}</div>
      <div className="table-scroll">
        <table className="data-table" data-testid="preview-rows">
          <thead>
            <tr>
              <th className="num">#</th>
              {flat ? cols.slice(0, shown).map((c) => (<th key={c} className="num">{c}</th>)) : <th>values</th>}
              {flat && width > shown && <th className="dim">+{width - shown}</th>}
              <th className="target-col">label</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((s) => (
              <tr key={s.index}>
                <td className="num dim">{s.index}</td>
                {flat
                  ? (s.values as number[]).slice(0, shown).map((v, j) => (<td key={j} className="num">{fmtNum(v)}</td>))
                  : <td><Sequence values={s.values!} /></td>}
                {flat && width > shown && <td className="dim">…</td>}
                <td className="target-col">{labelText(s.label)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** A (time, features) sample as a sparkline of its first feature. */
function Sequence({ values }: { values: unknown[] }) {
  const ys = values.map((v) => (Array.isArray(v) ? Number(v[0]) : Number(v))).filter(Number.isFinite);
  if (ys.length < 2) return <span className="mono">{JSON.stringify(values).slice(0, 60)}</span>;
  const lo = Math.min(...ys);
  const hi = Math.max(...ys);
  const w = 180;
  const h = 26;
  const pts = ys.map((y, i) => `${((i / (ys.length - 1)) * w).toFixed(1)},${(h - 2 - ((y - lo) / (hi - lo || 1)) * (h - 4)).toFixed(1)}`).join(" ");
  return (
    <svg className="spark" width={w} height={h} viewBox={`0 0 ${w} ${h}`} aria-label={`${ys.length} steps`}>
      <polyline points={pts} fill="none" stroke="currentColor" strokeWidth={1.4} />
    </svg>
  );
}

function Balance({ preview }: { preview: DatasetPreview }) {
  const splits = Object.keys(preview.class_balance);
  if (!splits.length) return <div className="dim small">No labels to count.</div>;
  const isValues = splits.every((s) => "mean" in preview.class_balance[s] && "std" in preview.class_balance[s]) && !preview.class_names;
  if (isValues) {
    return (
      <table className="kv" data-testid="class-balance">
        <thead><tr><th /> {["min", "max", "mean", "std"].map((k) => (<th key={k} className="num">{k}</th>))}</tr></thead>
        <tbody>
          {splits.map((s) => (
            <tr key={s}><th>{s}</th>{["min", "max", "mean", "std"].map((k) => (<td key={k} className="mono">{fmtMetric(preview.class_balance[s][k])}</td>))}</tr>
          ))}
        </tbody>
      </table>
    );
  }
  const rows = balanceRows(preview.class_balance, preview.class_names ?? null);
  return (
    <div className="balance" data-testid="class-balance">
      <div className="balance-legend">
        {splits.map((s) => (<span key={s} className={`lg split-${s}`}>{s}</span>))}
      </div>
      {rows.slice(0, 40).map((r) => (
        <div className="balance-row" key={r.name} data-testid={`balance-${r.name}`}>
          <span className="bn" title={r.name}>{r.name}</span>
          <span className="bbar">
            {splits.map((s) => (<span key={s} className={`split-${s}`} style={{ width: `${(r.fractions[s] ?? 0) * 100}%` }} />))}
          </span>
          <span className="bc mono">{splits.map((s) => r.counts[s] ?? 0).join(" · ")}</span>
        </div>
      ))}
      {rows.length > 40 && <div className="dim small">and {rows.length - 40} more classes</div>}
    </div>
  );
}

function labelText(label: PreviewSample["label"]): string {
  if (label === null || label === undefined) return "–";
  if (Array.isArray(label)) return label.map(fmtNum).join(", ");
  return typeof label === "number" ? fmtNum(label) : label;
}

function fmtNum(v: unknown): string {
  if (typeof v !== "number") return String(v);
  return Number.isInteger(v) ? String(v) : Number(v.toPrecision(4)).toString();
}
