// A run's settings (its RunRequest) as flat rows with stable dotted keys ("optimizer.learning_rate",
// "augment.rotation_range"), grouped compile then fit: the run page's Settings panel and the
// comparison's hyperparameter table read the same rows. Pure and unit-tested.

export interface SettingRow {
  key: string;
  label: string;
  value: string;
  group: "compile" | "fit";
}

// Compile first (what the model optimises), then fit (how it is trained); anything else after.
const COMPILE = ["loss", "losses", "loss_weights", "from_logits", "optimizer", "schedule", "metrics", "top_k"];
const FIT = [
  "epochs", "batch_size", "validation_split", "use_validation_set", "shuffle", "class_weight", "early_stopping",
  "keep_best", "terminate_on_nan", "augment", "seed", "device", "init_from_run", "init_mode",
];
// Not settings: what is trained, on what, and its name are shown elsewhere.
const SKIP = new Set(["graph", "graph_id", "graph_version", "dataset", "name"]);

/** One value as text: metric objects like {type: "precision", class_id: 3} read "precision(class_id=3)". */
export function settingText(v: unknown): string {
  if (v === null || v === undefined) return "–";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  if (typeof v === "string" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return v.length ? v.map(settingText).join(", ") : "–";
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    const rest = Object.entries(o).filter(([k, x]) => k !== "type" && x !== null && x !== undefined);
    const inner = rest.map(([k, x]) => `${k}=${settingText(x)}`).join(", ");
    if (typeof o.type === "string") return rest.length ? `${o.type}(${inner})` : o.type;
    return inner || "–";
  }
  return String(v);
}

function label(key: string): string {
  const s = key.replace(/_/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// Settings with sub-settings become one row per sub-setting; maps of per-output or per-class
// values (losses, loss_weights, class_weight) stay one row so their keys remain stable.
const NESTED = new Set(["optimizer", "schedule", "early_stopping", "augment"]);

// An augmentation field at its "does nothing" value (no flip, range 0, no brightness, the default fill)
// says nothing about the run: only the transforms that ran are rows, so Compare shows what differs.
function augmentOff(k: string, x: unknown): boolean {
  return x === false || x === 0 || x === null || (k === "fill_mode" && x === "nearest");
}

export function settingsRows(request: object | null | undefined): SettingRow[] {
  if (!request) return [];
  const r = request as Record<string, unknown>;
  const order = [...COMPILE, ...FIT, ...Object.keys(r).filter((k) => !COMPILE.includes(k) && !FIT.includes(k)).sort()];
  const rows: SettingRow[] = [];
  for (const key of order) {
    if (SKIP.has(key) || !(key in r) || r[key] === undefined) continue;
    const v = r[key];
    const group = COMPILE.includes(key) ? "compile" : "fit";
    if (NESTED.has(key) && v && typeof v === "object" && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      if (typeof o.type === "string") rows.push({ key, label: label(key), value: o.type, group });
      const entries = Object.entries(o).filter(([k, x]) => k !== "type" && x !== undefined && !(key === "augment" && augmentOff(k, x)));
      if (key === "augment" && !entries.length) {
        rows.push({ key, label: label(key), value: "off", group });
        continue;
      }
      for (const [k, x] of entries) {
        rows.push({ key: `${key}.${k}`, label: `${label(key)} ${k.replace(/_/g, " ")}`, value: settingText(x), group });
      }
      if (typeof o.type !== "string" && !Object.keys(o).length) rows.push({ key, label: label(key), value: "–", group });
      continue;
    }
    if (NESTED.has(key) && v === null) {
      rows.push({ key, label: label(key), value: "off", group });
      continue;
    }
    rows.push({ key, label: label(key), value: settingText(v), group });
  }
  return rows;
}
