// The runs list's filters: text search (name, notes, tags, data set), status, data set and tag.
import { useEffect, useState } from "react";
import { isFiltered, type RunsView } from "./view";

const STATUSES = ["queued", "running", "succeeded", "failed", "cancelled", "interrupted", "imported"];
const TYPING_PAUSE_MS = 250;  // ask the server once typing pauses, not per key

export function FilterBar({ view, datasets, tags, onChange }: {
  view: RunsView; datasets: string[]; tags: string[]; onChange: (next: RunsView) => void;
}) {
  const [text, setText] = useState(view.q);
  // Cleared or set elsewhere (Clear filters, the URL): follow it, unless it is what was typed.
  const [seenQ, setSeenQ] = useState(view.q);
  if (seenQ !== view.q) {
    setSeenQ(view.q);
    if (text.trim() !== view.q) setText(view.q);
  }
  useEffect(() => {
    if (text.trim() === view.q) return;
    const t = setTimeout(() => onChange({ ...view, q: text.trim() }), TYPING_PAUSE_MS);
    return () => clearTimeout(t);
  }, [text, view, onChange]);

  // A value in the URL that the choices lack (a tag no run has any more) stays selectable.
  const withCurrent = (options: string[], current: string) => (current && !options.includes(current) ? [current, ...options] : options);
  return (
    <div className="runs-filters" data-testid="runs-filters">
      <input type="search" className="runs-search" placeholder="Search name, notes, tags, data set" value={text}
        aria-label="Search runs" data-testid="runs-search" maxLength={200}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => e.key === "Enter" && onChange({ ...view, q: text.trim() })} />
      <select value={view.status} aria-label="Status" data-testid="filter-status" onChange={(e) => onChange({ ...view, status: e.target.value })}>
        <option value="">Any status</option>
        {STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
      </select>
      <select value={view.dataset} aria-label="Data set" data-testid="filter-dataset" onChange={(e) => onChange({ ...view, dataset: e.target.value })}>
        <option value="">Any data set</option>
        {withCurrent(datasets, view.dataset).map((d) => <option key={d} value={d}>{d}</option>)}
      </select>
      <select value={view.tag} aria-label="Tag" data-testid="filter-tag" onChange={(e) => onChange({ ...view, tag: e.target.value })}>
        <option value="">Any tag</option>
        {withCurrent(tags, view.tag).map((t) => <option key={t} value={t}>{t}</option>)}
      </select>
      {isFiltered(view) && (
        <button className="btn small ghost" data-testid="clear-filters"
          onClick={() => onChange({ ...view, q: "", tag: "", status: "", dataset: "" })}>Clear filters</button>
      )}
    </div>
  );
}
