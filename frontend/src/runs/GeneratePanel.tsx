// Generate (a next-token model trained on a corpus: continue a seed, streamed token by token) and
// Decode (a seq2seq model: an input sequence in, the decoder's output out, greedy or beam search).
// Both POST /api/runs/{id}/generate; the server derives the sampling loop or the encoder/decoder
// inference models from the trained graph, so nothing here knows the model's layers.
import { useEffect, useMemo, useRef, useState } from "react";
import { api } from "../api/client";
import type { DatasetInfo, DatasetSamples, RunPublic } from "../api/types";
import { Icon } from "../ui/Icon";
import {
  generate, GENERATE_DEFAULTS, generateRequest, sampleText, showToken, streamGenerate, unknownTokens, vocabulary,
  type GenerateForm, type Vocabulary,
} from "./sequences";
import { inputCount } from "./samples";
import "./sequences.css";

const EXAMPLES = 6;

export default function GeneratePanel({ run, ds, mode }: { run: RunPublic; ds: DatasetInfo | undefined; mode: "next_token" | "seq2seq" }) {
  const [vocab, setVocab] = useState<Vocabulary | null>(null);
  const [page, setPage] = useState<DatasetSamples | null>(null);
  useEffect(() => {
    const ctrl = new AbortController();
    vocabulary(run.dataset, ctrl.signal).then(setVocab, () => undefined); // the panel works without it
    api.samples(run.dataset, "test", 0, EXAMPLES).then((p) => !ctrl.signal.aborted && setPage(p), () => undefined);
    return () => ctrl.abort();
  }, [run.dataset]);
  // Test inputs as text: the samples' own texts, else the (first) input read through the vocabulary.
  const examples = useMemo(() => {
    if (!page) return [];
    if (page.texts?.length) return page.texts.filter(Boolean);
    if (!vocab) return [];
    const first = inputCount(page, ds?.input_shape.length ?? 1) > 1 ? (page.inputs[0] as unknown[]) : page.inputs;
    return first.map((x) => sampleText(x, vocab)).filter((t): t is string => !!t);
  }, [page, vocab, ds]);
  return mode === "seq2seq"
    ? <DecodeBox run={run} ds={ds} vocab={vocab} examples={examples} />
    : <GenerateBox run={run} ds={ds} vocab={vocab} example={examples[0] ?? ""} />;
}

function useForm(initial: Partial<GenerateForm>) {
  const [form, setForm] = useState<GenerateForm>({ ...GENERATE_DEFAULTS, ...initial });
  const set = (k: keyof GenerateForm) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  return { form, setForm, set };
}

function VocabLine({ vocab, text }: { vocab: Vocabulary | null; text: string }) {
  if (!vocab) return null;
  const missing = unknownTokens(text, vocab);
  return (
    <div className="gen-vocab small">
      <span className="dim">{vocab.unit === "char" ? "Characters" : "Words"} · {vocab.size.toLocaleString()} tokens{vocab.lowercase ? " · lowercased" : ""}</span>
      {missing.length > 0 && (
        <span className="gen-unknown" data-testid="generate-unknown">
          Not in the vocabulary: {missing.slice(0, 12).map((t) => <code key={t}>{showToken(t)}</code>)}{missing.length > 12 ? " …" : ""}
        </span>
      )}
    </div>
  );
}

function GenerateBox({ run, ds, vocab, example }: { run: RunPublic; ds: DatasetInfo | undefined; vocab: Vocabulary | null; example: string }) {
  const windowLength = typeof ds?.extra?.window === "number" ? ds.extra.window : null;
  const { form, setForm, set } = useForm({});
  // The first test window as the seed until the user types one.
  const typed = useRef(false);
  useEffect(() => {
    if (example && !typed.current) setForm((f) => ({ ...f, seed: example }));
  }, [example, setForm]);
  const [seedShown, setSeedShown] = useState("");
  const [out, setOut] = useState("");
  const [state, setState] = useState<"idle" | "running" | "done">("idle");
  const [err, setErr] = useState<string | null>(null);
  const ctrl = useRef<AbortController | null>(null);
  useEffect(() => () => ctrl.current?.abort(), []);

  const go = async () => {
    const checked = generateRequest(form, "next_token");
    if (checked.error !== null) {
      setErr(checked.error);
      return;
    }
    ctrl.current?.abort();
    const c = new AbortController();
    ctrl.current = c;
    setErr(null);
    setSeedShown(form.seed);
    setOut("");
    setState("running");
    try {
      const text = await streamGenerate(run.id, checked.body, (t) => setOut((o) => o + t), c.signal);
      setOut(text);
      setState("done");
    } catch (e) {
      if ((e as Error).name === "AbortError") setState("done");
      else {
        setErr((e as Error).message);
        setState("idle");
      }
    } finally {
      if (ctrl.current === c) ctrl.current = null;
    }
  };
  const stop = () => ctrl.current?.abort();

  return (
    <section className="card gen-card" data-testid="generate-panel">
      <div className="card-head">
        <h3>Generate</h3>
        <span className="dim small">continues the seed one {vocab?.unit === "word" ? "word" : "token"} at a time</span>
      </div>
      <label className="field">
        <span className="field-label">Seed text{windowLength ? <span className="dim"> · the model reads the last {windowLength} tokens</span> : null}</span>
        <textarea rows={2} value={form.seed} spellCheck={false} data-testid="generate-seed"
          onChange={(e) => { typed.current = true; set("seed")(e); }} />
      </label>
      <VocabLine vocab={vocab} text={form.seed} />
      <div className="gen-grid">
        <label className="field"><span className="field-label">Length</span>
          <input value={form.length} onChange={set("length")} inputMode="numeric" data-testid="generate-length" /></label>
        <label className="field"><span className="field-label">Temperature</span>
          <input value={form.temperature} onChange={set("temperature")} inputMode="decimal" data-testid="generate-temperature" title="0: always the likeliest token; higher: more surprising" /></label>
        <label className="field"><span className="field-label">Top-k</span>
          <input value={form.topK} onChange={set("topK")} inputMode="numeric" data-testid="generate-top-k" title="Sample among the k likeliest tokens; 0: all" /></label>
        <label className="field"><span className="field-label">Random seed</span>
          <input value={form.randomSeed} onChange={set("randomSeed")} inputMode="numeric" placeholder="random" data-testid="generate-random-seed" title="The same seed gives the same text" /></label>
      </div>
      <div className="gen-actions">
        {state === "running"
          ? <button className="btn small danger" onClick={stop} data-testid="generate-stop"><Icon name="stop" /> Stop</button>
          : <button className="btn small primary" onClick={() => void go()} data-testid="generate-go"><Icon name="play" /> Generate</button>}
        <span className="dim small">{state === "running" ? `${out.length.toLocaleString()} characters…` : ""}</span>
      </div>
      {err && <div className="callout bad" data-testid="generate-error">{err}</div>}
      {(state !== "idle" || out) && (
        <pre className="output gen-output" data-testid="generate-output" data-done={state === "done" ? "yes" : "no"}>
          <span className="gen-seed">{seedShown}</span><span data-testid="generated-text">{out}</span>{state === "running" && <span className="gen-caret" />}
        </pre>
      )}
    </section>
  );
}

