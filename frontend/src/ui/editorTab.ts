// A one-shot request for the editor's side tab, for pages that send the user to the canvas with
// something to look at there (the data page's "Use on canvas" opens the Train tab).
export type EditorTab = "inspect" | "train" | "code";

let requested: EditorTab | null = null;

export function requestEditorTab(tab: EditorTab): void {
  requested = tab;
}

/** The requested tab, once; null when none was asked for. */
export function takeEditorTab(): EditorTab | null {
  const t = requested;
  requested = null;
  return t;
}
