import { describe, expect, it } from "vitest";
import type { JsonSchema } from "../api/types";
import { fieldsOf, parseField, toText } from "./schemaForm";

// Shapes as pydantic writes them for the layer registry (GET /api/layers params_schema).
const pooling: JsonSchema = {
  type: "object",
  properties: {
    pool_size: { anyOf: [{ exclusiveMinimum: 0, type: "integer" }, { items: { exclusiveMinimum: 0, type: "integer" }, maxItems: 2, minItems: 2, type: "array" }], default: 2, title: "Pool Size" },
    strides: { anyOf: [{ exclusiveMinimum: 0, type: "integer" }, { items: { exclusiveMinimum: 0, type: "integer" }, maxItems: 2, minItems: 2, type: "array" }, { type: "null" }], default: null, title: "Strides" },
    padding: { default: "valid", enum: ["valid", "same"], title: "Padding", type: "string" },
  },
};
const dense: JsonSchema = {
  type: "object",
  required: ["units"],
  properties: {
    units: { exclusiveMinimum: 0, type: "integer", title: "Units" },
    activation: { $ref: "#/$defs/Act" },
    use_bias: { type: "boolean", default: true, title: "Use Bias" },
    rate: { type: "number", minimum: 0, exclusiveMaximum: 1, title: "Rate" },
  },
  $defs: { Act: { enum: ["linear", "relu"], type: "string", title: "Activation" } },
};
const input: JsonSchema = {
  type: "object",
  required: ["shape"],
  properties: {
    shape: { items: { anyOf: [{ exclusiveMinimum: 0, type: "integer" }, { type: "null" }] }, minItems: 1, title: "Shape", type: "array" },
    axis: { anyOf: [{ type: "integer" }, { type: "null" }], default: null, title: "Axis" },
  },
};

const field = (schema: JsonSchema, key: string) => fieldsOf(schema).find((f) => f.key === key)!;

describe("forms from layer JSON Schema", () => {
  it("picks a control per parameter", () => {
    expect(fieldsOf(pooling).map((f) => [f.key, f.kind, f.nullable])).toEqual([
      ["pool_size", "tuple", false], ["strides", "tuple", true], ["padding", "enum", false],
    ]);
    expect(fieldsOf(dense).map((f) => [f.key, f.kind, f.required])).toEqual([
      ["units", "number", true], ["activation", "enum", false], ["use_bias", "boolean", false], ["rate", "number", false],
    ]);
    expect(field(dense, "activation").options).toEqual(["linear", "relu"]);
    expect(field(input, "axis")).toMatchObject({ kind: "number", nullable: true });
  });

  it("parses numbers with the schema's limits, saying what is wrong", () => {
    const units = field(dense, "units");
    expect(parseField(units, "64")).toEqual({ ok: true, value: 64 });
    expect(parseField(units, "0")).toEqual({ ok: false, error: "Units must be greater than 0." });
    expect(parseField(units, "2.5")).toEqual({ ok: false, error: "Units must be a whole number." });
    expect(parseField(units, "")).toEqual({ ok: false, error: "Units is required." });
    expect(parseField(units, "abc")).toEqual({ ok: false, error: "Units must be a number." });
    expect(parseField(field(dense, "rate"), "1")).toEqual({ ok: false, error: "Rate must be less than 1." });
    expect(parseField(field(input, "axis"), "")).toEqual({ ok: true, value: null });
    expect(parseField(field(input, "axis"), "-1")).toEqual({ ok: true, value: -1 });
  });

  it("reads an int or a pair for kernel-like sizes", () => {
    const pool = field(pooling, "pool_size");
    expect(parseField(pool, "3")).toEqual({ ok: true, value: 3 });
    expect(parseField(pool, "3, 2")).toEqual({ ok: true, value: [3, 2] });
    expect(parseField(pool, "(3×2)")).toEqual({ ok: true, value: [3, 2] });
    expect(parseField(pool, "1, 2, 3")).toEqual({ ok: false, error: "Pool Size takes at most 2 values." });
    expect(parseField(pool, "0")).toMatchObject({ ok: false });
    expect(parseField(field(pooling, "strides"), "None")).toEqual({ ok: true, value: null });
  });

  it("reads shapes with None for variable lengths", () => {
    const shape = field(input, "shape");
    expect(parseField(shape, "1, 28, 28")).toEqual({ ok: true, value: [1, 28, 28] });
    expect(parseField(shape, "None, 32")).toEqual({ ok: true, value: [null, 32] });
    expect(parseField(shape, "[1, 0]")).toMatchObject({ ok: false });
    expect(toText(shape, [null, 32])).toBe("None, 32");
  });
});
