// Upload options per file type (POST /api/datasets form fields, backend data/options.py
// UploadOptions). Pure: which fields a dropped file gets, their defaults, and the form fields sent.
// Limits stay on the server; only what a field needs to parse is checked here.

export type FileKind = "csv" | "npz" | "images" | "corpus" | "unknown";
/** How a CSV is read: auto (the server looks at the columns), a table, texts with labels, or a
 *  time series (windows of past rows forecast a target column). */
export type CsvMode = "auto" | "csv" | "text" | "series";

export type FieldType = "text" | "int" | "float" | "select" | "bool" | "column" | "size";

export interface FieldSpec {
  name: string; // the form field (UploadOptions attribute)
  label: string;
  type: FieldType;
  options?: { value: string; label: string }[];
  hint?: string;
  placeholder?: string; // shown when empty: the server's default for this kind of file
  min?: number;
  max?: number;
  group: "data" | "windows" | "target" | "split" | "augment";
}

export type OptionValues = Record<string, string | boolean>;

export const ACCEPT = ".csv,.tsv,.txt,.npz,.zip";

export function fileKindOf(fileName: string): FileKind {
  const ext = fileName.toLowerCase().split(".").pop() ?? "";
  if (ext === "csv" || ext === "tsv") return "csv";
  if (ext === "npz") return "npz";
  if (ext === "zip") return "images";
  if (ext === "txt") return "corpus"; // the server reads a .txt as a corpus, never as a CSV
  return "unknown";
}

export const KIND_LABEL: Record<FileKind, string> = {
  csv: "CSV table or texts",
  npz: "NumPy arrays (x, y)",
  images: "Image folders (ZIP)",
  corpus: "Text corpus (next-token windows)",
  unknown: "Unrecognised file",
};

const opt = (...values: string[]) => values.map((v) => ({ value: v, label: v }));

