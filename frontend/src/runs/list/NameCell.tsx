// A run's name: a link to the run; the pencil turns it into a box where Enter saves and Esc cancels.
import { useRef, useState } from "react";
import { href } from "../../ui/route";
import { toast } from "../../ui/toast";

export function NameCell({ id, name, onSave }: { id: string; name: string; onSave: (name: string) => Promise<unknown> }) {
  const [draft, setDraft] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const done = useRef(false);  // Enter or Esc already settled it: the blur that follows must not save again

  const start = () => { done.current = false; setDraft(name); };
  const cancel = () => { done.current = true; setDraft(null); };
  const save = async () => {
    if (draft === null || done.current) return;
    done.current = true;
    const next = draft.trim();
    if (!next || next === name) { setDraft(null); return; }
    setSaving(true);
    try {
      await onSave(next);
      setDraft(null);
    } catch (err) {
      done.current = false;  // keep the box open with what was typed, so it can be fixed
      toast(`Could not rename the run: ${(err as Error).message}`, "error");
    } finally {
      setSaving(false);
    }
  };

  if (draft !== null) {
    return (
      <input className="run-name-input" value={draft} autoFocus maxLength={200} disabled={saving}
        aria-label="Run name" data-testid="run-name-input"
        aria-invalid={!draft.trim()} title={draft.trim() ? "Enter saves, Esc cancels" : "A name needs at least one character"}
        onChange={(e) => setDraft(e.target.value)} onBlur={() => void save()}
        onKeyDown={(e) => {
          if (e.key === "Enter") { e.preventDefault(); void save(); }
          if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); cancel(); }
        }} />
    );
  }
  return (
    <span className="run-name">
      <a href={href({ page: "run", id })} data-testid="run-name">{name}</a>
      <button className="icon-btn rename-btn" title="Rename" aria-label={`Rename ${name}`} data-testid="rename-run" onClick={start}>✎</button>
    </span>
  );
}
