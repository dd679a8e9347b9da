// A run's status chip and how long it has run (so far, while it runs), shared by the list and the run view.
import type { RunSummary } from "../../api/types";

export function duration(r: Pick<RunSummary, "started_at" | "finished_at">): number | null {
  if (!r.started_at) return null;
  const end = r.finished_at ? new Date(r.finished_at).getTime() : Date.now();
  return (end - new Date(r.started_at).getTime()) / 1000;
}

export function StatusChip({ status }: { status: string }) {
  return <span className={`status-chip s-${status}`} data-testid="run-status">{status}</span>;
}
