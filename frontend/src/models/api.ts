// POST /api/models/import: an uploaded Keras .h5 / .keras / model JSON or a netcanvas model.pt
// becomes a run with status "imported".
import { ApiError, describeDetail } from "../api/client";
import type { RunPublic } from "../api/types";

export const MODEL_ACCEPT = ".h5,.hdf5,.keras,.json,.pt";

export async function importModel(file: File, name?: string, dataset?: string): Promise<RunPublic> {
  const form = new FormData();
  if (name?.trim()) form.append("name", name.trim());
  if (dataset) form.append("dataset", dataset);
  form.append("file", file, file.name);
  const res = await fetch("/api/models/import", { method: "POST", body: form });
  const text = await res.text();
  let data: unknown = undefined;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = text;
  }
  if (!res.ok) {
    const detail = data && typeof data === "object" && "detail" in data ? (data as { detail: unknown }).detail : data;
    throw new ApiError(res.status, describeDetail(detail, `The import failed (HTTP ${res.status}).`), detail);
  }
  return data as RunPublic;
}
