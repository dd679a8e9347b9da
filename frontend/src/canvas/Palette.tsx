// Layer palette from GET /api/layers: grouped by family, searchable, drag onto the canvas.
import { useMemo, useState } from "react";
import { FAMILY_LABEL, FAMILY_ORDER, useCatalog } from "../api/catalog";
import type { LayerInfo } from "../api/types";
import { BlockPalette } from "./BlockActions";

export const DRAG_MIME = "application/x-netcanvas-layer";

export default function Palette({ onAdd }: { onAdd: (type: string) => void }) {
  const layers = useCatalog((s) => s.layers);
  const error = useCatalog((s) => s.layersError);
  const [query, setQuery] = useState("");
  const [closed, setClosed] = useState<Record<string, boolean>>({});

  const groups = useMemo(() => {
    const q = query.trim().toLowerCase();
    const hit = (l: LayerInfo) =>
      !q || l.type.toLowerCase().includes(q) || l.family.includes(q) || l.doc.toLowerCase().includes(q);
    const byFamily = new Map<string, LayerInfo[]>();
    for (const l of layers ?? []) {
      if (!hit(l)) continue;
      byFamily.set(l.family, [...(byFamily.get(l.family) ?? []), l]);
    }
    const order = [...FAMILY_ORDER, ...[...byFamily.keys()].filter((f) => !FAMILY_ORDER.includes(f))];
    return order.filter((f) => byFamily.has(f)).map((f) => ({ family: f, layers: byFamily.get(f)! }));
  }, [layers, query]);

  return (
    <aside className="palette" aria-label="Layers">
      <div className="panel-title">Layers</div>
      <input
        className="search"
        type="search"
        placeholder="Search layers…"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        data-testid="palette-search"
      />
      <div className="palette-list">
        {error && <div className="empty error">Could not load layers: {error}</div>}
        {!layers && !error && <div className="empty">Loading layers…</div>}
        {layers && !groups.length && <div className="empty">No layer matches “{query}”.</div>}
        {!query && <BlockPalette />}
        {groups.map(({ family, layers: items }) => {
          const open = query !== "" || !closed[family];
          return (
            <section key={family} className="palette-group">
              <button
                className="group-head"
                onClick={() => setClosed((c) => ({ ...c, [family]: !c[family] }))}
                aria-expanded={open}
                data-testid={`family-${family}`}
              >
                <span className={`chev${open ? " open" : ""}`}>›</span>
                <span className={`fam-dot fam-${family}`} />
                {FAMILY_LABEL[family] ?? family}
                <span className="count">{items.length}</span>
              </button>
              {open &&
                items.map((l) => (
                  <div
                    key={l.type}
                    className={`palette-item fam-${l.family}`}
                    draggable
                    data-testid={`palette-${l.type}`}
                    title={`${l.doc}\nDrag onto the canvas, or double-click to add.`}
                    onDragStart={(e) => {
                      e.dataTransfer.setData(DRAG_MIME, l.type);
                      e.dataTransfer.setData("text/plain", l.type);
                      e.dataTransfer.effectAllowed = "copy";
                    }}
                    onDoubleClick={() => onAdd(l.type)}
                  >
                    <span className="item-type">{l.type}</span>
                    <span className="item-doc">{l.doc}</span>
                  </div>
                ))}
            </section>
          );
        })}
      </div>
    </aside>
  );
}
