// POST /api/models/import: an uploaded Keras .h5 / .keras / model JSON or a netcanvas model.pt
// becomes a run with status "imported".
import { apiError } from "../api/client";
import type { RunPublic } from "../api/types";

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
