// Keyboard shortcuts of the canvas; ignored while typing in a field.
import { useEffect } from "react";
import { toggleSelectedTrainable } from "../graph/freeze";
import { useGraph } from "../graph/store";
import { leaveTo } from "../graph/blockActions";
import { askGroupSelection, ungroupSelection } from "./BlockActions";

export const SHORTCUTS: [string, string][] = [
  ["Delete / Backspace", "Delete selection"],
  ["Ctrl+Z / Ctrl+Shift+Z", "Undo / redo"],
  ["Ctrl+C / Ctrl+V", "Copy / paste"],
  ["Ctrl+D", "Duplicate"],
  ["Ctrl+A", "Select all"],
  ["Ctrl+G / Ctrl+Shift+G", "Group as block / ungroup"],
  ["Esc", "Leave the open block"],
  ["T", "Freeze / unfreeze selected"],
  ["L", "Auto-layout"],
  ["F", "Zoom to fit"],
  ["Shift+drag", "Box select"],
];

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  return el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName);
}

export function useCanvasShortcuts(enabled: boolean, onFit: () => void) {
  useEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      if (typing(e.target) || document.querySelector(".modal-backdrop")) return;
      const g = useGraph.getState();
      const mod = e.ctrlKey || e.metaKey;
      const k = e.key.toLowerCase();
      let handled = true;
      if (e.key === "Delete" || e.key === "Backspace") g.deleteSelected();
      else if (mod && k === "z" && e.shiftKey) g.redo();
      else if (mod && k === "z") g.undo();
      else if (mod && k === "y") g.redo();
      else if (mod && k === "c") g.copy();
      else if (mod && k === "v") g.paste();
      else if (mod && k === "d") g.duplicate();
      else if (mod && k === "a") g.selectAll();
      else if (mod && k === "g" && e.shiftKey) ungroupSelection();
      else if (mod && k === "g") askGroupSelection();
      else if (e.key === "Escape" && g.nav.length) leaveTo(g.nav.length - 1);
      else if (!mod && !e.altKey && k === "l") g.autoLayout();
      else if (!mod && !e.altKey && k === "t") toggleSelectedTrainable();
      else if (!mod && !e.altKey && k === "f") onFit();
      else handled = false;
      if (handled) e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [enabled, onFit]);
}
