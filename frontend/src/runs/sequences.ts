// The run page's sequence panels (issue 10): which panel a run gets, and small typed wrappers for
// the endpoints the generated client does not know yet (generate, forecast, vocabulary), with
// the streamed generation read line by line from the response body (application/x-ndjson).
import { apiError, request } from "../api/client";
import type { DatasetInfo } from "../api/types";

/** What a run's data set was built for, read from DatasetInfo.extra.task (set by the sequence
 *  builders); a text CSV (kind "text", no task) classifies typed texts. */
export type SequenceTask = "next_token" | "seq2seq" | "series" | "text";

export function sequenceTask(ds: Pick<DatasetInfo, "kind" | "extra"> | null | undefined): SequenceTask | null {
  if (!ds) return null;
  const task = ds.extra?.task;
  if (task === "next_token" || task === "seq2seq" || task === "series") return task;
  return ds.kind === "text" && task === undefined ? "text" : null;
}

// --- POST /api/runs/{id}/generate ------------------------------------------------------------

export interface GenerateRequest {
  seed: string;
  length: number;
  temperature: number; // 0: greedy
  top_k: number; // 0: all tokens
  random_seed: number | null;
  stream: boolean;
  beam_width?: number; // seq2seq decoding
}

export interface GenerateResult {
  mode: "next_token" | "seq2seq";
  text: string;
  tokens: string[];
}

/** One line of a streamed generation: a token, then a final line with the whole text (or, when
 *  the model fails after the first token was sent, a line with the server's sentence). */
export type GenerateLine = { token: string } | { done: true; text: string; mode?: GenerateResult["mode"] } | { error: string };

export function generate(runId: string, body: GenerateRequest, signal?: AbortSignal): Promise<GenerateResult> {
  return request<GenerateResult>("POST", `/api/runs/${encodeURIComponent(runId)}/generate`, { ...body, stream: false }, signal);
}

/** Splits what arrived so far into whole JSON lines and the unfinished rest (kept for the next chunk). */
export function splitLines(buffer: string): { lines: GenerateLine[]; rest: string } {
  const parts = buffer.split("\n");
  const rest = parts.pop() ?? "";
  const lines = parts.filter((p) => p.trim()).map((p) => JSON.parse(p) as GenerateLine);
  return { lines, rest };
}

/** Streams a generation: `onToken` gets each token as the server writes it; resolves with the
 *  final text. An error before the stream starts is the server's sentence (an ApiError). */
export async function streamGenerate(runId: string, body: GenerateRequest, onToken: (token: string) => void, signal?: AbortSignal): Promise<string> {
  const res = await fetch(`/api/runs/${encodeURIComponent(runId)}/generate`, {
    method: "POST",
    signal,
    headers: { "Content-Type": "application/json", Accept: "application/x-ndjson" },
    body: JSON.stringify({ ...body, stream: true }),
  });
  if (!res.ok) throw apiError(res.status, await res.text(), `Generating failed (HTTP ${res.status}).`);
  if (!res.body || !(res.headers.get("content-type") ?? "").includes("ndjson")) {
    // A server that answered in one piece: show it all at once.
    const answer = (await res.json()) as GenerateResult;
    onToken(answer.text);
    return answer.text;
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (value) buffer += value;
    const { lines, rest } = splitLines(done ? `${buffer}\n` : buffer);
    buffer = rest;
    for (const line of lines) {
      if ("token" in line) {
        text += line.token;
        onToken(line.token);
      } else if ("error" in line) throw new Error(line.error);
      else if ("done" in line) return line.text;
    }
    if (done) return text;
  }
}

// --- GET /api/datasets/{id}/vocabulary ---------------------------------------------------------

export interface Vocabulary {
  unit: "char" | "word";
  size: number;
  tokens: string[];
  pad: number | null;
  oov: number | null;
  start: number | null;
  end: number | null;
  lowercase: boolean;
}

export function vocabulary(datasetId: string, signal?: AbortSignal): Promise<Vocabulary> {
  return request<Vocabulary>("GET", `/api/datasets/${encodeURIComponent(datasetId)}/vocabulary`, undefined, signal);
}

/** The characters (or words) of `text` the vocabulary lacks, each once, in order: said before
 *  sending, as the server refuses a seed it cannot encode. Empty when the vocabulary has an
 *  unknown-token id (then such tokens are read as it). */
export function unknownTokens(text: string, vocab: Vocabulary): string[] {
  if (vocab.oov !== null) return [];
  const known = new Set(vocab.tokens);
  const src = vocab.lowercase ? text.toLowerCase() : text;
  const tokens = vocab.unit === "char" ? Array.from(src) : src.split(/\s+/).filter(Boolean);
  const missing: string[] = [];
  for (const t of tokens) if (!known.has(t) && !missing.includes(t)) missing.push(t);
  return missing;
}

/** How a token shows in a list: spaces and line breaks made visible. */
export function showToken(t: string): string {
  return t === " " ? "␣" : t === "\n" ? "↵" : t === "\t" ? "⇥" : t;
}

// --- GET /api/runs/{id}/forecast ---------------------------------------------------------------

