import { describe, expect, it } from "vitest";
import { dispositionName, downloadList } from "./downloads";

describe("downloadList", () => {
  it("offers every rendered format once a run has model.pt", () => {
    expect(downloadList(["model.pt"]).map((d) => d.name)).toEqual([
      "model.pt", "model.pt2", "model.keras", "model.h5", "model.onnx", "model.py", "model_keras.py",
    ]);
  });

  it("keeps other stored files after the formats and offers nothing before training ends", () => {
    expect(downloadList(["history.csv", "model.pt", "model.h5"]).map((d) => d.name).slice(-1)).toEqual(["history.csv"]);
    expect(downloadList([])).toEqual([]);
    expect(downloadList(["log.txt"]).map((d) => d.name)).toEqual(["log.txt"]);
  });
});

describe("dispositionName", () => {
  it("reads the file name a server sends", () => {
    expect(dispositionName('attachment; filename="model.h5"', "x")).toBe("model.h5");
    expect(dispositionName("attachment; filename*=utf-8''model_keras.py", "x")).toBe("model_keras.py");
    expect(dispositionName(null, "model.pt")).toBe("model.pt");
  });
});
