// Turns a layer's JSON Schema (pydantic's model_json_schema) into form fields and checks values
// the way the server will, so the inspector can say what is wrong before a round trip.
import type { JsonSchema } from "../api/types";

export type FieldKind = "enum" | "boolean" | "number" | "tuple" | "string" | "json";

export interface FieldSpec {
  key: string;
  label: string;
  kind: FieldKind;
  schema: JsonSchema; // the non-null branch (resolved)
  branches: JsonSchema[]; // every non-null branch
  nullable: boolean;
  required: boolean;
  options: unknown[];
  description?: string;
}

export function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  if (schema.$ref) {
    const name = schema.$ref.split("/").pop()!;
    const target = root.$defs?.[name] ?? (root as { definitions?: Record<string, JsonSchema> }).definitions?.[name];
    if (target) return { ...resolve(target, root), ...omit(schema, "$ref") };
  }
  if (schema.allOf?.length === 1) return { ...resolve(schema.allOf[0], root), ...omit(schema, "allOf") };
  return schema;
}

function omit(s: JsonSchema, key: string): JsonSchema {
  const { [key]: _drop, ...rest } = s;
  void _drop;
  return rest;
}

const isNull = (s: JsonSchema) => s.type === "null" || (Array.isArray(s.type) && s.type.length === 1 && s.type[0] === "null");

export function fieldsOf(root: JsonSchema): FieldSpec[] {
  const props = root.properties ?? {};
  const req = new Set(root.required ?? []);
  return Object.entries(props).map(([key, raw]) => {
    const s = resolve(raw, root);
    const alts = (s.anyOf ?? s.oneOf ?? [s]).map((b) => resolve(b, root));
    const branches = alts.filter((b) => !isNull(b));
    const nullable = alts.some(isNull) || (Array.isArray(s.type) && s.type.includes("null"));
    const main = branches[0] ?? s;
    const enumValues = branches.flatMap((b) => b.enum ?? (b.const !== undefined ? [b.const] : []));
    let kind: FieldKind;
    if (enumValues.length && enumValues.length === branches.reduce((n, b) => n + (b.enum?.length ?? (b.const !== undefined ? 1 : 0)), 0) && branches.every((b) => b.enum || b.const !== undefined)) kind = "enum";
    else if (branches.some((b) => b.type === "array")) kind = "tuple";
    else if (branches.length === 1 && main.type === "boolean") kind = "boolean";
    else if (branches.every((b) => b.type === "integer" || b.type === "number")) kind = "number";
    else if (branches.length === 1 && main.type === "string") kind = "string";
    else kind = "json";
    return {
      key,
      label: s.title ?? key,
      kind,
      schema: main,
      branches,
      nullable,
      required: req.has(key),
      options: enumValues,
      description: s.description,
    };
  });
}

/** The text a field shows for a value. */
export function toText(field: FieldSpec, value: unknown): string {
  if (value === null || value === undefined) return "";
  if (field.kind === "tuple" && Array.isArray(value)) return value.map((v) => (v === null ? "None" : String(v))).join(", ");
  if (field.kind === "json") return JSON.stringify(value);
  return String(value);
}

function checkNumber(n: number, s: JsonSchema, label: string): string | null {
  if (s.type === "integer" && !Number.isInteger(n)) return `${label} must be a whole number.`;
  if (s.minimum !== undefined && n < s.minimum) return `${label} must be at least ${s.minimum}.`;
  if (s.exclusiveMinimum !== undefined && n <= s.exclusiveMinimum) return `${label} must be greater than ${s.exclusiveMinimum}.`;
  if (s.maximum !== undefined && n > s.maximum) return `${label} must be at most ${s.maximum}.`;
  if (s.exclusiveMaximum !== undefined && n >= s.exclusiveMaximum) return `${label} must be less than ${s.exclusiveMaximum}.`;
  return null;
}

function checkItem(v: number | null, s: JsonSchema | undefined, label: string): string | null {
  if (!s) return null;
  const alts = s.anyOf ?? s.oneOf ?? [s];
  if (v === null) return alts.some(isNull) ? null : `${label}: None is not allowed here.`;
  const nums = alts.filter((a) => a.type === "integer" || a.type === "number");
  if (!nums.length) return null;
  const errs = nums.map((a) => checkNumber(v, a, label));
  return errs.includes(null) ? null : errs[0];
}

export type Parsed = { ok: true; value: unknown } | { ok: false; error: string };

/** Parses what the user typed into a value the schema accepts, or says why not. */
export function parseField(field: FieldSpec, text: string): Parsed {
  const t = text.trim();
  const label = field.label;
  if (t === "" || /^(none|null)$/i.test(t)) {
    if (field.nullable) return { ok: true, value: null };
    return { ok: false, error: `${label} is required.` };
  }
  switch (field.kind) {
    case "number": {
      const n = Number(t);
      if (!Number.isFinite(n)) return { ok: false, error: `${label} must be a number.` };
      const errs = field.branches.map((b) => checkNumber(n, b, label));
      const err = errs.includes(null) ? null : errs[0];
      return err ? { ok: false, error: err } : { ok: true, value: n };
    }
    case "tuple": {
      const parts = t.replace(/^[([]|[)\]]$/g, "").split(/[\s,×x*]+/).filter(Boolean);
      const values: (number | null)[] = [];
      for (const p of parts) {
        if (/^(none|null|\?)$/i.test(p)) values.push(null);
        else {
          const n = Number(p);
          if (!Number.isFinite(n)) return { ok: false, error: `${label}: “${p}” is not a number.` };
          values.push(n);
        }
      }
      const scalar = field.branches.find((b) => b.type === "integer" || b.type === "number");
      if (values.length === 1 && scalar && values[0] !== null) {
        const err = checkNumber(values[0], scalar, label);
        return err ? { ok: false, error: err } : { ok: true, value: values[0] };
      }
      const arr = field.branches.find((b) => b.type === "array") ?? field.schema;
      const min = arr.minItems ?? (Array.isArray(arr.prefixItems) ? arr.prefixItems.length : undefined);
      const max = arr.maxItems ?? (Array.isArray(arr.prefixItems) ? arr.prefixItems.length : undefined);
      if (min !== undefined && values.length < min) return { ok: false, error: `${label} needs at least ${min} value${min > 1 ? "s" : ""}.` };
      if (max !== undefined && values.length > max) return { ok: false, error: `${label} takes at most ${max} value${max > 1 ? "s" : ""}.` };
      for (let i = 0; i < values.length; i++) {
        const item = Array.isArray(arr.prefixItems) ? arr.prefixItems[i] : Array.isArray(arr.items) ? arr.items[i] : arr.items;
        const err = checkItem(values[i], item, label);
        if (err) return { ok: false, error: err };
      }
      return { ok: true, value: values };
    }
    case "string": {
      const s = field.schema;
      if (s.minLength !== undefined && t.length < s.minLength) return { ok: false, error: `${label} is too short.` };
      if (s.maxLength !== undefined && t.length > s.maxLength) return { ok: false, error: `${label} is too long.` };
      return { ok: true, value: text };
    }
    case "json":
      try {
        return { ok: true, value: JSON.parse(t) };
      } catch {
        return { ok: false, error: `${label} must be JSON.` };
      }
    default:
      return { ok: true, value: text };
  }
}
