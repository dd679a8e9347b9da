// A refused POST /api/sweeps (422) as sentences by dialog field: FastAPI's validation list by its
// `loc` ("body" → "space" → path …), the sweep's ProblemsDetail by the path its message names.
import { rowOfMessage, type SpaceRow } from "./space";

/** Field keys of the dialog: "name", "algorithm", "max_trials", "parallelism", "seed", "objective",
 *  "early_termination", "row:<i>" (a space row), "base" (the canvas graph and Train settings), "form". */
export type SweepErrors = Record<string, string>;

const FIELDS = new Set(["name", "algorithm", "max_trials", "parallelism", "seed", "objective", "early_termination"]);

function add(errors: SweepErrors, key: string, text: string) {
  errors[key] = errors[key] ? `${errors[key]} ${text}` : text;
}

function keyOf(loc: (string | number)[], rows: SpaceRow[]): string {
  const [top, second] = loc;
  if (top === "space" && typeof second === "string") {
    const i = rows.findIndex((r) => r.path.trim() === second);
    return i >= 0 ? `row:${i}` : "form";
  }
  if (typeof top === "string" && FIELDS.has(top)) return top;
  if (top === "base") return "base";
  return "form";
}

export function sweepErrorsOf(detail: unknown, rows: SpaceRow[]): SweepErrors {
  const errors: SweepErrors = {};
  if (Array.isArray(detail)) {
    for (const d of detail as { loc?: (string | number)[]; msg?: string }[]) {
      const loc = d.loc?.[0] === "body" ? d.loc.slice(1) : d.loc ?? [];
      const key = keyOf(loc, rows);
      add(errors, key, key === "form" || key === "base" ? `${loc.join(".")}: ${d.msg ?? "is not valid"}` : d.msg ?? "is not valid");
    }
    return errors;
  }
  const message = messageOf(detail);
  // "trial 3 (h.units=7): …" is a run check refusing one point: about the base as much as the space
  const aboutBase = /^(base|trial \d+)/.test(message);
  const row = aboutBase ? null : rowOfMessage(rows, message);
  if (aboutBase) add(errors, "base", message);
  else if (row !== null) add(errors, `row:${row}`, message);
  else if (/max_trials|parallelism|objective/.test(message)) add(errors, message.match(/max_trials|parallelism|objective/)![0], message);
  else add(errors, "form", message);
  return errors;
}

/** A ProblemsDetail's message with the problems it does not already say. */
function messageOf(detail: unknown): string {
  if (typeof detail === "string") return detail;
  if (!detail || typeof detail !== "object" || !("message" in detail)) return "The sweep was refused.";
  const d = detail as { message: string; problems?: { message: string }[] };
  const extra = (d.problems ?? []).map((p) => p.message).filter((m) => !d.message.includes(m));
  return [d.message, ...extra].join(" ");
}