const F: Record<string, FieldSpec> = {
  name: { name: "name", label: "Name", type: "text", hint: "empty: the file name", group: "data" },
  csvMode: {
    name: "kind", label: "Read as", type: "select", group: "data",
    options: [
      { value: "auto", label: "auto" }, { value: "csv", label: "table" }, { value: "text", label: "texts + labels" },
      { value: "series", label: "time series" },
    ],
  },
  target: { name: "target", label: "Target column", type: "column", group: "target", hint: "what the model predicts" },
  textTarget: { name: "target", label: "Label column", type: "column", group: "target" },
  textColumn: { name: "text_column", label: "Text column", type: "column", group: "data" },
  task: {
    name: "task", label: "Task", type: "select", group: "target",
    options: [{ value: "auto", label: "auto" }, { value: "classification", label: "classification" }, { value: "regression", label: "regression" }],
  },
  labelMode: {
    name: "label_mode", label: "Labels", type: "select", group: "target",
    options: [{ value: "int", label: "integers (sparse)" }, { value: "categorical", label: "one-hot (categorical)" }],
  },
  scaling: { name: "scaling", label: "Scaling", type: "select", group: "data", options: opt("auto", "standard", "minmax", "none") },
  imageSize: { name: "image_size", label: "Image size", type: "size", group: "data", hint: "height × width in pixels" },
  colorMode: { name: "color_mode", label: "Colour", type: "select", group: "data", options: opt("rgb", "grayscale") },
  maxLength: { name: "max_length", label: "Max length", type: "int", min: 1, group: "data", hint: "tokens per text (pad_sequences)" },
  vocabSize: { name: "vocab_size", label: "Vocabulary", type: "int", min: 3, group: "data", hint: "most frequent words kept" },
  padding: { name: "padding", label: "Padding", type: "select", group: "data", options: opt("pre", "post") },
  truncating: { name: "truncating", label: "Truncating", type: "select", group: "data", options: opt("pre", "post") },
  validation: { name: "validation_split", label: "Validation split", type: "float", min: 0, max: 1, group: "split", hint: "0: the run's own split" },
  test: { name: "test_split", label: "Test split", type: "float", min: 0, max: 1, group: "split" },
  seed: { name: "seed", label: "Seed", type: "int", min: 0, group: "split" },
  // corpus (.txt): windows of `window` tokens every `step` tokens, each with its next token
  unit: { name: "unit", label: "Tokens", type: "select", group: "data", options: [{ value: "char", label: "characters" }, { value: "word", label: "words" }] },
  lowercase: { name: "lowercase", label: "Lowercase the text", type: "bool", group: "data" },
  encoding: {
    name: "encoding", label: "Inputs as", type: "select", group: "data", hint: "ids feed an Embedding",
    options: [{ value: "ids", label: "token ids" }, { value: "one_hot", label: "one-hot rows" }],
  },
  corpusWindow: { name: "window", label: "Window", type: "int", min: 1, group: "windows", placeholder: "40", hint: "tokens the model reads" },
  step: { name: "step", label: "Step", type: "int", min: 1, group: "windows", hint: "tokens between window starts" },
  corpusTarget: {
    name: "corpus_target", label: "Target", type: "select", group: "target",
    options: [{ value: "next", label: "the next token" }, { value: "sequence", label: "the window shifted by one (per step)" }],
  },
  // series (CSV): `window` past rows forecast `target` `horizon` rows ahead, every `stride` rows
  dateColumn: { name: "date_column", label: "Date column", type: "column", group: "data", hint: "empty: the first column of dates" },
  features: { name: "features", label: "Feature columns", type: "text", group: "data", placeholder: "all numeric columns", hint: "comma-separated" },
  seriesScaling: {
    name: "scaling", label: "Scaling", type: "select", group: "data", options: opt("auto", "standard", "minmax", "none"),
    hint: "inputs and target; undone in predictions",
  },
  seriesTarget: { name: "target", label: "Target column", type: "column", group: "target", hint: "the value to forecast" },
  seriesWindow: { name: "window", label: "Window", type: "int", min: 1, group: "windows", placeholder: "30", hint: "past rows the model reads" },
  horizon: { name: "horizon", label: "Horizon", type: "int", min: 1, group: "windows", hint: "rows ahead to forecast" },
  stride: { name: "stride", label: "Stride", type: "int", min: 1, group: "windows", hint: "rows between windows" },
  hflip: { name: "horizontal_flip", label: "Flip horizontally", type: "bool", group: "augment" },
  vflip: { name: "vertical_flip", label: "Flip vertically", type: "bool", group: "augment" },
  shift: { name: "shift", label: "Random shift", type: "int", min: 0, max: 64, group: "augment", hint: "pixels" },
};

/** The server's defaults (UploadOptions), as the form shows them. */
export const DEFAULTS: OptionValues = {
  name: "", kind: "auto", target: "", text_column: "text", task: "auto", label_mode: "int", scaling: "auto",
  image_size: "32, 32", color_mode: "rgb", max_length: "100", vocab_size: "10000", padding: "pre", truncating: "pre",
  validation_split: "0", test_split: "0.2", seed: "0", horizontal_flip: false, vertical_flip: false, shift: "0",
  unit: "char", window: "", step: "3", lowercase: false, encoding: "ids", corpus_target: "next",
  date_column: "", features: "", horizon: "1", stride: "1",
};

