// The New-sweep dialog's space editor: rows of (path, type, values | low..high) into the `space`
// of POST /api/sweeps, with a sentence naming the row and field when a row cannot be read.
import type { GraphJson } from "../api/types";
import type { Dimension } from "./types";

export type DimType = Dimension["type"];
export const DIM_TYPES: DimType[] = ["choice", "uniform", "log_uniform", "int_uniform"];

export interface SpaceRow {
  path: string;
  type: DimType;
  values: string; // choice: comma-separated
  low: string;
  high: string;
}

/** Training settings a sweep can search (dotted into the run request). */
export const SETTING_PATHS = [
  "optimizer.learning_rate", "batch_size", "epochs", "optimizer.weight_decay", "optimizer.momentum",
  "optimizer.type", "validation_split", "seed",
];

/** "<node id>.<param>" for every scalar param of every layer node (Input's shape is not one). */
export function nodeParamPaths(graph: Pick<GraphJson, "nodes">, defaults: (type: string) => Record<string, unknown> = () => ({})): string[] {
  const out: string[] = [];
  for (const n of graph.nodes) {
    if (n.type === "Input" || n.type === "Block") continue;
    const params = { ...defaults(n.type), ...n.params };
    for (const [k, v] of Object.entries(params)) if (v === null || ["number", "string", "boolean"].includes(typeof v)) out.push(`${n.id}.${k}`);
  }
  return out;
}

export class SpaceRowError extends Error {
  constructor(public row: number, public field: keyof SpaceRow, message: string) {
    super(message);
  }
}

/** "32, 64, relu, true" → [32, 64, "relu", true]: numbers and booleans as such, the rest as text. */
export function parseValues(text: string): (string | number | boolean | null)[] {
  return text.split(",").map((s) => s.trim()).filter((s) => s !== "").map((s) => {
    if (s === "true" || s === "false") return s === "true";
    if (s === "null") return null;
    const n = Number(s);
    return Number.isFinite(n) ? n : s;
  });
}

function bound(row: SpaceRow, i: number, field: "low" | "high", int: boolean): number {
  const text = row[field].trim();
  const n = Number(text);
  if (text === "" || !Number.isFinite(n)) throw new SpaceRowError(i, field, `Row ${i + 1} (${row.path || "no path"}): ${field} must be a number.`);
  if (int && !Number.isInteger(n)) throw new SpaceRowError(i, field, `Row ${i + 1} (${row.path}): ${field} must be a whole number for int_uniform.`);
  return n;
}

export function dimensionOf(row: SpaceRow, i: number): Dimension {
  if (row.type === "choice") {
    const values = parseValues(row.values);
    if (!values.length) throw new SpaceRowError(i, "values", `Row ${i + 1} (${row.path || "no path"}): list at least one value, separated by commas.`);
    return { type: "choice", values };
  }
  const int = row.type === "int_uniform";
  const low = bound(row, i, "low", int);
  const high = bound(row, i, "high", int);
  if (int ? low > high : low >= high) throw new SpaceRowError(i, "high", `Row ${i + 1} (${row.path}): high must be ${int ? "at least" : "above"} low.`);
  if (row.type === "log_uniform" && low <= 0) throw new SpaceRowError(i, "low", `Row ${i + 1} (${row.path}): log_uniform needs low > 0.`);
  return { type: row.type, low, high } as Dimension;
}

/** The space of the rows; throws SpaceRowError naming the first row and field that is wrong. */
export function spaceOf(rows: SpaceRow[]): Record<string, Dimension> {
  if (!rows.length) throw new SpaceRowError(0, "path", "Add at least one dimension to search.");
  const space: Record<string, Dimension> = {};
  rows.forEach((row, i) => {
    const path = row.path.trim();
    if (!path) throw new SpaceRowError(i, "path", `Row ${i + 1}: choose what to search.`);
    if (path in space) throw new SpaceRowError(i, "path", `Row ${i + 1}: ${path} is searched twice.`);
    space[path] = dimensionOf(row, i);
  });
  return space;
}

/** The row a server refusal is about: the first row whose path its message names. */
export function rowOfMessage(rows: SpaceRow[], message: string): number | null {
  const i = rows.findIndex((r) => r.path.trim() !== "" && message.includes(`'${r.path.trim()}'`));
  if (i >= 0) return i;
  const j = rows.findIndex((r) => r.path.trim() !== "" && message.includes(r.path.trim()));
  return j >= 0 ? j : null;
}
