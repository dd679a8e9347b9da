// Writes to a run from the list (rename, notes, tags, delete), each followed by a refetch of the
// run lists and the run's own view so every screen shows the change.
import { useQueryClient } from "@tanstack/react-query";
import { $api } from "../../api/query";

function useRefreshRuns() {
  const qc = useQueryClient();
  return () => Promise.all([
    qc.invalidateQueries({ queryKey: ["get", "/api/runs"] }),
    qc.invalidateQueries({ queryKey: ["get", "/api/runs/{run_id}"] }),
  ]);
}

export function useUpdateRun() {
  const refresh = useRefreshRuns();
  return $api.useMutation("patch", "/api/runs/{run_id}", { onSuccess: refresh });
}

export function useDeleteRun() {
  const refresh = useRefreshRuns();
  return $api.useMutation("delete", "/api/runs/{run_id}", { onSuccess: refresh });
}

export type RunMeta = { name?: string; notes?: string; tags?: string[] };

/** Save part of a run's metadata; the promise rejects with the server's sentence. */
export function useSaveMeta() {
  const update = useUpdateRun();
  return (runId: string, body: RunMeta) => update.mutateAsync({ params: { path: { run_id: runId } }, body });
}
