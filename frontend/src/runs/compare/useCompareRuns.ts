// The compared runs' records and histories through $api (cached, shared with the run pages), polled
// while a run is still training so its curves grow here too.
import { useQueries } from "@tanstack/react-query";
import { $api } from "../../api/query";
import type { RunPublic } from "../../api/types";
import { FINAL } from "../../train/runData";
import { PALETTE } from "../curves";
import { errorText } from "../run/errorText";
import { type CompareCurveRun, runSource } from "./compareCurves";

const POLL_MS = 3000;

export type ComparedRun = RunPublic & { epochs: NonNullable<RunPublic["epochs"]> } & CompareCurveRun;

export function useCompareRuns(ids: string[]): { runs: ComparedRun[]; loading: boolean; errors: string[] } {
  const records = useQueries({
    queries: ids.map((id) => ({
      ...$api.queryOptions("get", "/api/runs/{run_id}", { params: { path: { run_id: id } } }),
      refetchInterval: (q: { state: { data?: { status: RunPublic["status"] } } }) => (q.state.data && !FINAL.includes(q.state.data.status) ? POLL_MS : false),
    })),
  });
  const histories = useQueries({
    queries: ids.map((id, i) => {
      const status = records[i]?.data?.status;
      return {
        ...$api.queryOptions("get", "/api/runs/{run_id}/history", { params: { path: { run_id: id }, query: { format: "json" } } }),
        refetchInterval: status && !FINAL.includes(status) ? POLL_MS : (false as const),
      };
    }),
  });
  const errors = records.flatMap((q, i) => (q.error ? [`Run ${ids[i]}: ${errorText(q.error)}`] : []));
  const runs: ComparedRun[] = [];
  records.forEach((q, i) => {
    if (!q.data) return;
    const record = q.data as RunPublic;
    const epochs = record.epochs ?? [];
    // A history that failed to load still leaves the record's epochs to draw.
    const history = histories[i]?.data as Parameters<typeof runSource>[0];
    runs.push({ ...record, epochs, name: record.name, color: PALETTE[i % PALETTE.length], source: runSource(history, epochs) });
  });
  const loading = records.some((q) => q.isPending) || histories.some((q) => q.isPending);
  return { runs, loading, errors };
}
