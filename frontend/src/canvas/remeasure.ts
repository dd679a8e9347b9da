// React Flow must re-measure a card's handles when their number or side changes. One call per card
// is one React Flow store update per card (each running every card's and wire's selectors): when
// the catalogue or an analysis arrives and 200 merge cards grow a spare port, that is O(n²). Cards
// queue their ids instead, and one call a commit measures them all.
import { useUpdateNodeInternals } from "@xyflow/react";
import { useEffect, useRef } from "react";

type Update = ReturnType<typeof useUpdateNodeInternals>;

const pending = new Map<Update, Set<string>>(); // per React Flow instance (its update function)
let flushQueued = false;

function flush() {
  flushQueued = false;
  const batches = [...pending];
  pending.clear();
  for (const [update, ids] of batches) update([...ids]);
}

/** Re-measures node `id` when `layout` (its handles' count and side) changes; not on mount, where
 * React Flow measures new nodes itself. */
export function useRemeasureOnChange(id: string, layout: string): void {
  const update = useUpdateNodeInternals();
  const measured = useRef(layout);
  useEffect(() => {
    if (measured.current === layout) return;
    measured.current = layout;
    let ids = pending.get(update);
    if (!ids) pending.set(update, (ids = new Set()));
    ids.add(id);
    if (!flushQueued) {
      flushQueued = true;
      queueMicrotask(flush); // after every effect of this commit has queued its card
    }
  }, [id, layout, update]);
}
