// A Keras-style model summary: layer (type), output shape, param #, connected to.
import { useCatalog } from "../api/catalog";
import { portOf } from "../graph/convert";
import { useGraph } from "../graph/store";
import { fmtCount, fmtShape } from "../ui/format";
import { Modal } from "../ui/Modal";
import { anyFrozen, trainableMark } from "../graph/freeze";
import { countLines } from "./paramCounts";

/** Nodes in topological order (Kahn), ties broken by position in the node list. */
export function topoOrder(ids: string[], edges: { source: string; target: string }[]): string[] {
  const indeg = new Map(ids.map((id) => [id, 0]));
  const next = new Map<string, string[]>();
  for (const e of edges) {
    if (!indeg.has(e.source) || !indeg.has(e.target)) continue;
    indeg.set(e.target, indeg.get(e.target)! + 1);
    next.set(e.source, [...(next.get(e.source) ?? []), e.target]);
  }
  const order: string[] = [];
  const ready = ids.filter((id) => indeg.get(id) === 0);
  while (ready.length) {
    const id = ready.shift()!;
    order.push(id);
    for (const t of next.get(id) ?? []) {
      indeg.set(t, indeg.get(t)! - 1);
      if (indeg.get(t) === 0) ready.push(t);
    }
  }
  return [...order, ...ids.filter((id) => !order.includes(id))]; // cycles last
}

export default function Summary({ onClose }: { onClose: () => void }) {
  const nodes = useGraph((s) => s.nodes);
  const edges = useGraph((s) => s.edges);
  const analysis = useGraph((s) => s.analysis);
  const name = useGraph((s) => s.name);
  const byType = useCatalog((s) => s.byType);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  // Keras's summary(show_trainable=True) column, shown once something is frozen.
  const showTrainable = anyFrozen(nodes);
  const order = topoOrder(nodes.map((n) => n.id), edges);
  return (
    <Modal title={`Model: "${name}"`} onClose={onClose} wide testid="summary">
      <table className="summary-table">
        <thead>
          <tr><th>Layer (type)</th><th>Output Shape</th><th className="num">Param #</th><th>Connected to</th>{showTrainable && <th>Trainable</th>}</tr>
        </thead>
        <tbody>
          {order.map((id) => {
            const n = byId.get(id)!;
            const r = analysis?.nodes[id];
            const ins = edges
              .filter((e) => e.target === id)
              .sort((a, b) => portOf(a.targetHandle) - portOf(b.targetHandle))
              .map((e) => `${e.source}${portOf(e.sourceHandle) ? `[${portOf(e.sourceHandle)}]` : ""}`);
            return (
              <tr key={id} className={r?.problems.length ? "bad" : undefined}>
                <td>
                  <span className={`fam-dot fam-${byType[n.data.type]?.family ?? "unknown"}`} />
                  {n.data.name ?? id} <span className="dim">({n.data.type})</span>
                </td>
                <td className="mono">{r?.output_shapes ? r.output_shapes.map((s) => fmtShape([null, ...s])).join(", ") : "?"}</td>
                <td className="num mono">{fmtCount(r?.params ?? null)}</td>
                <td className="dim">{ins.join(", ") || "–"}</td>
                {showTrainable && <td className="mono" data-testid={`summary-trainable-${id}`}>{trainableMark(n.data, r?.params ?? null)}</td>}
              </tr>
            );
          })}
        </tbody>
      </table>
      {/* Keras's closing lines: Total / Trainable / Non-trainable params with their float32 size */}
      <div className="summary-total" style={{ flexDirection: "column", gap: 2 }} data-testid="summary-counts">
        {analysis ? (
          countLines(analysis).map((l) => (
            <div key={l.key} data-testid={`summary-line-${l.key}`}>
              {l.label}:{" "}
              <b className="mono" data-testid={l.key === "total" ? "summary-total" : `summary-${l.key}`}>{l.count}</b>{" "}
              <span className="dim">({l.size})</span>
            </div>
          ))
        ) : (
          <div className="dim">Validating…</div>
        )}
        {analysis && !analysis.ok && <div className="bad">{analysis.problems.length} problem(s): shapes after them are unknown.</div>}
      </div>
    </Modal>
  );
}
