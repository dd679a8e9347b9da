import { afterEach, describe, expect, it, vi } from "vitest";
import {
  classProbabilities, forecastColumns, GENERATE_DEFAULTS, generateRequest, naiveVerdict, sampleText, sequenceTask, splitLines,
  streamGenerate, unknownTokens, type Vocabulary,
} from "./sequences";

describe("sequenceTask", () => {
  it("reads the builders' task marker, and a text CSV without one as text classification", () => {
    expect(sequenceTask({ kind: "sequence", extra: { task: "next_token" } })).toBe("next_token");
    expect(sequenceTask({ kind: "sequence", extra: { task: "seq2seq" } })).toBe("seq2seq");
    expect(sequenceTask({ kind: "sequence", extra: { task: "series" } })).toBe("series");
    expect(sequenceTask({ kind: "text", extra: {} })).toBe("text");
    expect(sequenceTask({ kind: "text" })).toBe("text");
    expect(sequenceTask({ kind: "text", extra: { task: "next_token" } })).toBe("next_token");
    expect(sequenceTask({ kind: "table", extra: {} })).toBeNull();
    expect(sequenceTask({ kind: "image", extra: { task: "something else" } })).toBeNull();
    expect(sequenceTask(undefined)).toBeNull();
  });
});

describe("splitLines", () => {
  it("keeps an unfinished line for the next chunk", () => {
    const a = splitLines('{"token": "a"}\n{"token": "b"}\n{"tok');
    expect(a.lines).toEqual([{ token: "a" }, { token: "b" }]);
    expect(a.rest).toBe('{"tok');
    const b = splitLines(`${a.rest}en": "\\n"}\n\n{"done": true, "text": "ab\\n", "mode": "next_token"}\n`);
    expect(b.lines).toEqual([{ token: "\n" }, { done: true, text: "ab\n", mode: "next_token" }]);
    expect(b.rest).toBe("");
  });
});

function ndjsonResponse(chunks: string[], status = 200, type = "application/x-ndjson"): Response {
  const enc = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      for (const chunk of chunks) c.enqueue(enc.encode(chunk));
      c.close();
    },
  });
  return new Response(body, { status, headers: { "content-type": type } });
}

describe("streamGenerate", () => {
  afterEach(() => vi.unstubAllGlobals());
  const body = { seed: "shall i ", length: 3, temperature: 0.5, top_k: 0, random_seed: 1, stream: true };

  it("hands over tokens as lines arrive, split anywhere, and ends with the server's text", async () => {
    const fetchMock = vi.fn(async () => ndjsonResponse(['{"token": "c"}\n{"tok', 'en": "o"}\n', '{"token": "m"}\n{"done": true, "text": "com", "mode": "next_token"}\n']));
    vi.stubGlobal("fetch", fetchMock);
    const seen: string[] = [];
    const text = await streamGenerate("r1", body, (t) => seen.push(t));
    expect(seen).toEqual(["c", "o", "m"]);
    expect(text).toBe("com");
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("/api/runs/r1/generate");
    expect(JSON.parse(String(init.body))).toMatchObject({ seed: "shall i ", stream: true, temperature: 0.5 });
  });

  it("reads a last line without a newline", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => ndjsonResponse(['{"token": "x"}\n{"token": "y"}'])));
    const seen: string[] = [];
    expect(await streamGenerate("r1", body, (t) => seen.push(t))).toBe("xy");
    expect(seen).toEqual(["x", "y"]);
  });

  it("throws the sentence of an error line sent after tokens", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => ndjsonResponse(['{"token": "a"}\n{"error": "The model gave NaN at step 2: retrain it."}\n'])));
    const seen: string[] = [];
    await expect(streamGenerate("r1", body, (t) => seen.push(t))).rejects.toThrow("The model gave NaN at step 2: retrain it.");
    expect(seen).toEqual(["a"]);
  });

  it("throws the server's sentence for a refusal", async () => {
    const refusal = JSON.stringify({ detail: "Seed text: 'Z' is not in the vocabulary; use only characters of the corpus." });
    vi.stubGlobal("fetch", vi.fn(async () => new Response(refusal, { status: 422, headers: { "content-type": "application/json" } })));
    await expect(streamGenerate("r1", body, () => undefined)).rejects.toThrow(/'Z' is not in the vocabulary/);
  });

  it("takes a whole JSON answer when the server does not stream", async () => {
    const whole = JSON.stringify({ mode: "next_token", text: "abc", tokens: ["a", "b", "c"] });
    vi.stubGlobal("fetch", vi.fn(async () => new Response(whole, { status: 200, headers: { "content-type": "application/json" } })));
    const seen: string[] = [];
    expect(await streamGenerate("r1", body, (t) => seen.push(t))).toBe("abc");
    expect(seen).toEqual(["abc"]);
  });
});

