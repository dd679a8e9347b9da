// "Features at a node" in Try the model: a node's output for one sample (its shape, range, mean and
// first values, with a strip of the values or, for an image, of each channel's mean).
import { useEffect, useMemo, useState } from "react";
import { api } from "../api/client";
import type { DatasetInfo, DatasetSamples, RunPublic, Shape } from "../api/types";
import { fmtShape } from "../ui/format";
import { inputCount, sampleBatch } from "./samples";
import { layerChoices, summarize, transferApi, zeroBatch, type ValueSummary } from "./transfer";

const SAMPLES = 8;

export default function NodeFeatures({ run, ds, shape }: { run: RunPublic; ds: DatasetInfo | undefined; shape: Shape | null }) {
  const choices = useMemo(() => layerChoices(run.graph), [run.graph]);
  const [node, setNode] = useState(() => choices[Math.max(0, choices.length - 2)]?.id ?? "");
  const [page, setPage] = useState<DatasetSamples | null>(null);
  const [sample, setSample] = useState(0);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const [answer, setAnswer] = useState<{ node: string; shape: (number | null)[]; values: unknown } | null>(null);
  useEffect(() => {
    if (!ds) return;
    let stale = false;
    api.samples(run.dataset, "test", 0, SAMPLES).then((p) => !stale && setPage(p), () => undefined);
    return () => {
      stale = true;
    };
  }, [run.dataset, ds]);
  const rank = shape?.length ?? ds?.input_shape.length ?? 1;
  // samples in the page (a batch per input for a model with several)
  const n = page ? (inputCount(page, rank) > 1 ? (page.inputs[0] as unknown[]).length : page.inputs.length) : 0;
  const show = async () => {
    setBusy(true);
    try {
      const batch = page && n ? sampleBatch(page, Math.min(sample, n - 1), rank) : zeroBatch(shape ?? [1]);
      const res = await transferApi.features(run.id, batch, [node]);
      setAnswer({ node, shape: res.shapes[0], values: (res.outputs as unknown[])[0] });
      setErr(null);
    } catch (e) {
      setErr((e as Error).message);
      setAnswer(null);
    } finally {
      setBusy(false);
    }
  };
  const stats = answer ? summarize(answer.values) : null;
  return (
    <div className="node-features" data-testid="node-features">
      <div className="features-form">
        <label className="field">
          <span className="field-label">Node</span>
          <select value={node} onChange={(e) => setNode(e.target.value)} data-testid="features-node">
            {choices.map((c) => <option key={c.id} value={c.id}>{c.label}</option>)}
          </select>
        </label>
        <label className="field">
          <span className="field-label">Sample</span>
          <select value={n ? sample : -1} onChange={(e) => setSample(Number(e.target.value))} disabled={!n} data-testid="features-sample">
            {page && n ? Array.from({ length: n }, (_, i) => <option key={i} value={i}>test sample {i + 1}{page.labels?.[i] ? ` (${page.labels[i]})` : ""}</option>)
              : <option value={-1}>zeros</option>}
          </select>
        </label>
        <button className="btn small" onClick={show} disabled={busy || !node} data-testid="features-show">{busy ? "Computing…" : "Show features"}</button>
      </div>
      {err && <div className="callout bad" data-testid="features-error">{err}</div>}
      {answer && stats && <FeatureView node={answer.node} shape={answer.shape} values={answer.values} stats={stats} />}
      {!answer && !err && <div className="dim small">The output of any layer for one sample: what a feature extractor cut there would give.</div>}
    </div>
  );
}

function FeatureView({ node, shape, values, stats }: { node: string; shape: (number | null)[]; values: unknown; stats: ValueSummary }) {
  // An image (C, H, W): one bar per channel (its mean); otherwise the first values themselves.
  const bars = useMemo(() => {
    if (shape.length === 3 && Array.isArray(values)) return (values as unknown[]).slice(0, 64).map((ch) => summarize(ch)?.mean ?? 0);
    return summarize(values, 64)?.first ?? [];
  }, [shape, values]);
  const top = Math.max(1e-12, ...bars.map((b) => Math.abs(b)));
  return (
    <div className="feature-view" data-testid="features-result">
      <div className="pred-top"><span className="mono">{node}</span> gives <b className="mono" data-testid="features-shape">{fmtShape(shape as Shape)}</b> per sample</div>
      <table className="kv inline-kv"><tbody>
        <tr><th>values</th><td className="mono" data-testid="features-count">{stats.count.toLocaleString()}</td></tr>
        <tr><th>range</th><td className="mono">{stats.min.toPrecision(4)} … {stats.max.toPrecision(4)}</td></tr>
        <tr><th>mean</th><td className="mono">{stats.mean.toPrecision(4)}</td></tr>
        <tr><th>zeros</th><td className="mono">{((stats.zeros / stats.count) * 100).toFixed(1)}%</td></tr>
      </tbody></table>
      <div className="feature-bars" title={shape.length === 3 ? "mean of each channel" : "the first values"}>
        {bars.map((b, i) => <div key={i} className={b < 0 ? "neg" : ""} style={{ height: `${Math.max(2, (Math.abs(b) / top) * 100)}%` }} />)}
      </div>
      <div className="dim small">{shape.length === 3 ? `mean of each of the first ${bars.length} channels` : `the first ${bars.length} values`}</div>
      <pre className="output" data-testid="features-values">{stats.first.map((v) => Number(v.toPrecision(4))).join(", ")}{stats.count > stats.first.length ? ", …" : ""}</pre>
    </div>
  );
}
