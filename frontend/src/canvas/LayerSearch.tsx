// ComfyUI-style layer search at the pointer: opened by dropping a wire on empty canvas or double-clicking it.
import { useMemo, useState, type KeyboardEvent } from "react";
import { useCatalog } from "../api/catalog";
import type { LayerInfo } from "../api/types";
import "./editing.css";

/** The loose end of a wire dropped on the pane: the new layer is wired to it. */
export interface LooseWire { node: string; port: number; side: "source" | "target" }

export interface SearchAt { x: number; y: number; wire: LooseWire | null }

/** Layers that can take the wire: a free output needs a layer with inputs, a free input one with outputs. */
export function fits(layer: LayerInfo, wire: LooseWire | null): boolean {
  if (!wire) return true;
  return wire.side === "source" ? layer.max_inputs !== 0 : layer.output_names.length > 0;
}

export function matchLayers(layers: LayerInfo[], query: string, wire: LooseWire | null): LayerInfo[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const hits = layers.filter((l) => fits(l, wire)).filter((l) => {
    const text = `${l.type} ${l.family} ${l.doc}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
  // Names that start with the query come first: typing "con" should offer Conv2D before SeparableConv.
  const q = words[0] ?? "";
  const rank = (l: LayerInfo) => (l.type.toLowerCase().startsWith(q) ? 0 : l.type.toLowerCase().includes(q) ? 1 : 2);
  return hits.sort((a, b) => rank(a) - rank(b) || a.type.localeCompare(b.type));
}

export default function LayerSearch({ at, onPick, onClose }: {
  at: SearchAt; onPick: (type: string) => void; onClose: () => void;
}) {
  const layers = useCatalog((s) => s.layers);
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const hits = useMemo(() => matchLayers(layers ?? [], query, at.wire).slice(0, 40), [layers, query, at.wire]);
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "ArrowDown") setActive((i) => Math.min(i + 1, hits.length - 1));
    else if (e.key === "ArrowUp") setActive((i) => Math.max(i - 1, 0));
    else if (e.key === "Enter" && hits[active]) onPick(hits[active].type);
    else if (e.key === "Escape") onClose();
    else return;
    e.preventDefault();
    e.stopPropagation();
  };
  return (
    <>
      <div className="layer-search-backdrop" onMouseDown={onClose} />
      <div className="layer-search" style={{ left: at.x, top: at.y }} data-testid="layer-search" role="dialog" aria-label="Add a layer">
        <input autoFocus value={query} placeholder={at.wire ? "Add a layer on this wire…" : "Search layers…"}
          onChange={(e) => { setQuery(e.target.value); setActive(0); }} onKeyDown={onKey}
          data-testid="layer-search-input" aria-label="Search layers" spellCheck={false} />
        <ul role="listbox">
          {hits.map((l, i) => (
            <li key={l.type} role="option" aria-selected={i === active} className={i === active ? "active" : undefined}
              data-testid={`layer-search-${l.type}`} onMouseEnter={() => setActive(i)}
              onMouseDown={(e) => { e.preventDefault(); onPick(l.type); }}>
              <span className="ls-type">{l.type}</span>
              <span className="ls-family">{l.family}</span>
            </li>
          ))}
          {!hits.length && <li className="ls-empty">No layer matches</li>}
        </ul>
      </div>
    </>
  );
}
