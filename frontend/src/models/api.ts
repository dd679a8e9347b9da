// POST /api/models/import: an uploaded Keras .h5 / .keras / model JSON or a netcanvas model.pt
// becomes a run with status "imported".
import { apiError } from "../api/client";
import type { components } from "../api/schema";
import type { GraphJson, RunPublic } from "../api/types";

export const MODEL_ACCEPT = ".h5,.hdf5,.keras,.json,.pt";

export async function importModel(file: File, name?: string, dataset?: string): Promise<RunPublic> {
  const form = new FormData();
  if (name?.trim()) form.append("name", name.trim());
  if (dataset) form.append("dataset", dataset);
  form.append("file", file, file.name);
  const res = await fetch("/api/models/import", { method: "POST", body: form });
  const text = await res.text();
  if (!res.ok) throw apiError(res.status, text, `The import failed (HTTP ${res.status}).`);
  return JSON.parse(text) as RunPublic;
}

// POST /api/models/weights: a Keras weights file applied to the graph on the canvas by layer name
// (docs/api.md, "Weights by name") → an imported run and the report of what loaded.
// the server always sends the three lists (defaults make them optional in the schema)
export type WeightReport = Required<components["schemas"]["WeightReport"]>;
export type WeightsImport = { run: RunPublic; report: WeightReport };
// How a legacy .h5 file's layers pair with the nodes: by name, or in order as Keras's load_weights does
export type WeightsMatch = "auto" | "name" | "order";
export const WEIGHTS_ACCEPT = ".h5,.hdf5,.keras";

export async function loadKerasWeights(
  file: File, graph: GraphJson, opts: { dataset?: string; strict?: boolean; match?: WeightsMatch } = {},
): Promise<WeightsImport> {
  const form = new FormData();
  form.append("graph", JSON.stringify(graph));
  if (opts.dataset) form.append("dataset", opts.dataset);
  if (opts.strict) form.append("strict", "true");
  if (opts.match && opts.match !== "auto") form.append("match", opts.match);
  form.append("file", file, file.name);
  const res = await fetch("/api/models/weights", { method: "POST", body: form });
  const text = await res.text();
  if (!res.ok) throw apiError(res.status, text, `Loading the weights failed (HTTP ${res.status}).`);
  return JSON.parse(text) as WeightsImport;
}