describe("unknownTokens", () => {
  const vocab = (extra: Partial<Vocabulary> = {}): Vocabulary => ({
    unit: "char", size: 5, tokens: ["a", "b", " ", "c", "d"], pad: null, oov: null, start: null, end: null, lowercase: false, ...extra,
  });
  it("lists the characters a char vocabulary lacks, once each", () => {
    expect(unknownTokens("ab cd", vocab())).toEqual([]);
    expect(unknownTokens("abXc!X", vocab())).toEqual(["X", "!"]);
    expect(unknownTokens("ABC", vocab({ lowercase: true }))).toEqual([]);
  });
  it("lists unknown words for a word vocabulary, and nothing when it has an unknown-token id", () => {
    const words = vocab({ unit: "word", tokens: ["<pad>", "<oov>", "shall", "i"] });
    expect(unknownTokens("shall i compare", words)).toEqual(["compare"]);
    expect(unknownTokens("shall i compare", { ...words, oov: 1 })).toEqual([]);
  });
});

describe("generateRequest", () => {
  it("builds a streamed next-token request with a blank random seed as null", () => {
    const r = generateRequest({ ...GENERATE_DEFAULTS, seed: "shall i ", temperature: "0.8", topK: "5" }, "next_token");
    expect(r.body).toEqual({ seed: "shall i ", length: 200, temperature: 0.8, top_k: 5, random_seed: null, stream: true });
    expect(generateRequest({ ...GENERATE_DEFAULTS, seed: "x", randomSeed: "7" }, "next_token").body?.random_seed).toBe(7);
  });
  it("names the field that cannot be sent", () => {
    expect(generateRequest({ ...GENERATE_DEFAULTS }, "next_token").error).toMatch(/seed text/);
    expect(generateRequest({ ...GENERATE_DEFAULTS, seed: "x", length: "2.5" }, "next_token").error).toMatch(/^Length must be a whole number/);
    expect(generateRequest({ ...GENERATE_DEFAULTS, seed: "x", length: "0" }, "next_token").error).toMatch(/at least 1/);
    expect(generateRequest({ ...GENERATE_DEFAULTS, seed: "x", temperature: "-1" }, "next_token").error).toMatch(/^Temperature/);
    expect(generateRequest({ ...GENERATE_DEFAULTS, seed: "x", topK: "many" }, "next_token").error).toMatch(/^Top-k/);
    expect(generateRequest({ ...GENERATE_DEFAULTS, seed: "x", randomSeed: "-3" }, "next_token").error).toMatch(/^Random seed/);
  });
  it("decodes seq2seq greedily or with a beam, without streaming", () => {
    const r = generateRequest({ ...GENERATE_DEFAULTS, seed: "12+34", length: "5", beamWidth: "3" }, "seq2seq");
    expect(r.body).toEqual({ seed: "12+34", length: 5, temperature: 0, top_k: 0, random_seed: null, stream: false, beam_width: 3 });
    expect(generateRequest({ ...GENERATE_DEFAULTS, seed: "", length: "5" }, "seq2seq").error).toMatch(/input sequence/);
    expect(generateRequest({ ...GENERATE_DEFAULTS, seed: "1", beamWidth: "0" }, "seq2seq").error).toMatch(/^Beam width must be at least 1/);
  });
});

describe("forecast helpers", () => {
  it("says whether the model beats the naive forecast, by how much", () => {
    expect(naiveVerdict({ mse: 25, naive_mse: 100 })).toEqual({ beats: true, text: "Beats the naive last-value forecast: test MSE 75% lower." });
    expect(naiveVerdict({ mse: 150, naive_mse: 100 })).toEqual({ beats: false, text: "Does not beat the naive last-value forecast: test MSE 50% higher." });
    expect(naiveVerdict({ mse: 1, naive_mse: 0 }).beats).toBe(false);
  });
  it("cuts the columns to a common length", () => {
    expect(forecastColumns({ steps: [0, 1, 2], actual: [1, 2, 3], predicted: [1, 2], naive: [0, 1, 2] }))
      .toEqual([[0, 1], [1, 2], [1, 2], [0, 1]]);
  });
});

describe("classProbabilities", () => {
  it("reads one sigmoid unit as two classes and leaves softmax rows alone", () => {
    expect(classProbabilities([0.75], ["neg", "pos"])).toEqual([0.25, 0.75]);
    expect(classProbabilities([0.75], null)).toEqual([0.25, 0.75]);
    expect(classProbabilities([0.2, 0.8], ["neg", "pos"])).toEqual([0.2, 0.8]);
    expect(classProbabilities([0.5], ["a", "b", "c"])).toEqual([0.5]);
  });
});

describe("sampleText", () => {
  const vocab = { tokens: ["", "\t", "\n", "a", "b", "c"], pad: 0, start: 1, end: 2, unit: "char" as const };
  const row = (i: number) => Array.from({ length: 6 }, (_x, j) => (j === i ? 1 : 0));
  it("reads one-hot rows back as text, without padding or empty rows", () => {
    expect(sampleText([row(4), row(3), row(5), row(0), Array(6).fill(0)], vocab)).toBe("bac");
  });
  it("reads token ids, words joined by spaces", () => {
    expect(sampleText([3, 5, 0, 0], vocab)).toBe("ac");
    expect(sampleText([2, 3], { ...vocab, tokens: ["<pad>", "<oov>", "shall", "i"], start: null, end: null, unit: "word" })).toBe("shall i");
  });
  it("gives null for inputs that are not tokens", () => {
    expect(sampleText([0.5, 1.5], vocab)).toBeNull();
    expect(sampleText([[1, 0]], vocab)).toBeNull();
    expect(sampleText(3, vocab)).toBeNull();
  });
});
