// A column header that sorts the list by its key; the arrow says which way.
import type { RunsView } from "./view";

export function SortHeader({ label, sortKey, view, onSort, className }: {
  label: string; sortKey: string; view: RunsView; onSort: (key: string) => void; className?: string;
}) {
  const on = view.sort === sortKey;
  const ariaSort = on ? (view.order === "asc" ? "ascending" : "descending") : "none";
  return (
    <th className={className} aria-sort={ariaSort}>
      <button className={`sort-btn${on ? " on" : ""}`} data-testid={`sort-${sortKey}`} onClick={() => onSort(sortKey)}
        title={`Sort by ${label}`}>
        {label}<span className="sort-arrow" aria-hidden>{on ? (view.order === "asc" ? "▲" : "▼") : "↕"}</span>
      </button>
    </th>
  );
}
