// Right-click menu of the canvas: on a node or a selection (delete, duplicate, freeze, group,
// disconnect), on a wire (delete), on empty canvas (add a layer there). Esc or a click away closes it.
import { useEffect, type ReactNode } from "react";
import { useShallow } from "zustand/react/shallow";
import { selectionWouldFreeze, setSelectedTrainable } from "../graph/freeze";
import { BLOCK_TYPE } from "../graph/blockFormat";
import { useGraph } from "../graph/store";
import { askGroupSelection, ungroupSelection } from "./BlockActions";
import "./editing.css";

export type MenuAt =
  | { kind: "node"; x: number; y: number }
  | { kind: "edge"; x: number; y: number; edge: string }
  | { kind: "pane"; x: number; y: number };

const MENU_W = 200;
const MENU_H = 230; // the node menu's height: the menu opens above or left of the pointer near an edge

export default function ContextMenu({ at, onClose, onAddLayer }: {
  at: MenuAt; onClose: () => void; onAddLayer: (x: number, y: number) => void;
}) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      e.stopPropagation(); // Esc closes the menu only, not the open block as well
      onClose();
    };
    window.addEventListener("keydown", onKey, true);
    return () => window.removeEventListener("keydown", onKey, true);
  }, [onClose]);
  const left = Math.max(4, Math.min(at.x, window.innerWidth - MENU_W - 4));
  const top = Math.max(4, Math.min(at.y, window.innerHeight - MENU_H - 4));
  const act = (run: () => void) => () => {
    onClose();
    run();
  };
  return (
    <>
      <div className="context-menu-backdrop" onMouseDown={onClose} onContextMenu={(e) => { e.preventDefault(); onClose(); }} />
      <div className="context-menu" role="menu" style={{ left, top }} data-testid="context-menu">
        {at.kind === "node" && <NodeItems act={act} />}
        {at.kind === "edge" && (
          <Item testid="ctx-delete-wire" onClick={act(() => useGraph.getState().onEdgesChange([{ type: "remove", id: at.edge }]))}>
            Delete wire
          </Item>
        )}
        {at.kind === "pane" && <Item testid="ctx-add-layer" onClick={act(() => onAddLayer(at.x, at.y))}>Add layer…</Item>}
      </div>
    </>
  );
}

/** Items for the selection (a right-click on an unselected node selects it first, see Canvas). */
function NodeItems({ act }: { act: (run: () => void) => () => void }) {
  const picked = useGraph(useShallow((s) => s.nodes.filter((n) => n.selected)));
  const wired = useGraph((s) => {
    const ids = new Set(s.nodes.filter((n) => n.selected).map((n) => n.id));
    return s.edges.some((e) => ids.has(e.source) || ids.has(e.target));
  });
  const freezable = picked.some((n) => n.data.type !== "Input");
  const freeze = selectionWouldFreeze(picked);
  const oneBlock = picked.length === 1 && picked[0].data.type === BLOCK_TYPE;
  const g = useGraph.getState;
  const several = picked.length > 1 ? ` ${picked.length} layers` : "";
  return (
    <>
      <Item testid="ctx-duplicate" onClick={act(() => g().duplicate())} keys="Ctrl+D">Duplicate{several}</Item>
      <Item testid="ctx-freeze" disabled={!freezable} onClick={act(() => setSelectedTrainable(!freeze))} keys="T"
        title={freezable ? undefined : "An Input has no weights to freeze"}>
        {freeze ? "Freeze" : "Unfreeze"}{several}
      </Item>
      <Item testid="ctx-group" onClick={act(askGroupSelection)} keys="Ctrl+G">Group into block…</Item>
      {oneBlock && <Item testid="ctx-ungroup" onClick={act(ungroupSelection)} keys="Ctrl+Shift+G">Ungroup</Item>}
      <Item testid="ctx-disconnect" disabled={!wired} onClick={act(() => g().disconnectSelected())}>Disconnect</Item>
      <div className="context-sep" role="separator" />
      <Item testid="ctx-delete" danger onClick={act(() => g().deleteSelected())} keys="Del">Delete{several}</Item>
    </>
  );
}

function Item({ children, onClick, testid, keys, disabled, danger, title }: {
  children: ReactNode; onClick: () => void; testid: string; keys?: string; disabled?: boolean; danger?: boolean; title?: string;
}) {
  return (
    <button role="menuitem" className={`context-item${danger ? " danger" : ""}`} onClick={onClick} disabled={disabled}
      data-testid={testid} title={title}>
      <span>{children}</span>
      {keys && <kbd>{keys}</kbd>}
    </button>
  );
}
