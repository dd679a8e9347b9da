import { describe, expect, it } from "vitest";
import { countLines, countText, kerasMemorySize } from "./paramCounts";

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
