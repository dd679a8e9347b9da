import { describe, expect, it } from "vitest";
import { csvHeader, fieldError, fieldsFor, fileKindOf, formFields, initialValues, type FieldSpec } from "./uploadOptions";

const names = (fields: FieldSpec[]) => fields.map((f) => f.name);

describe("fileKindOf", () => {
  it("tells the upload kinds apart by extension", () => {
    expect(fileKindOf("iris.CSV")).toBe("csv");
    expect(fileKindOf("x.tsv")).toBe("csv");
    expect(fileKindOf("arrays.npz")).toBe("npz");
    expect(fileKindOf("cats-and-dogs.zip")).toBe("images");
    expect(fileKindOf("shakespeare.TXT")).toBe("corpus");
    expect(fileKindOf("README")).toBe("unknown");
  });
});

describe("fieldsFor", () => {
  it("offers a target column, task and scaling for a CSV table", () => {
    const f = names(fieldsFor("csv"));
    expect(f).toEqual(expect.arrayContaining(["target", "task", "scaling", "label_mode", "test_split", "seed", "kind"]));
    expect(f).not.toContain("image_size");
    expect(f).not.toContain("max_length");
  });

  it("offers tokenizer options for a CSV read as texts", () => {
    const f = names(fieldsFor("csv", "text"));
    expect(f).toEqual(expect.arrayContaining(["text_column", "max_length", "vocab_size", "padding", "truncating", "target"]));
    expect(f).not.toContain("scaling");
  });

  it("offers image size, colour mode and augmentation for an image ZIP", () => {
    const f = names(fieldsFor("images"));
    expect(f).toEqual(expect.arrayContaining(["image_size", "color_mode", "horizontal_flip", "vertical_flip", "shift"]));
    expect(f).not.toContain("target");
  });

  it("offers only what applies to NPZ arrays and unknown files", () => {
    expect(names(fieldsFor("npz"))).not.toContain("target");
    expect(names(fieldsFor("unknown"))).toEqual(["name", "validation_split", "test_split", "seed"]);
  });

  it("names only options the server accepts", () => {
    // backend/netcanvas/data/options.py UploadOptions
    const known = new Set(["name", "kind", "target", "text_column", "task", "scaling", "label_mode", "validation_split",
      "test_split", "seed", "image_size", "color_mode", "max_length", "vocab_size", "padding", "truncating",
      "horizontal_flip", "vertical_flip", "shift", "x_dtype", "unit", "window", "step", "lowercase", "encoding",
      "corpus_target", "features", "date_column", "horizon", "stride"]);
    for (const kind of ["csv", "npz", "images", "corpus", "unknown"] as const) {
      for (const mode of ["auto", "text", "series"] as const) {
        for (const f of fieldsFor(kind, mode)) expect(known.has(f.name), f.name).toBe(true);
      }
    }
  });
});

describe("sequence kinds", () => {
  it("offers the corpus options, and only them, for a .txt", () => {
    const f = names(fieldsFor("corpus"));
    expect(f).toEqual(["name", "unit", "encoding", "lowercase", "window", "step", "corpus_target", "validation_split", "test_split", "seed"]);
    expect(fieldsFor("corpus").find((s) => s.name === "window")?.placeholder).toBe("40");
  });

  it("offers windows, horizon and a date column for a CSV read as a series, not class options", () => {
    const fields = fieldsFor("csv", "series");
    const f = names(fields);
    expect(f).toEqual(expect.arrayContaining(["date_column", "features", "scaling", "window", "horizon", "stride", "target"]));
    expect(f).not.toContain("label_mode");
    expect(f).not.toContain("task");
    expect(f).not.toContain("unit");
    expect(fields.find((s) => s.name === "window")?.placeholder).toBe("30");
    // series options stay off the other CSV modes
    for (const mode of ["auto", "csv", "text"] as const) {
      expect(names(fieldsFor("csv", mode))).not.toContain("horizon");
      expect(names(fieldsFor("csv", mode))).not.toContain("date_column");
    }
  });

  it("sends kind=corpus for a .txt with its changed options", () => {
    expect(formFields("corpus", "auto", initialValues("corpus"))).toEqual({ kind: "corpus" });
    const v = { ...initialValues("corpus"), unit: "word", window: "12", lowercase: true, corpus_target: "sequence" };
    expect(formFields("corpus", "auto", v)).toEqual({ kind: "corpus", unit: "word", window: "12", lowercase: "true", corpus_target: "sequence" });
  });

  it("sends a series' target, window and horizon, leaving an empty window to the server", () => {
    const v = { ...initialValues("csv", ["date", "price"]), kind: "series" };
    expect(formFields("csv", "series", v)).toEqual({ kind: "series", target: "price" });
    expect(formFields("csv", "series", { ...v, window: "14", horizon: "3", scaling: "minmax", date_column: "date" }))
      .toEqual({ kind: "series", target: "price", window: "14", horizon: "3", scaling: "minmax", date_column: "date" });
  });
});

