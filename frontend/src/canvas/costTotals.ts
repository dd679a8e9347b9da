// The Summary's cost columns: a node's weights, its outputs for one training batch and its
// multiply-adds, and the same for the whole model, from the validation report (graph/budget.py,
// graph/cost.py on the server: decimal bytes, activations per sample with a None dimension as 1).
import type { NodeReport, ValidateResult } from "../api/types";

export interface Cost {
  params: number | null;
  weightBytes: number | null;
  activationBytes: number | null; // for `batch` samples
  macs: number | null; // for one sample, as Keras-style counts are quoted
}

/** The Train panel's batch size as a count of samples, or null while the field is not one. */
export function batchOf(text: string): number | null {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return n >= 1 && n <= 65536 ? n : null;
}

const times = (v: number | null | undefined, k: number) => (v === null || v === undefined ? null : v * k);

export function nodeCost(r: NodeReport | undefined, batch: number): Cost {
  return {
    params: r?.params ?? null,
    weightBytes: r?.weight_bytes ?? null,
    activationBytes: times(r?.activation_bytes, batch),
    macs: r?.macs ?? null,
  };
}

/** The model's totals: the server's sums (whole graph, also while a block is open). */
export function totalCost(a: ValidateResult, batch: number): Cost {
  return {
    params: a.total_params,
    weightBytes: a.weight_bytes ?? null,
    activationBytes: times(a.activation_bytes, batch),
    macs: a.macs ?? null,
  };
}
