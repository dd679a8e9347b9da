import { describe, expect, it } from "vitest";
import { countLines, countText, kerasMemorySize, roughCount, willTrainText } from "./paramCounts";

describe("Keras's summary count lines", () => {
  it("formats sizes as readable_memory_size does", () => {
    // values printed by Keras 3.15 for these byte counts
    expect(kerasMemorySize(0n)).toBe("0.00 B");
    expect(kerasMemorySize(136n)).toBe("136.00 B");
    expect(kerasMemorySize(1023n)).toBe("1023.00 B");
    expect(kerasMemorySize(1024n)).toBe("1.00 KB");
    expect(kerasMemorySize(4936n)).toBe("4.82 KB");
    expect(kerasMemorySize(934656n)).toBe("912.75 KB");
    expect(kerasMemorySize(1048576n * 3n)).toBe("3.00 MB");
  });

  it("rounds an exact half to even, like Python's format", () => {
    expect(kerasMemorySize(1152n)).toBe("1.12 KB"); // 1.125 KB exactly
    expect(kerasMemorySize(1664n)).toBe("1.62 KB"); // 1.625
    expect(kerasMemorySize(1408n)).toBe("1.38 KB"); // 1.375
  });

  it("gives the three lines with thousands separators", () => {
    const counts = { total_params: 1234, trainable_params: 1200, non_trainable_params: 34 };
    expect(countLines(counts).map((l) => [l.label, l.count, l.size])).toEqual([
      ["Total params", "1,234", "4.82 KB"],
      ["Trainable params", "1,200", "4.69 KB"],
      ["Non-trainable params", "34", "136.00 B"],
    ]);
    expect(countText(counts)).toBe(
      "Total params: 1,234 (4.82 KB)\nTrainable params: 1,200 (4.69 KB)\nNon-trainable params: 34 (136.00 B)",
    );
  });
});

describe("what will train, once something is frozen", () => {
  it("rounds to three figures", () => {
    expect(["208", "9,999", "12.3 k", "1.2 M", "14.7 M", "138 M"]).toEqual(
      [208, 9999, 12345, 1_199_882, 14_714_688, 138_357_544].map(roughCount),
    );
  });

  it("reads the report's counts: VGG16 without top, base frozen, a new Dense head", () => {
    // Keras: VGG16(include_top=False, input_shape=(150, 150, 3)) has 14,714,688 params; a
    // Flatten → Dense(256) → Dense(1) head on its 4·4·512 output adds 2,097,408 + 257.
    const report = { total_params: 16_812_353, trainable_params: 2_097_665, non_trainable_params: 14_714_688 };
    expect(willTrainText(report)).toBe("2.1 M of 16.8 M params will train");
    expect(countLines(report).map((l) => l.count)).toEqual(["16,812,353", "2,097,665", "14,714,688"]);
    expect(willTrainText({ total_params: 272, trainable_params: 0 })).toBe("0 of 272 params will train");
  });
});
