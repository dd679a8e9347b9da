import { describe, expect, it } from "vitest";
import { settingsRows, settingText } from "./settingsRows";

describe("settingsRows", () => {
  const request = {
    dataset: "digits",
    graph: { nodes: [], edges: [] },
    epochs: 3,
    loss: "sparse_categorical_crossentropy",
    optimizer: { type: "adam", learning_rate: 0.001, beta_1: 0.9 },
    metrics: ["accuracy", { type: "precision", class_id: 3 }],
    early_stopping: null,
    augment: { rotation_range: 10, horizontal_flip: true },
    class_weight: "balanced",
    batch_size: 32,
    seed: null,
  };

  it("flattens nested settings into stable dotted keys, compile before fit", () => {
    const rows = settingsRows(request);
    const keys = rows.map((r) => r.key);
    expect(keys).toEqual([
      "loss", "optimizer", "optimizer.learning_rate", "optimizer.beta_1", "metrics",
      "epochs", "batch_size", "class_weight", "early_stopping", "augment.rotation_range", "augment.horizontal_flip", "seed",
    ]);
    const at = Object.fromEntries(rows.map((r) => [r.key, r]));
    expect(at["optimizer"].value).toBe("adam");
    expect(at["optimizer.learning_rate"].value).toBe("0.001");
    expect(at["augment.rotation_range"]).toMatchObject({ value: "10", group: "fit" });
    expect(at["loss"].group).toBe("compile");
    expect(at["early_stopping"].value).toBe("off");
    expect(at["seed"].value).toBe("–");
  });

  it("writes metric objects with their arguments", () => {
    expect(settingsRows({ augment: { horizontal_flip: false, rotation_range: 0, fill_mode: "nearest", cval: 0 } }))
      .toEqual([{ key: "augment", label: "Augment", value: "off", group: "fit" }]);
    expect(settingText([{ type: "precision", class_id: 3 }, "accuracy"])).toBe("precision(class_id=3), accuracy");
    expect(settingText(0.1 + 0.2)).toBe("0.3");
    expect(settingsRows(null)).toEqual([]);
  });
});
