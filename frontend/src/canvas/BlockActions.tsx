// Block actions in the UI: "Group as block" (button, Ctrl+G and its naming dialog), the inspector
// of a Block node (open, linked copy, unlink, ungroup), and the palette's list of blocks to place.
import { useState } from "react";
import { useShallow } from "zustand/react/shallow";
import { groupSelection, openBlockNode, placeBlockCopy, ungroupNode, unlinkNode, useBlockDialog } from "../graph/blockActions";
import { BLOCK_TYPE, blockPorts, blocksWithin } from "../graph/blockFormat";
import { defaultBlockName } from "../graph/blocks";
import type { LayerNode } from "../graph/convert";
import { useGraph } from "../graph/store";
import { fmtCount, fmtShape } from "../ui/format";
import { Icon } from "../ui/Icon";
import { Modal } from "../ui/Modal";
import { toast } from "../ui/toast";
import { linkedCounts } from "./BlockNodeView";
import { NodeFreezeControls } from "./FreezeControls";

export const BLOCK_MIME = "application/x-netcanvas-block";

/** Runs a block action, showing a refusal (BlockError: a sentence with the fix) as a toast. */
function attempt(action: () => void): void {
  try {
    action();
  } catch (err) {
    toast((err as Error).message, "error");
  }
}

/** Ctrl+G: name the selection's block (nothing selected: say so). */
export function askGroupSelection(): void {
  if (!useGraph.getState().nodes.some((n) => n.selected)) {
    toast("Select the layers to group first (Shift+drag draws a selection box).", "error");
    return;
  }
  useBlockDialog.getState().setNaming(true);
}

/** Ctrl+Shift+G: inline the selected Block node. */
export function ungroupSelection(): void {
  const picked = useGraph.getState().nodes.filter((n) => n.selected && n.data.type === BLOCK_TYPE);
  if (picked.length === 1) attempt(() => ungroupNode(picked[0].id));
}

export function GroupButton() {
  return (
    <button className="btn" onClick={askGroupSelection} data-testid="group-as-block" title="Make one block node of the selection (Ctrl+G)">
      <Icon name="template" /> Group as block
    </button>
  );
}

export function GroupDialog() {
  const naming = useBlockDialog((s) => s.naming);
  if (!naming) return null;
  return <GroupDialogBody />;
}

