// A small fetch wrapper: JSON in, JSON out, errors as ApiError with the server's sentence.
import type {
  DatasetInfo, DatasetPreview, DatasetSamples, EvaluateResult, GraphJson, GraphPublic, LayerInfo, ListOf, RunPublic, RunRequest,
  RunSummary, ValidateResult,
} from "./types";

export class ApiError extends Error {
  constructor(
    public status: number,
    message: string,
    public detail: unknown,
  ) {
    super(message);
  }
}

function describe(detail: unknown, fallback: string): string {
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((d: { loc?: unknown[]; msg?: string }) => `${(d.loc ?? []).slice(1).join(".")}: ${d.msg ?? ""}`)
      .join("; ");
  }
  if (detail && typeof detail === "object" && "message" in detail) {
    const d = detail as { message: string; problems?: { message: string }[] };
    return d.problems?.length ? `${d.message} ${d.problems.map((p) => p.message).join(" ")}` : d.message;
  }
  return fallback;
}

export async function request<T>(method: string, url: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const res = await fetch(url, {
    method,
    signal,
    headers: body === undefined ? undefined : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  if (!res.ok) throw apiError(res.status, text, `${method} ${url} failed (${res.status})`);
  return parseBody(text) as T;
}

function parseBody(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text;
  }
}

/** The ApiError for a failed response's status and body (JSON with `detail`, or plain text); also
 *  for responses read outside request(): uploads with progress, file downloads. Every failed call
 *  passes here, so a 401 (no or expired credentials) is also reported to the sign-in gate. */
export function apiError(status: number, body: string, fallback: string): ApiError {
  const err = readApiError(status, body, fallback);
  if (status === 401) unauthorized(err);
  return err;
}

/** apiError without telling the sign-in gate: for /api/auth/*, whose 401 (a wrong password) is the answer. */
export function readApiError(status: number, body: string, fallback: string): ApiError {
  const data = parseBody(body);
  const detail = data && typeof data === "object" && "detail" in data ? (data as { detail: unknown }).detail : data;
  return new ApiError(status, describe(detail, fallback), detail);
}

let unauthorized: (err: ApiError) => void = () => {};

/** Who hears of a 401 from any call (auth/auth.ts: the app shows the sign-in page). */
export function onUnauthorized(handler: (err: ApiError) => void): void {
  unauthorized = handler;
}

/** A refusal for missing credentials that came another way (a websocket closed with 4401). */
export function notifyUnauthorized(message: string): void {
  unauthorized(new ApiError(401, message, message));
}

export const api = {
  layers: () => request<ListOf<LayerInfo>>("GET", "/api/layers"),
  /** `sizing`: the Train panel's batch size and optimizer, which size the memory budgets (without
   *  them the server assumes batch size 1 and Adam). */
  validate: (graph: GraphJson, signal?: AbortSignal, sizing?: { batch_size?: number | null; optimizer?: string | null }) => {
    const q = new URLSearchParams();
    if (sizing?.batch_size) q.set("batch_size", String(sizing.batch_size));
    if (sizing?.optimizer) q.set("optimizer", sizing.optimizer);
    const query = q.toString() ? `?${q}` : "";
    return request<ValidateResult>("POST", `/api/graphs/validate${query}`, graph, signal);
  },
  graphs: () => request<ListOf<Omit<GraphPublic, "graph"> & Partial<GraphPublic>>>("GET", "/api/graphs"),
  graph: (id: string) => request<GraphPublic>("GET", `/api/graphs/${encodeURIComponent(id)}`),
  createGraph: (graph: GraphJson) => request<GraphPublic>("POST", "/api/graphs", { graph }),
  updateGraph: (id: string, graph: GraphJson) =>
    request<GraphPublic>("PUT", `/api/graphs/${encodeURIComponent(id)}`, { graph }),
  deleteGraph: (id: string) => request<void>("DELETE", `/api/graphs/${encodeURIComponent(id)}`),
  datasets: () => request<ListOf<DatasetInfo>>("GET", "/api/datasets"),
  runs: () => request<ListOf<RunSummary>>("GET", "/api/runs"),
  run: (id: string) => request<RunPublic>("GET", `/api/runs/${encodeURIComponent(id)}`),
  launch: (req: RunRequest) => request<RunPublic>("POST", "/api/runs", req),
  cancel: (id: string) => request<RunPublic>("POST", `/api/runs/${encodeURIComponent(id)}/cancel`),
  deleteRun: (id: string) => request<void>("DELETE", `/api/runs/${encodeURIComponent(id)}`),
  evaluate: (id: string) => request<EvaluateResult>("POST", `/api/runs/${encodeURIComponent(id)}/evaluate`, {}),
  preview: (dataset: string, count = 12) =>
    request<DatasetPreview>("GET", `/api/datasets/${encodeURIComponent(dataset)}/preview?count=${count}`),
  samples: (dataset: string, split: "train" | "validation" | "test", offset: number, count: number) =>
    request<DatasetSamples>("GET", `/api/datasets/${encodeURIComponent(dataset)}/samples?${new URLSearchParams({ split, offset: String(offset), count: String(count) })}`),
  predict: (id: string, inputs: unknown) =>
    request<{ outputs: unknown }>("POST", `/api/runs/${encodeURIComponent(id)}/predict`, { inputs }),
};

export function artifactUrl(runId: string, name: string): string {
  return `/api/runs/${encodeURIComponent(runId)}/artifacts/${encodeURIComponent(name)}`;
}

export function streamUrl(runId: string): string {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  return `${proto}//${location.host}/api/runs/${encodeURIComponent(runId)}/stream`;
}
