// The three count lines Keras's model.summary() ends with, digit for digit:
//   Total params: 1,234 (4.82 KB)
//   Trainable params: 1,200 (4.69 KB)
//   Non-trainable params: 34 (136.00 B)
// Every weight of a netcanvas model is float32 in Keras: 4 bytes a parameter.

const UNITS = ["B", "KB", "MB", "GB", "TB", "PB"];
const BYTES_PER_PARAM = 4n;

/** keras.src.utils.summary_utils.readable_memory_size: "{:.2f} {unit}", 1024 a step. Exact (BigInt),
 * with Python's round-half-to-even where the value lies exactly halfway. */
export function kerasMemorySize(bytes: bigint): string {
  let unit = 0;
  let div = 1n;
  // Python divides up to six times; past PB the value is still labelled PB (divided once more).
  while (unit < UNITS.length && bytes >= div * 1024n) {
    div *= 1024n;
    unit++;
  }
  const label = UNITS[Math.min(unit, UNITS.length - 1)];
  const num = bytes * 100n;
  let q = num / div;
  const twice = (num % div) * 2n;
  if (twice > div || (twice === div && q % 2n === 1n)) q += 1n;
  return `${q / 100n}.${(q % 100n).toString().padStart(2, "0")} ${label}`;
}

/** Keras's f"{count:,}". */
export function kerasCount(count: number): string {
  return BigInt(Math.round(count)).toLocaleString("en-US");
}

export interface CountLine {
  key: "total" | "trainable" | "non-trainable";
  label: string;
  count: string;
  size: string;
}

export function countLines(counts: { total_params: number; trainable_params: number; non_trainable_params: number }): CountLine[] {
  const line = (key: CountLine["key"], label: string, n: number): CountLine => ({
    key, label, count: kerasCount(n), size: kerasMemorySize(BigInt(Math.round(n)) * BYTES_PER_PARAM),
  });
  return [
    line("total", "Total params", counts.total_params),
    line("trainable", "Trainable params", counts.trainable_params),
    line("non-trainable", "Non-trainable params", counts.non_trainable_params),
  ];
}

/** The lines as Keras prints them, one per line (the status bar's tooltip). */
export function countText(counts: { total_params: number; trainable_params: number; non_trainable_params: number }): string {
  return countLines(counts).map((l) => `${l.label}: ${l.count} (${l.size})`).join("\n");
}

/** A count to read at a glance, three figures: 208, 9,999, 12.3 k, 14.7 M, 138 M. */
export function roughCount(n: number): string {
  const scaled = (v: number, unit: string) => `${Number(v.toPrecision(3))} ${unit}`;
  if (n >= 1e9) return scaled(n / 1e9, "G");
  if (n >= 1e6) return scaled(n / 1e6, "M");
  if (n >= 1e4) return scaled(n / 1e3, "k");
  return kerasCount(n);
}

/** The status bar's line once something is frozen: "1.2 M of 14.9 M params will train". */
export function willTrainText(counts: { total_params: number; trainable_params: number }): string {
  return `${roughCount(counts.trainable_params)} of ${roughCount(counts.total_params)} params will train`;
}
