// A run's notes, opened under its row: free text, saved with the button or Ctrl+Enter.
import { useState } from "react";

export const MAX_NOTES = 10_000;

export function NotesRow({ notes, colSpan, onSave, onClose }: {
  notes: string; colSpan: number; onSave: (notes: string) => Promise<unknown>; onClose: () => void;
}) {
  const [draft, setDraft] = useState(notes);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const save = async () => {
    setSaving(true);
    try {
      await onSave(draft);
      onClose();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setSaving(false);
    }
  };
  return (
    <tr className="notes-row" data-testid="notes-row">
      <td />
      <td colSpan={colSpan - 1}>
        <textarea className="notes-input" value={draft} rows={Math.min(12, Math.max(3, draft.split("\n").length + 1))}
          maxLength={MAX_NOTES} autoFocus placeholder="What was this run for, what did it show?" aria-label="Notes"
          data-testid="notes-input"
          onChange={(e) => { setDraft(e.target.value); setError(null); }}
          onKeyDown={(e) => {
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); void save(); }
            if (e.key === "Escape") { e.preventDefault(); onClose(); }
          }} />
        <div className="notes-actions">
          {error && <span className="field-error">Could not save the notes: {error}</span>}
          <span className="dim small">{draft.length.toLocaleString("en-US")} / {MAX_NOTES.toLocaleString("en-US")} · Ctrl+Enter saves</span>
          <div className="grow" />
          <button className="btn small ghost" onClick={onClose}>Cancel</button>
          <button className="btn small primary" disabled={saving || draft === notes} onClick={() => void save()} data-testid="save-notes">
            {saving ? "Saving…" : "Save notes"}
          </button>
        </div>
      </td>
    </tr>
  );
}
