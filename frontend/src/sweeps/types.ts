// Sweep shapes as the server describes them (generated from its OpenAPI schema, docs/sweeps.md).
import type { components } from "../api/schema";

export type SweepPublic = components["schemas"]["SweepPublic"];
export type SweepSummary = components["schemas"]["SweepSummary"];
export type SweepCreate = components["schemas"]["SweepCreate"];
export type TrialPublic = components["schemas"]["TrialPublic"];
export type Dimension = SweepSummary["space"][string];

/** A sweep still starting or training trials: its page keeps refreshing. */
export const sweepActive = (status: string) => status === "queued" || status === "running";

/** Trials that have ended, of all planned. */
export function trialsDone(s: Pick<SweepSummary, "counts" | "planned">): number {
  return Object.entries(s.counts).reduce((n, [status, k]) => (status === "pending" || status === "queued" || status === "running" ? n : n + k), 0);
}
