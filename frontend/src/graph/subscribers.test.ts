import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../api/client";
import type { GraphJson, ValidateResult } from "../api/types";
import { DEFAULT_SETTINGS, useTrainSettings } from "../train/settings/store";
import { startValidation, trainSizing, VALIDATE_DEBOUNCE_MS } from "./subscribers";
import { emptyState, useGraph } from "./store";

const graph: GraphJson = {
  format: "netcanvas.graph/1", name: "g",
  nodes: [{ id: "in", type: "Input", params: { shape: [4] }, position: { x: 0, y: 0 } }], edges: [],
};
const report = { ok: true, total_params: 0, nodes: {}, problems: [], inputs: ["in"], outputs: ["in"] } as unknown as ValidateResult;

describe("validate is sized by the Train panel", () => {
  let stop: () => void = () => {};
  beforeEach(() => {
    vi.useFakeTimers();
    useGraph.setState(emptyState());
    useTrainSettings.setState({ ...DEFAULT_SETTINGS });
  });
  afterEach(() => {
    stop();
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it("passes the batch size and optimizer, and asks again when they change", async () => {
    const validate = vi.spyOn(api, "validate").mockResolvedValue(report);
    useGraph.getState().load(graph);
    stop = startValidation();
    await vi.advanceTimersByTimeAsync(VALIDATE_DEBOUNCE_MS + 10);
    expect(validate).toHaveBeenCalledTimes(1);
    expect(validate.mock.calls[0][2]).toEqual({ batch_size: 32, optimizer: "adam" });

    useTrainSettings.getState().set({ batchSize: "256", optimizer: "sgd" });
    await vi.advanceTimersByTimeAsync(VALIDATE_DEBOUNCE_MS + 10);
    expect(validate).toHaveBeenCalledTimes(2);
    expect(validate.mock.calls[1][2]).toEqual({ batch_size: 256, optimizer: "sgd" });

    // other settings do not size anything: no new request
    useTrainSettings.getState().set({ epochs: "3" });
    await vi.advanceTimersByTimeAsync(VALIDATE_DEBOUNCE_MS + 10);
    expect(validate).toHaveBeenCalledTimes(2);
  });

  it("leaves a batch size that is not a whole number in range to the server's default", () => {
    useTrainSettings.getState().set({ batchSize: "12.5" });
    expect(trainSizing()).toEqual({ batch_size: null, optimizer: "adam" });
    useTrainSettings.getState().set({ batchSize: "0" });
    expect(trainSizing().batch_size).toBeNull();
  });
});

describe("api.validate", () => {
  afterEach(() => vi.restoreAllMocks());

  it("puts the sizing in the query, and nothing without it", async () => {
    const fetch = vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response(JSON.stringify(report), { status: 200 }));
    await api.validate(graph, undefined, { batch_size: 64, optimizer: "rmsprop" });
    expect(fetch.mock.calls[0][0]).toBe("/api/graphs/validate?batch_size=64&optimizer=rmsprop");
    await api.validate(graph);
    expect(fetch.mock.calls[1][0]).toBe("/api/graphs/validate");
    await api.validate(graph, undefined, { batch_size: null, optimizer: "adam" });
    expect(fetch.mock.calls[2][0]).toBe("/api/graphs/validate?optimizer=adam");
  });
});
