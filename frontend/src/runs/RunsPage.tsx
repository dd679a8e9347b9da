// Every run: find them (search, filters, sortable columns kept in the URL), name, note and tag
// them, delete them, or select several to compare.
import { keepPreviousData } from "@tanstack/react-query";
import { Fragment, useCallback, useMemo, useState } from "react";
import { $api } from "../api/query";
import type { RunSummary } from "../api/types";
import { href, navigate, useHash } from "../ui/route";
import { metricColumns, sortByValue } from "./list/columns";
import { DeleteRunDialog } from "./list/DeleteRunDialog";
import { FilterBar } from "./list/FilterBar";
import { useDeleteRun, useSaveMeta } from "./list/mutations";
import { NotesRow } from "./list/NotesRow";
import { RunRow } from "./list/RunRow";
import { SortHeader } from "./list/SortHeader";
import { duration } from "./list/status";
import { allTags } from "./list/tags";
import { CLIENT_SORTS, DEFAULT_VIEW, describeFilters, isFiltered, parseView, runsQuery, toggleSort, viewHash, type RunsView } from "./list/view";
import "./list/list.css";

export { duration, StatusChip } from "./list/status";

const POLL_MS = 4000;

// The query middleware throws the server's sentence as an Error; its declared type is the body.
const errorText = (err: unknown) => (err instanceof Error ? err.message : JSON.stringify(err));  // statuses and metrics of running runs move on their own

// The URL is the one place the view lives: replacing it (no history entry per keystroke) and
// announcing the change lets useHash re-read it.
function showView(view: RunsView) {
  history.replaceState(null, "", viewHash(view));
  window.dispatchEvent(new HashChangeEvent("hashchange"));
}

export default function RunsPage() {
  const hash = useHash();
  const view = useMemo(() => parseView(hash), [hash]);
  const [picked, setPicked] = useState<string[]>([]);
  const [notesOf, setNotesOf] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<RunSummary | null>(null);

  const list = $api.useQuery("get", "/api/runs", { params: { query: runsQuery(view) } },
    { refetchInterval: POLL_MS, placeholderData: keepPreviousData });
  // Every run, for the filters' choices and to tell "no runs yet" from "none match"; the same cache
  // entry as the list when no filter or sort is set.
  const everything = $api.useQuery("get", "/api/runs", { params: { query: runsQuery(DEFAULT_VIEW) } }, { refetchInterval: POLL_MS });
  const saveMeta = useSaveMeta();
  const deleteRun = useDeleteRun();

  const allRuns = useMemo(() => everything.data?.data ?? [], [everything.data]);
  const datasets = useMemo(() => [...new Set(allRuns.map((r) => r.dataset))].sort(), [allRuns]);
  const tags = useMemo(() => allTags(allRuns), [allRuns]);
  const columns = useMemo(() => metricColumns(allRuns), [allRuns]);
  const rows = useMemo(() => {
    const data = list.data?.data ?? [];
    return CLIENT_SORTS.has(view.sort) ? sortByValue(data, duration, view.order) : data;
  }, [list.data, view.sort, view.order]);

  const change = useCallback((next: RunsView) => showView(next), []);
  const sortBy = (key: string) => showView(toggleSort(view, key));
  const remove = async (run: RunSummary) => {
    await deleteRun.mutateAsync({ params: { path: { run_id: run.id } } });
    setPicked((p) => p.filter((x) => x !== run.id));
  };

  const totalRuns = everything.data?.count;
  const colCount = 8 + columns.length;
  return (
    <div className="page runs-page">
      <div className="page-head">
        <h1>Runs</h1>
        {list.data && totalRuns !== undefined && (
          <span className="dim small" data-testid="runs-count">
            {isFiltered(view) ? `${list.data.count} of ${totalRuns}` : totalRuns} {totalRuns === 1 ? "run" : "runs"}
          </span>
        )}
        <div className="grow" />
        <button className="btn" disabled={picked.length < 2} onClick={() => navigate({ page: "compare", ids: picked })} data-testid="compare-runs">
          Compare {picked.length >= 2 ? picked.length : ""} runs
        </button>
      </div>
      {list.error && <div className="callout bad">Could not load runs: {errorText(list.error)}</div>}
      {totalRuns === 0 && !isFiltered(view) && (
        <div className="empty-state">
          <div className="big">No runs yet</div>
          <p>Build a network on the canvas, open the Train tab and press Train.</p>
          <a className="btn primary" href={href({ page: "canvas" })}>Go to the canvas</a>
        </div>
      )}
      {totalRuns !== 0 && (
        <>
          <FilterBar view={view} datasets={datasets} tags={tags} onChange={change} />
          {!list.data && !list.error && <div className="dim small">Loading runs…</div>}
          {list.data && rows.length === 0 && (
            <div className="empty-state" data-testid="runs-empty">
              <div className="big">No runs match {describeFilters(view)}</div>
              <button className="btn" onClick={() => showView({ ...view, q: "", tag: "", status: "", dataset: "" })}>Clear filters</button>
            </div>
          )}
          {rows.length > 0 && (
            <table className="runs-table" data-testid="runs-table">
              <thead>
                <tr>
                  <th className="check" />
                  <SortHeader label="Run" sortKey="name" view={view} onSort={sortBy} />
                  <SortHeader label="Status" sortKey="status" view={view} onSort={sortBy} />
                  <SortHeader label="Data set" sortKey="dataset" view={view} onSort={sortBy} />
                  <th>Tags</th>
                  {columns.map((c) => <SortHeader key={c.key} label={c.label} sortKey={c.key} view={view} onSort={sortBy} className="num" />)}
                  <SortHeader label="Duration" sortKey="duration" view={view} onSort={sortBy} className="num" />
                  <SortHeader label="Started" sortKey="created_at" view={view} onSort={sortBy} />
                  <th />
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <Fragment key={r.id}>
                    <RunRow run={r} columns={columns} picked={picked.includes(r.id)} activeTag={view.tag} notesOpen={notesOf === r.id}
                      onPick={(on) => setPicked((p) => (on ? [...p, r.id] : p.filter((x) => x !== r.id)))}
                      onSave={(meta) => saveMeta(r.id, meta)}
                      onTag={(tag) => showView({ ...view, tag: view.tag === tag ? "" : tag })}
                      onToggleNotes={() => setNotesOf((open) => (open === r.id ? null : r.id))}
                      onDelete={() => setDeleting(r)} />
                    {notesOf === r.id && (
                      <NotesRow notes={r.notes ?? ""} colSpan={colCount} onSave={(notes) => saveMeta(r.id, { notes })} onClose={() => setNotesOf(null)} />
                    )}
                  </Fragment>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
      {deleting && <DeleteRunDialog run={deleting} onDelete={() => remove(deleting)} onClose={() => setDeleting(null)} />}
    </div>
  );
}