/** The fields shown for a file of `kind` (a CSV read as `mode`). */
export function fieldsFor(kind: FileKind, mode: CsvMode = "auto"): FieldSpec[] {
  const split = [F.validation, F.test, F.seed];
  switch (kind) {
    case "csv":
      if (mode === "text") {
        return [F.name, F.csvMode, F.textColumn, F.maxLength, F.vocabSize, F.padding, F.truncating, F.textTarget, F.labelMode, ...split];
      }
      if (mode === "series") {
        return [F.name, F.csvMode, F.dateColumn, F.features, F.seriesScaling, F.seriesWindow, F.horizon, F.stride,
          F.seriesTarget, ...split];
      }
      return [F.name, F.csvMode, F.scaling, F.target, F.task, F.labelMode, ...split];
    case "npz":
      return [F.name, F.scaling, F.task, F.labelMode, ...split];
    case "images":
      return [F.name, F.imageSize, F.colorMode, F.scaling, F.labelMode, ...split, F.hflip, F.vflip, F.shift];
    case "corpus":
      return [F.name, F.unit, F.encoding, F.lowercase, F.corpusWindow, F.step, F.corpusTarget, ...split];
    default:
      return [F.name, ...split];
  }
}

/** Initial values for a file: the server's defaults, the CSV's last column as the target (a
 *  `label` column for texts), a `text` column when there is one. */
export function initialValues(kind: FileKind, columns: string[] = []): OptionValues {
  const v: OptionValues = { ...DEFAULTS };
  if (kind === "csv" && columns.length) {
    const lower = columns.map((c) => c.toLowerCase());
    const textCol = lower.indexOf("text");
    if (textCol >= 0) v.text_column = columns[textCol];
    v.target = columns[columns.length - 1];
  }
  return v;
}

/** Problems a field's value has before it is sent (a number that is not one); null when fine. */
export function fieldError(spec: FieldSpec, value: string | boolean): string | null {
  if (typeof value === "boolean" || value.trim() === "") return null;
  const t = value.trim();
  if (spec.type === "int" || spec.type === "float") {
    const n = Number(t);
    if (!Number.isFinite(n)) return `${spec.label} must be a number.`;
    if (spec.type === "int" && !Number.isInteger(n)) return `${spec.label} must be a whole number.`;
    if (spec.min !== undefined && n < spec.min) return `${spec.label} must be at least ${spec.min}.`;
    if (spec.max !== undefined && (spec.type === "float" ? n >= spec.max : n > spec.max)) {
      return `${spec.label} must be ${spec.type === "float" ? "less than" : "at most"} ${spec.max}.`;
    }
  }
  if (spec.type === "size") {
    const parts = t.split(/[\s,x×]+/).filter(Boolean);
    if (parts.length < 1 || parts.length > 2 || parts.some((p) => !/^\d+$/.test(p) || Number(p) < 1)) {
      return `${spec.label} is one or two whole numbers, like 32 or 28, 28.`;
    }
  }
  return null;
}

/** Form fields to send: the shown fields whose value differs from the server's default. */
export function formFields(kind: FileKind, mode: CsvMode, values: OptionValues): Record<string, string> {
  // Said outright for a .txt (the server's default for one too), so the request says what was meant.
  const out: Record<string, string> = kind === "corpus" ? { kind: "corpus" } : {};
  for (const spec of fieldsFor(kind, mode)) {
    const v = values[spec.name];
    if (v === undefined) continue;
    if (typeof v === "boolean") {
      if (v) out[spec.name] = "true";
      continue;
    }
    const t = v.trim();
    if (t === "" || (spec.name !== "target" && t === String(DEFAULTS[spec.name] ?? ""))) continue;
    out[spec.name] = spec.type === "size" ? t.split(/[\s,x×]+/).filter(Boolean).join(",") : t;
  }
  return out;
}

/** Column names from a CSV's first line (quotes and a tab or semicolon separator understood). */
export function csvHeader(text: string): string[] {
  const line = text.replace(/^\uFEFF/, "").split(/\r?\n/, 1)[0] ?? "";
  if (!line.trim()) return [];
  const sep = [",", "\t", ";"].reduce((a, b) => (line.split(b).length > line.split(a).length ? b : a));
  const cols: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === sep) {
      cols.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  cols.push(cur.trim());
  return cols;
}

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(n < 10 * 1024 * 1024 ? 1 : 0)} MB`;
}