describe("initialValues", () => {
  it("picks the last column as the target and finds a text column", () => {
    const v = initialValues("csv", ["Text", "stars", "label"]);
    expect(v.target).toBe("label");
    expect(v.text_column).toBe("Text");
    expect(initialValues("images").target).toBe("");
  });
});

describe("formFields", () => {
  it("sends changed options and the chosen target, leaving defaults to the server", () => {
    const v = { ...initialValues("csv", ["a", "b", "species"]), test_split: "0.25", scaling: "auto" };
    expect(formFields("csv", "auto", v)).toEqual({ target: "species", test_split: "0.25" });
  });

  it("sends the CSV mode, image sizes as H,W and ticked augmentations", () => {
    expect(formFields("csv", "text", { ...initialValues("csv", ["text", "label"]), kind: "text", max_length: "50" }))
      .toEqual({ kind: "text", target: "label", max_length: "50" });
    const img = { ...initialValues("images"), image_size: "28 x 28", color_mode: "grayscale", horizontal_flip: true, shift: "2" };
    expect(formFields("images", "auto", img)).toEqual({ image_size: "28,28", color_mode: "grayscale", horizontal_flip: "true", shift: "2" });
  });

  it("does not send fields that do not apply to the file type", () => {
    const v = { ...initialValues("npz"), target: "y", image_size: "64" };
    expect(formFields("npz", "auto", v)).toEqual({});
  });
});

describe("fieldError", () => {
  const spec = (type: FieldSpec["type"], extra: Partial<FieldSpec> = {}): FieldSpec => ({ name: "x", label: "X", type, group: "data", ...extra });
  it("checks numbers and sizes before sending", () => {
    expect(fieldError(spec("int"), "3")).toBeNull();
    expect(fieldError(spec("int"), "3.5")).toMatch(/whole number/);
    expect(fieldError(spec("float", { min: 0, max: 1 }), "1")).toMatch(/less than 1/);
    expect(fieldError(spec("float", { min: 0, max: 1 }), "abc")).toMatch(/number/);
    expect(fieldError(spec("int", { min: 1 }), "0")).toMatch(/at least 1/);
    expect(fieldError(spec("size"), "32")).toBeNull();
    expect(fieldError(spec("size"), "28, 28")).toBeNull();
    expect(fieldError(spec("size"), "28, 28, 3")).toMatch(/one or two/);
    expect(fieldError(spec("int"), "")).toBeNull();
  });
});

describe("csvHeader", () => {
  it("reads the first line with quotes, BOM and other separators", () => {
    expect(csvHeader("a,b,c\n1,2,3\n")).toEqual(["a", "b", "c"]);
    expect(csvHeader('\uFEFF"name, full",age\r\nx,1')).toEqual(["name, full", "age"]);
    expect(csvHeader("a;b;c\n")).toEqual(["a", "b", "c"]);
    expect(csvHeader("a\tb\n")).toEqual(["a", "b"]);
    expect(csvHeader("")).toEqual([]);
  });
});
