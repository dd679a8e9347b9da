// One run in the list: select for compare, rename, status, data set, tags, metrics, duration, actions.
import type { RunSummary } from "../../api/types";
import { fmtDate, fmtDuration, fmtMetric } from "../../ui/format";
import { Icon } from "../../ui/Icon";
import { navigate } from "../../ui/route";
import { StatusChip, duration } from "./status";
import type { MetricColumn } from "./columns";
import type { RunMeta } from "./mutations";
import { NameCell } from "./NameCell";
import { TagsCell } from "./TagsCell";

const stop = (e: { stopPropagation: () => void }) => e.stopPropagation();

export function RunRow({ run, columns, picked, activeTag, notesOpen, onPick, onSave, onTag, onToggleNotes, onDelete }: {
  run: RunSummary; columns: MetricColumn[]; picked: boolean; activeTag: string; notesOpen: boolean;
  onPick: (on: boolean) => void; onSave: (meta: RunMeta) => Promise<unknown>; onTag: (tag: string) => void;
  onToggleNotes: () => void; onDelete: () => void;
}) {
  const firstLine = (run.notes ?? "").split("\n", 1)[0] ?? "";
  return (
    <tr data-testid={`run-row-${run.id}`} className={picked ? "picked" : undefined} onClick={() => navigate({ page: "run", id: run.id })}>
      <td className="check" onClick={stop}>
        <input type="checkbox" checked={picked} aria-label={`Select ${run.name}`} onChange={(e) => onPick(e.target.checked)} />
      </td>
      <td className="name-cell" onClick={stop}>
        <NameCell id={run.id} name={run.name} onSave={(name) => onSave({ name })} />
        <div className="dim mono small">{run.id.slice(0, 8)}</div>
        {firstLine && <div className="note-preview dim small" title={run.notes} data-testid="note-preview">{firstLine}</div>}
      </td>
      <td><StatusChip status={run.status} /></td>
      <td>{run.dataset}</td>
      <td onClick={stop}><TagsCell tags={run.tags ?? []} activeTag={activeTag} onSave={(tags) => onSave({ tags })} onPick={onTag} /></td>
      {columns.map((c) => (
        <td key={c.key} className="num mono" data-testid={`metric-${c.key}`}>
          <span className="sr-only">{c.label} </span>{fmtMetric(c.value(run))}
        </td>
      ))}
      <td className="num">{fmtDuration(duration(run))}</td>
      <td className="dim started">{fmtDate(run.created_at)}</td>
      <td className="actions" onClick={stop}>
        <button className="icon-btn notes-btn" aria-pressed={notesOpen} title={run.notes ? "Notes" : "Add notes"}
          aria-label={`Notes of ${run.name}`} data-testid="toggle-notes" onClick={onToggleNotes}>
          ¶{run.notes ? <span className="has-notes" aria-hidden /> : null}
        </button>
        <button className="icon-btn" title="Delete run" aria-label={`Delete ${run.name}`} data-testid="delete-run" onClick={onDelete}>
          <Icon name="trash" />
        </button>
      </td>
    </tr>
  );
}
