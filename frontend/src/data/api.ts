// Data-set calls the data page needs beyond api.datasets() and api.preview(): delete, and an
// upload with progress (XMLHttpRequest: fetch cannot report upload progress).
import { api, ApiError, apiError, request } from "../api/client";
import type { DatasetInfo, DatasetPreview as RawPreview, PreviewSample } from "../api/types";

export type { PreviewSample };
/** The preview with its defaulted lists filled in. */
export type DatasetPreview = Omit<RawPreview, "samples" | "class_balance"> & {
  samples: PreviewSample[];
  class_balance: Record<string, Record<string, number>>;
};

export const dataApi = {
  preview: async (id: string, count = 24): Promise<DatasetPreview> => {
    const p = await api.preview(id, count);
    return { ...p, samples: p.samples ?? [], class_balance: p.class_balance ?? {} };
  },
  remove: (id: string) => request<void>("DELETE", `/api/datasets/${encodeURIComponent(id)}`),
};

export interface UploadHandle {
  promise: Promise<DatasetInfo>;
  abort: () => void;
}

/** POST /api/datasets as multipart (`file` last, after its options); onProgress gets 0..1. */
export function uploadDataset(file: File, fields: Record<string, string>, onProgress: (fraction: number) => void): UploadHandle {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<DatasetInfo>((resolve, reject) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    form.append("file", file, file.name);
    xhr.open("POST", "/api/datasets");
    xhr.responseType = "text";
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(JSON.parse(xhr.responseText) as DatasetInfo);
      else reject(apiError(xhr.status, xhr.responseText, `The upload failed (HTTP ${xhr.status}).`));
    };
    xhr.onerror = () => reject(new ApiError(0, "The upload did not reach the server (network error).", null));
    xhr.onabort = () => reject(new DOMException("The upload was cancelled.", "AbortError"));
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}
