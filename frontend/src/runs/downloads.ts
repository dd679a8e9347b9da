// What a run's Download list offers: the files it stored, plus every format the server renders
// from model.pt on request (artifacts.py RENDERED), in a fixed order.

export const MODEL_FORMATS: { name: string; label: string }[] = [
  { name: "model.pt", label: "PyTorch weights + graph (torch.save)" },
  { name: "model.pt2", label: "torch.export program" },
  { name: "model.keras", label: "Keras (native .keras)" },
  { name: "model.h5", label: "Keras HDF5" },
  { name: "model.onnx", label: "ONNX" },
  { name: "model.py", label: "PyTorch code" },
  { name: "model_keras.py", label: "Keras code" },
];

export function downloadList(artifacts: string[]): { name: string; label: string }[] {
  const have = new Set(artifacts);
  const known = have.has("model.pt") ? MODEL_FORMATS : MODEL_FORMATS.filter((f) => have.has(f.name));
  const rest = artifacts.filter((a) => !MODEL_FORMATS.some((f) => f.name === a)).sort();
  return [...known, ...rest.map((name) => ({ name, label: "" }))];
}

/** The file name from a Content-Disposition header, else the fallback. */
export function dispositionName(header: string | null, fallback: string): string {
  if (!header) return fallback;
  const star = /filename\*=(?:UTF-8'')?([^;]+)/i.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ""));
    } catch {
      /* fall through */
    }
  }
  const plain = /filename="?([^";]+)"?/i.exec(header);
  return plain ? plain[1].trim() : fallback;
}
