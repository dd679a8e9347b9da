// What the runs list shows (filters + sort), kept in the hash query (#/runs?q=…&sort=…) so a
// reload or a shared link shows the same list; and the GET /api/runs query that asks for it.
import type { operations } from "../../api/schema";

export type Order = "asc" | "desc";

export interface RunsView {
  q: string;
  tag: string;
  status: string;
  dataset: string;
  /** A server sort key (created_at, name, status, a metric key) or "duration" (sorted here). */
  sort: string;
  order: Order;
}

export const DEFAULT_VIEW: RunsView = { q: "", tag: "", status: "", dataset: "", sort: "created_at", order: "desc" };

export type RunsQuery = NonNullable<operations["runs-list_runs"]["parameters"]["query"]>;

// The server's sort pattern: anything else would be a 422, so a hand-edited URL falls back instead.
const SORT_KEY = /^[A-Za-z0-9_.-]{1,100}$/;
const FILTERS = ["q", "tag", "status", "dataset"] as const;
/** Sorted in the browser: the server has no duration column. */
export const CLIENT_SORTS = new Set(["duration"]);
/** The most runs one list asks for (the server's own limit). */
export const LIST_LIMIT = 1000;

/** The view a hash's "?query" describes; unknown or malformed parts are the defaults. */
export function parseView(hash: string): RunsView {
  const at = hash.indexOf("?");
  const params = new URLSearchParams(at < 0 ? "" : hash.slice(at + 1));
  const view = { ...DEFAULT_VIEW };
  for (const key of FILTERS) view[key] = (params.get(key) ?? "").trim();
  const sort = params.get("sort");
  if (sort && SORT_KEY.test(sort)) view.sort = sort;
  const order = params.get("order");
  if (order === "asc" || order === "desc") view.order = order;
  return view;
}

/** The hash for a view: only what differs from the defaults, so the plain list is just #/runs. */
export function viewHash(view: RunsView): string {
  const params = new URLSearchParams();
  for (const key of FILTERS) if (view[key].trim()) params.set(key, view[key].trim());
  if (view.sort !== DEFAULT_VIEW.sort || view.order !== DEFAULT_VIEW.order) {
    params.set("sort", view.sort);
    params.set("order", view.order);
  }
  const query = params.toString();
  return query ? `#/runs?${query}` : "#/runs";
}

/** GET /api/runs's query for a view: empty filters and the default sort left out (so the plain list
 * shares its cache entry with the filter choices' query); a browser-side sort asks for the default. */
export function runsQuery(view: RunsView): RunsQuery {
  const query: RunsQuery = { limit: LIST_LIMIT };
  for (const key of FILTERS) if (view[key].trim()) query[key] = view[key].trim();
  const isDefault = view.sort === DEFAULT_VIEW.sort && view.order === DEFAULT_VIEW.order;
  if (!CLIENT_SORTS.has(view.sort) && !isDefault) {
    query.sort = view.sort;
    query.order = view.order;
  }
  return query;
}

/** Whether any filter narrows the list (the empty state then says "No runs match", not "No runs yet"). */
export function isFiltered(view: RunsView): boolean {
  return FILTERS.some((key) => view[key].trim() !== "");
}

/** "“foo”, tag “bar”, status failed": the filters in words, for the empty state. */
export function describeFilters(view: RunsView): string {
  const parts: string[] = [];
  if (view.q.trim()) parts.push(`“${view.q.trim()}”`);
  if (view.tag.trim()) parts.push(`tag “${view.tag.trim()}”`);
  if (view.status.trim()) parts.push(`status ${view.status.trim()}`);
  if (view.dataset.trim()) parts.push(`data set ${view.dataset.trim()}`);
  return parts.join(", ");
}

/** Lower is better for losses and errors: their first click sorts ascending, the rest descending. */
export function firstOrder(sort: string): Order {
  if (["name", "status", "dataset"].includes(sort)) return "asc";
  return /loss|mae|mse|error|crossentropy|hinge|divergence/i.test(sort) ? "asc" : "desc";
}

/** A click on a column header: the same column flips its order, another starts at its first order. */
export function toggleSort(view: RunsView, sort: string): RunsView {
  if (view.sort === sort) return { ...view, order: view.order === "asc" ? "desc" : "asc" };
  return { ...view, sort, order: firstOrder(sort) };
}
