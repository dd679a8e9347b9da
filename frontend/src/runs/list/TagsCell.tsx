// A run's tags as chips: a click on one filters the list by it, × removes it, + adds (comma separated).
import { useState } from "react";
import { toast } from "../../ui/toast";
import { addTags, removeTag } from "./tags";

export function TagsCell({ tags, activeTag, onSave, onPick }: {
  tags: string[]; activeTag: string; onSave: (tags: string[]) => Promise<unknown>; onPick: (tag: string) => void;
}) {
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const save = async (next: string[]) => {
    try {
      await onSave(next);
      return true;
    } catch (err) {
      toast(`Could not save the tags: ${(err as Error).message}`, "error");
      return false;
    }
  };
  const add = async () => {
    if (draft === null) return;
    if (!draft.trim()) { setDraft(null); setError(null); return; }
    const result = addTags(tags, draft);
    if (result.error !== null) { setError(result.error); return; }
    if (await save(result.tags)) { setDraft(null); setError(null); }
  };

  return (
    <div className="run-tags">
      {tags.map((t) => (
        <span key={t} className={`tag-chip${t === activeTag ? " on" : ""}`} data-testid="run-tag">
          <button className="tag-name" title={`Show only runs tagged “${t}”`} onClick={() => onPick(t)}>{t}</button>
          <button className="tag-x" aria-label={`Remove tag ${t}`} title="Remove tag" onClick={() => void save(removeTag(tags, t))}>×</button>
        </span>
      ))}
      {draft === null ? (
        <button className="tag-add" title="Add tags" aria-label="Add tag" data-testid="add-tag" onClick={() => setDraft("")}>+ tag</button>
      ) : (
        <span className="tag-input-wrap">
          <input className="tag-input" autoFocus value={draft} placeholder="tag, another" aria-label="New tags"
            data-testid="tag-input" aria-invalid={error !== null}
            onChange={(e) => { setDraft(e.target.value); setError(null); }}
            onBlur={() => { if (!draft.trim()) { setDraft(null); setError(null); } }}
            onKeyDown={(e) => {
              if (e.key === "Enter") { e.preventDefault(); void add(); }
              if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); setDraft(null); setError(null); }
            }} />
          {error && <span className="field-error" data-testid="tag-error">{error}</span>}
        </span>
      )}
    </div>
  );
}
