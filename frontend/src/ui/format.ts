// Small formatters shared by the canvas, the summary and the run views.
import type { Shape } from "../api/types";

/** A shape as Python prints it (batch axis excluded): (32, 26, 26), (64,), None for variable. */
export function fmtShape(shape: Shape | null | undefined): string {
  if (!shape) return "?";
  const inner = shape.map((d) => (d === null ? "None" : String(d))).join(", ");
  return shape.length === 1 ? `(${inner},)` : `(${inner})`;
}

export function fmtCount(n: number | null | undefined): string {
  if (n === null || n === undefined) return "–";
  return n.toLocaleString("en-US");
}

export function fmtCompact(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(n >= 1e4 ? 0 : 1)}k`;
  return String(n);
}

/** Decimal bytes as the backend's budgets count them (1 MB = 10^6 bytes): "4.8 MB". */
export function fmtBytes(n: number): string {
  for (const [unit, scale] of [["GB", 1e9], ["MB", 1e6], ["kB", 1e3]] as const) {
    if (n >= scale) return `${(n / scale).toFixed(n >= scale * 10 ? 0 : 1)} ${unit}`;
  }
  return `${n} B`;
}

/** A node's cost line: "1.2M params · 4.8 MB · 9.4M MACs" (parts that are unknown or zero left out). */
export function fmtCost(r: { params?: number | null; weight_bytes?: number | null; macs?: number | null }): string {
  const parts: string[] = [];
  if (r.params) parts.push(`${fmtCompact(r.params)} params`);
  if (r.weight_bytes) parts.push(fmtBytes(r.weight_bytes));
  if (r.macs) parts.push(`${fmtCompact(r.macs)} MACs`);
  return parts.join(" · ");
}

export function fmtMetric(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return v.toFixed(a >= 100 ? 1 : 4);
}

export function fmtDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "–";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}

export function fmtDate(iso: string | null | undefined): string {
  if (!iso) return "–";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

function size(v: unknown, rank: number): string {
  if (Array.isArray(v)) return v.join("×");
  if (typeof v === "number") return rank > 1 ? Array(rank).fill(v).join("×") : String(v);
  return String(v);
}

/** The few parameters worth reading on a node card, e.g. "32 filters · 3×3 · relu". */
export function keyParams(type: string, params: Record<string, unknown>): string {
  const rank = /3D$/.test(type) ? 3 : /2D$/.test(type) ? 2 : 1;
  const out: string[] = [];
  const p = params;
  if (Array.isArray(p.shape)) out.push(fmtShape(p.shape as Shape));
  if (p.units !== undefined) out.push(`${p.units} units`);
  if (p.filters !== undefined) out.push(`${p.filters} filters`);
  if (p.kernel_size !== undefined) out.push(size(p.kernel_size, rank));
  if (p.pool_size !== undefined) out.push(`pool ${size(p.pool_size, rank)}`);
  if (p.strides !== undefined && p.strides !== null && p.strides !== 1 && p.strides !== p.pool_size) {
    out.push(`stride ${size(p.strides, rank)}`);
  }
  if (p.padding === "same") out.push("same");
  if (p.input_dim !== undefined) out.push(`vocab ${p.input_dim}`);
  if (p.output_dim !== undefined) out.push(`dim ${p.output_dim}`);
  if (p.rate !== undefined) out.push(`rate ${p.rate}`);
  if (Array.isArray(p.target_shape)) out.push(`→ ${fmtShape(p.target_shape as Shape)}`);
  if (p.axis !== undefined && p.axis !== null) out.push(`axis ${p.axis}`);
  if (typeof p.activation === "string" && p.activation !== "linear") out.push(p.activation);
  if (p.return_sequences === true) out.push("sequences");
  if (p.return_state === true) out.push("state");
  if (p.size !== undefined) out.push(`×${size(p.size, rank)}`);
  return out.slice(0, 4).join(" · ");
}