function GroupDialogBody() {
  const close = () => useBlockDialog.getState().setNaming(false);
  const [name, setName] = useState(() => defaultBlockName(useGraph.getState().blocks));
  const [error, setError] = useState<string | null>(null);
  const count = useGraph((s) => s.nodes.filter((n) => n.selected).length);
  const submit = () => {
    try {
      groupSelection(name);
      close();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <Modal title="Group as block" onClose={close} testid="group-dialog">
      <form onSubmit={(e) => { e.preventDefault(); submit(); }}>
        <p className="insp-doc">
          The {count} selected layer{count === 1 ? "" : "s"} become one block node. Wires into the selection become the
          block's inputs; layers read from outside become its outputs. Copies of the block stay linked.
        </p>
        <label className="field">
          <span className="field-label">Block name</span>
          <input autoFocus value={name} onChange={(e) => { setName(e.target.value); setError(null); }} data-testid="block-name-input" spellCheck={false} />
        </label>
        {error && <div className="callout bad" data-testid="group-error">{error}</div>}
        <div className="insp-actions">
          <button type="submit" className="btn primary" data-testid="block-name-ok">Group</button>
          <button type="button" className="btn ghost" onClick={close}>Cancel</button>
        </div>
      </form>
    </Modal>
  );
}

export function BlockInspector({ node }: { node: LayerNode }) {
  const name = node.data.block ?? "";
  const def = useGraph((s) => s.blocks[name]);
  const report = useGraph((s) => s.analysis?.nodes[node.id]);
  const copies = useGraph((s) => linkedCounts(s).get(name) ?? 0);
  const [label, setLabel] = useState(node.data.name ?? "");
  const ports = blockPorts(def);
  const layers = def ? def.nodes.filter((n) => n.type !== "Input").length : 0;
  const problems = report?.problems ?? [];
  const inner = (p: string | null | undefined) => (p && p.startsWith(`${node.id}/`) ? p.slice(node.id.length + 1) : p);
  const commitName = () => {
    if ((node.data.name ?? "") !== label.trim()) useGraph.getState().rename(node.id, label);
  };
  return (
    <div className="inspector" data-testid="inspector">
      <div className="insp-head">
        <div className="fam-chip block-chip">block</div>
        <div className="insp-type" data-testid="inspector-block">{name}</div>
      </div>
      <p className="insp-doc">
        {layers} layer{layers === 1 ? "" : "s"} inside. Double-click the node to open it.{" "}
        {copies > 1 ? `${copies} linked copies share this definition: an edit inside one changes all of them.` : "No other copies."}
      </p>
      <label className="field">
        <span className="field-label">Name</span>
        <input value={label} placeholder={node.id} onChange={(e) => setLabel(e.target.value)} onBlur={commitName}
          onKeyDown={(e) => e.key === "Enter" && (e.target as HTMLInputElement).blur()} data-testid="inspector-name" />
        <span className="field-hint">id: {node.id}</span>
      </label>
      <div className="insp-stats">
        <div><span className="k">Output</span><span className="v mono" data-testid="inspector-shape">{report?.output_shapes ? report.output_shapes.map(fmtShape).join(" ") : "–"}</span></div>
        <div><span className="k">Params</span><span className="v mono">{fmtCount(report?.params)}</span></div>
      </div>
      <dl className="block-ports" data-testid="block-ports">
        <div><dt>Inputs</dt><dd className="mono">{ports.inputs.join(", ") || "–"}</dd></div>
        <div><dt>Outputs</dt><dd className="mono">{ports.outputs.join(", ") || "–"}</dd></div>
      </dl>
      {problems.map((p, i) => (
        <div key={i} className="callout bad">{inner(p.node) && inner(p.node) !== node.id ? <b>{inner(p.node)}: </b> : null}{p.message}</div>
      ))}
      <NodeFreezeControls node={node} />
      <div className="insp-actions wrap">
        <button className="btn primary" onClick={() => attempt(() => openBlockNode(node.id))} data-testid="block-open"><Icon name="open" /> Open</button>
        <button className="btn" onClick={() => useGraph.getState().duplicate()} data-testid="block-copy" title="A copy that stays linked (Ctrl+D)"><Icon name="copy" /> Linked copy</button>
        {copies > 1 && (
          <button className="btn" onClick={() => attempt(() => { const fresh = unlinkNode(node.id); toast(`${node.id} now uses its own block “${fresh}”`, "good"); })}
            data-testid="block-unlink" title="Give this copy its own definition, so editing it leaves the others">Unlink</button>
        )}
        <button className="btn" onClick={() => attempt(() => ungroupNode(node.id))} data-testid="block-ungroup" title="Put the layers back in the graph (Ctrl+Shift+G)">Ungroup</button>
        <button className="btn danger" onClick={() => useGraph.getState().deleteSelected()} data-testid="inspector-delete"><Icon name="trash" /> Delete</button>
      </div>
    </div>
  );
}

/** The graph's blocks in the palette: drag or double-click to place a linked copy. */
export function BlockPalette() {
  const names = useGraph(useShallow((s) => Object.keys(s.blocks)));
  const open = useGraph(useShallow((s) => s.nav.map((f) => f.block)));
  const blocks = useGraph((s) => s.blocks);
  if (!names.length) return null;
  return (
    <section className="palette-group" data-testid="palette-blocks">
      <div className="group-head static"><span className="fam-dot block-dot" />Blocks in this graph<span className="count">{names.length}</span></div>
      {names.map((b) => {
        const refused = open.some((o) => blocksWithin(blocks, b).has(o)); // it would hold itself
        const layers = blocks[b].nodes.filter((n) => n.type !== "Input").length;
        return (
          <div key={b} className={`palette-item block-item${refused ? " disabled" : ""}`} draggable={!refused}
            data-testid={`palette-block-${b}`}
            title={refused ? "A block cannot go inside itself" : "Drag onto the canvas, or double-click, for a linked copy"}
            onDragStart={(e) => { e.dataTransfer.setData(BLOCK_MIME, b); e.dataTransfer.effectAllowed = "copy"; }}
            onDoubleClick={() => !refused && attempt(() => void placeBlockCopy(b))}>
            <span className="item-type">{b}</span>
            <span className="item-doc">block · {layers} layer{layers === 1 ? "" : "s"}</span>
          </div>
        );
      })}
    </section>
  );
}

/** Canvas drop of a palette block: a linked copy at the pointer (flow coordinates). */
export function dropBlock(name: string, at: { x: number; y: number }): void {
  attempt(() => void placeBlockCopy(name, at));
}

/** Inside a block, an Input is one of its input ports: it takes the shape wired into the block. */
export function BlockInputNote({ node }: { node: LayerNode }) {
  const port = useGraph((s) => (s.nav.length && node.data.type === "Input" ? s.nodes.filter((n) => n.data.type === "Input").findIndex((n) => n.id === node.id) : -1));
  if (port < 0) return null;
  return (
    <div className="callout block-note" data-testid="block-input-note">
      Input {port + 1} of this block: it takes the shape of the wire into the block's port {port + 1}, so its own shape is not used.
    </div>
  );
}
