// Tags typed into the "add tag" box: "a, b" adds two. The server's rules (1 to 40 characters
// after trimming, at most 32 per run, duplicates dropped) are checked here first so the box
// can say what is wrong before anything is sent.
export const MAX_TAG_LENGTH = 40;
export const MAX_TAGS = 32;

export type TagsResult = { tags: string[]; error: null } | { tags: null; error: string };

/** The run's tags after adding what was typed (comma separated), or the reason they cannot be. */
export function addTags(existing: readonly string[], typed: string): TagsResult {
  const added = typed.split(",").map((t) => t.trim()).filter(Boolean);
  if (!added.length) return { tags: null, error: "Type a tag (several: separate them with commas)." };
  const tooLong = added.find((t) => t.length > MAX_TAG_LENGTH);
  if (tooLong) return { tags: null, error: `Tag “${tooLong.slice(0, 20)}…” is longer than ${MAX_TAG_LENGTH} characters.` };
  const tags = [...existing];
  for (const t of added) if (!tags.includes(t)) tags.push(t);
  if (tags.length > MAX_TAGS) return { tags: null, error: `A run has at most ${MAX_TAGS} tags.` };
  return { tags, error: null };
}

export function removeTag(existing: readonly string[], tag: string): string[] {
  return existing.filter((t) => t !== tag);
}

/** Every tag the runs carry, once, sorted case-insensitively (the tag filter's choices). */
export function allTags(runs: readonly { tags?: readonly string[] }[]): string[] {
  const seen = new Set<string>();
  for (const r of runs) for (const t of r.tags ?? []) seen.add(t);
  return [...seen].sort((a, b) => a.localeCompare(b, undefined, { sensitivity: "base" }));
}
