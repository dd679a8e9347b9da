import { describe, expect, it } from "vitest";
import type { DatasetInfo } from "../api/types";
import { settingsForDataset } from "../train/TrainPanel";

const ds = (over: Partial<DatasetInfo>): DatasetInfo => ({
  id: "up-1", name: "Flowers", kind: "table", input_shape: [3], input_dtype: "float32",
  target: { kind: "classes", num_classes: 3, class_names: null }, sizes: { train: 24, validation: 0, test: 6 },
  suggested_loss: "sparse_categorical_crossentropy", description: "", source: "upload", extra: {}, ...over,
});

describe("settingsForDataset (Train panel selector and the data page's Use on canvas)", () => {
  it("takes the suggested loss and accuracy for classes", () => {
    expect(settingsForDataset("up-1", ds({}))).toEqual({ dataset: "up-1", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"] });
  });

  it("takes mae for a regression target", () => {
    const d = ds({ target: { kind: "values", num_classes: null, class_names: null }, suggested_loss: "mean_squared_error" });
    expect(settingsForDataset("sine", d)).toEqual({ dataset: "sine", loss: "mean_squared_error", metrics: ["mae"] });
  });

  it("keeps the other settings when the set is not known yet", () => {
    expect(settingsForDataset("digits", undefined)).toEqual({ dataset: "digits" });
  });
});
