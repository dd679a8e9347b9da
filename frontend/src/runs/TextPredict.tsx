// Try a text model on a typed sentence: POST /api/runs/{id}/predict {"inputs": [text]}; the server
// tokenises it exactly as the data set's texts were (case, vocabulary, padding, max length).
import { useEffect, useState } from "react";
import { api } from "../api/client";
import type { DatasetInfo, RunPublic } from "../api/types";
import Probabilities from "./Probabilities";
import { valuesLine } from "./samples";
import { classProbabilities } from "./sequences";
import "./sequences.css";

function firstRow(outputs: unknown): number[] | null {
  let o = outputs;
  while (Array.isArray(o) && Array.isArray(o[0])) o = o[0];
  return Array.isArray(o) && o.every((v) => typeof v === "number") ? (o as number[]) : null;
}

export default function TextPredict({ run, ds }: { run: RunPublic; ds: DatasetInfo | undefined }) {
  const [text, setText] = useState("");
  const [examples, setExamples] = useState<{ text: string; label: string }[]>([]);
  const [out, setOut] = useState<{ text: string; row: number[] } | null>(null);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    let stale = false;
    api.samples(run.dataset, "test", 0, 4).then(
      (p) => !stale && setExamples((p.texts ?? []).map((t, i) => ({ text: t, label: String(p.labels?.[i] ?? "") })).filter((e) => e.text)),
      () => undefined,
    );
    return () => {
      stale = true;
    };
  }, [run.dataset]);
  const names = ds?.target.class_names ?? run.class_names ?? null;
  const values = ds?.target.kind === "values";

  const classify = async (t = text) => {
    if (!t.trim()) {
      setErr("Type a sentence to classify.");
      return;
    }
    setBusy(true);
    try {
      const res = await api.predict(run.id, [t]);
      const row = firstRow(res.outputs);
      if (!row) throw new Error("The model answered something other than one row of numbers.");
      setOut({ text: t, row });
      setErr(null);
    } catch (e) {
      setErr((e as Error).message);
      setOut(null);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="text-predict">
      <label className="field">
        <span className="field-label">A text, as you would write it</span>
        <textarea rows={3} value={text} onChange={(e) => setText(e.target.value)} placeholder="This film was a delight from start to finish."
          onKeyDown={(e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) void classify(); }} data-testid="text-input" />
      </label>
      <div className="gen-actions">
        <button className="btn small primary" onClick={() => void classify()} disabled={busy} data-testid="text-go">{busy ? "Reading…" : values ? "Predict" : "Classify"}</button>
        <span className="dim small">tokenised as the data set's texts were</span>
      </div>
      {examples.length > 0 && (
        <div className="gen-examples small">
          <span className="dim">From the test split:</span>
          {examples.map((x, i) => (
            <button key={i} className="chip" title={`${x.text}${x.label ? ` (${x.label})` : ""}`}
              onClick={() => { setText(x.text); void classify(x.text); }} data-testid={`text-example-${i}`}>{x.text}</button>
          ))}
        </div>
      )}
      {err && <div className="callout bad" data-testid="text-error">{err}</div>}
      <div data-testid="text-result" data-done={out ? "yes" : "no"}>
        {out && (values
          ? <div className="pred-top" data-testid="prediction">Prediction: <b data-testid="predicted-value">{valuesLine(out.row)}</b></div>
          : <Probabilities values={classProbabilities(out.row, names)} names={names} />)}
      </div>
    </div>
  );
}