export interface Forecast {
  target: string;
  horizon: number;
  step_shown?: number;
  dates: string[] | null;
  steps: number[];
  actual: number[];
  predicted: number[];
  naive: number[];
  mse: number;
  mae: number;
  naive_mse: number;
  naive_mae: number;
}

export function forecast(runId: string, signal?: AbortSignal): Promise<Forecast> {
  return request<Forecast>("GET", `/api/runs/${encodeURIComponent(runId)}/forecast`, undefined, signal);
}

/** The model against the naive last-value forecast, in one sentence and a flag. */
export function naiveVerdict(f: Pick<Forecast, "mse" | "naive_mse">): { beats: boolean; text: string } {
  const { mse, naive_mse: naive } = f;
  if (!(naive > 0)) {
    return { beats: mse < naive, text: "The naive last-value forecast is exact on this test period; there is nothing to beat." };
  }
  const change = (1 - mse / naive) * 100;
  if (mse < naive) return { beats: true, text: `Beats the naive last-value forecast: test MSE ${change.toFixed(0)}% lower.` };
  return { beats: false, text: `Does not beat the naive last-value forecast: test MSE ${(-change).toFixed(0)}% higher.` };
}

/** uPlot's columns for the forecast chart: x, then actual, predicted and naive. */
export function forecastColumns(f: Pick<Forecast, "steps" | "actual" | "predicted" | "naive">): [number[], number[], number[], number[]] {
  const n = Math.min(f.steps.length, f.actual.length, f.predicted.length, f.naive.length);
  return [f.steps.slice(0, n), f.actual.slice(0, n), f.predicted.slice(0, n), f.naive.slice(0, n)];
}

// --- text classification ------------------------------------------------------------------------

/** A prediction row as one probability per class: a single sigmoid unit for two classes becomes
 *  [1 - p, p], as Keras's binary models are read. */
export function classProbabilities(row: number[], classNames: string[] | null): number[] {
  if (row.length === 1 && (!classNames || classNames.length === 2)) return [1 - row[0], row[0]];
  return row;
}

// --- the Generate form ---------------------------------------------------------------------------

export interface GenerateForm {
  seed: string;
  length: string;
  temperature: string;
  topK: string;
  randomSeed: string; // empty: a different sample each time
  beamWidth: string;
}

export const GENERATE_DEFAULTS: GenerateForm = { seed: "", length: "200", temperature: "0.5", topK: "0", randomSeed: "", beamWidth: "1" };

type Checked = { body: GenerateRequest; error: null } | { body: null; error: string };

function whole(label: string, text: string, min: number): number | string {
  const n = Number(text.trim());
  if (text.trim() === "" || !Number.isInteger(n)) return `${label} must be a whole number.`;
  return n < min ? `${label} must be at least ${min}.` : n;
}

/** The request body for the form, or the first field that cannot be sent (a sentence naming it). */
export function generateRequest(form: GenerateForm, mode: GenerateResult["mode"]): Checked {
  if (!form.seed) return { body: null, error: mode === "seq2seq" ? "Type an input sequence to decode." : "Type a seed text to continue." };
  const length = whole(mode === "seq2seq" ? "Max length" : "Length", form.length, 1);
  if (typeof length === "string") return { body: null, error: length };
  if (mode === "seq2seq") {
    const beam = whole("Beam width", form.beamWidth, 1);
    if (typeof beam === "string") return { body: null, error: beam };
    return { body: { seed: form.seed, length, temperature: 0, top_k: 0, random_seed: null, stream: false, beam_width: beam }, error: null };
  }
  const temperature = Number(form.temperature.trim());
  if (form.temperature.trim() === "" || !Number.isFinite(temperature) || temperature < 0) {
    return { body: null, error: "Temperature must be a number of at least 0 (0 picks the likeliest token)." };
  }
  const topK = whole("Top-k", form.topK, 0);
  if (typeof topK === "string") return { body: null, error: topK };
  let randomSeed: number | null = null;
  if (form.randomSeed.trim() !== "") {
    const r = whole("Random seed", form.randomSeed, 0);
    if (typeof r === "string") return { body: null, error: r };
    randomSeed = r;
  }
  return { body: { seed: form.seed, length, temperature, top_k: topK, random_seed: randomSeed, stream: true }, error: null };
}

/** A sample's first input as text, read back through the vocabulary: one-hot rows (T, V) or
 *  token ids (T); padding and empty rows left out. Null when it is neither (another kind of input). */
export function sampleText(sample: unknown, vocab: Pick<Vocabulary, "tokens" | "pad" | "unit" | "start" | "end">): string | null {
  if (!Array.isArray(sample) || !sample.length) return null;
  const skip = new Set([vocab.pad, vocab.start, vocab.end].filter((v): v is number => v !== null));
  let ids: number[];
  if (sample.every((r) => Array.isArray(r) && r.length === vocab.tokens.length)) {
    ids = (sample as number[][]).map((row) => (row.some((v) => v > 0) ? row.indexOf(Math.max(...row)) : -1));
  } else if (sample.every((v) => typeof v === "number" && Number.isInteger(v))) ids = sample as number[];
  else return null;
  const tokens = ids.filter((i) => i >= 0 && i < vocab.tokens.length && !skip.has(i)).map((i) => vocab.tokens[i]);
  return tokens.join(vocab.unit === "word" ? " " : "");
}