function DecodeBox({ run, ds, vocab, examples }: { run: RunPublic; ds: DatasetInfo | undefined; vocab: Vocabulary | null; examples: string[] }) {
  // At most as many steps as the decoder was trained on (its target's length), unless changed.
  const steps = Array.isArray(ds?.extra?.target_shape) ? Number(ds.extra.target_shape[0]) : NaN;
  const { form, setForm, set } = useForm({ length: Number.isInteger(steps) && steps > 0 ? String(steps) : "20" });
  const [out, setOut] = useState<{ input: string; text: string; tokens: string[]; beam: number } | null>(null);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    if (examples[0]) setForm((f) => (f.seed ? f : { ...f, seed: examples[0] }));
  }, [examples, setForm]);

  const go = async () => {
    const checked = generateRequest(form, "seq2seq");
    if (checked.error !== null) {
      setErr(checked.error);
      return;
    }
    setBusy(true);
    try {
      const res = await generate(run.id, checked.body);
      setOut({ input: form.seed, text: res.text, tokens: res.tokens, beam: checked.body.beam_width ?? 1 });
      setErr(null);
    } catch (e) {
      setErr((e as Error).message);
      setOut(null);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card gen-card" data-testid="decode-panel">
      <div className="card-head">
        <h3>Translate / decode</h3>
        <span className="dim small">encoder reads the input; decoder writes the output step by step</span>
      </div>
      <label className="field">
        <span className="field-label">Input sequence</span>
        <input value={form.seed} onChange={set("seed")} spellCheck={false} className="mono" data-testid="decode-input" placeholder="the sequence to translate"
          onKeyDown={(e) => e.key === "Enter" && void go()} />
      </label>
      {examples.length > 0 && (
        <div className="gen-examples small">
          <span className="dim">From the test split:</span>
          {examples.map((x, i) => (
            <button key={i} className="chip mono" onClick={() => setForm((f) => ({ ...f, seed: x }))} data-testid={`decode-example-${i}`}>{x}</button>
          ))}
        </div>
      )}
      <VocabLine vocab={vocab} text={form.seed} />
      <div className="gen-grid">
        <label className="field"><span className="field-label">Beam width</span>
          <input value={form.beamWidth} onChange={set("beamWidth")} inputMode="numeric" data-testid="decode-beam" title="1: greedy (the likeliest token each step)" /></label>
        <label className="field"><span className="field-label">Max length</span>
          <input value={form.length} onChange={set("length")} inputMode="numeric" data-testid="decode-length" title="At most this many output tokens" /></label>
      </div>
      <div className="gen-actions">
        <button className="btn small primary" onClick={() => void go()} disabled={busy} data-testid="decode-go">{busy ? "Decoding…" : "Decode"}</button>
      </div>
      {err && <div className="callout bad" data-testid="decode-error">{err}</div>}
      {out && (
        <div className="decode-result" data-testid="decode-result">
          <div className="small dim">{out.beam > 1 ? `Beam search, width ${out.beam}` : "Greedy"} · {out.tokens.length} tokens</div>
          <div className="decode-pair"><span className="dim small">in</span><code>{out.input}</code></div>
          <div className="decode-pair"><span className="dim small">out</span><code className="decode-out" data-testid="decode-output">{out.text}</code></div>
        </div>
      )}
    </section>
  );
}
