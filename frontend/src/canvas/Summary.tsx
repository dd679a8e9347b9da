// A Keras-style model summary: layer (type), output shape, param #, connected to; then what each
// layer and the model cost: weight memory, activation memory for the Train panel's batch size, MACs.
import { useCatalog } from "../api/catalog";
import { portOf, type WireEdge } from "../graph/convert";
import { useGraph } from "../graph/store";
import { useTrainSettings } from "../train/TrainPanel";
import { fmtBytes, fmtCompact, fmtCount, fmtShape } from "../ui/format";
import { Modal } from "../ui/Modal";
import { anyFrozen, trainableMark } from "../graph/freeze";
import { batchOf, nodeCost, totalCost, type Cost } from "./costTotals";
import { countLines } from "./paramCounts";
import "./cards.css";

const bytes = (n: number | null) => (n === null ? "–" : fmtBytes(n));
const macsText = (n: number | null) => (n === null ? "–" : n >= 1e4 ? `${fmtCompact(n)}` : fmtCount(n));

/** The cost cells of one row (a layer's or the total's). */
function CostCells({ cost, testid }: { cost: Cost; testid?: string }) {
  return (
    <>
      <td className="cost-num mono" data-testid={testid && `${testid}-weights`}>{bytes(cost.weightBytes)}</td>
      <td className="cost-num mono" data-testid={testid && `${testid}-activations`}>{bytes(cost.activationBytes)}</td>
      <td className="cost-num mono" data-testid={testid && `${testid}-macs`} title={cost.macs === null ? undefined : fmtCount(cost.macs)}>{macsText(cost.macs)}</td>
    </>
  );
}

/** Wires into each node, by input port: one pass over the edges, not one per row. */
function inputsByNode(edges: WireEdge[]): Map<string, WireEdge[]> {
  const ins = new Map<string, WireEdge[]>();
  for (const e of edges) ins.set(e.target, [...(ins.get(e.target) ?? []), e]);
  for (const list of ins.values()) list.sort((a, b) => portOf(a.targetHandle) - portOf(b.targetHandle));
  return ins;
}

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
  const batchText = useTrainSettings((s) => s.batchSize);
  const batch = batchOf(batchText);
  const perBatch = batch ?? 1; // until the field holds a batch size: one sample
  const wiresIn = inputsByNode(edges);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  // Keras's summary(show_trainable=True) column, shown once something is frozen.
  const showTrainable = anyFrozen(nodes);
  const order = topoOrder(nodes.map((n) => n.id), edges);
  return (
    <Modal title={`Model: "${name}"`} onClose={onClose} wide testid="summary">
      <table className="summary-table">
        <thead>
          <tr>
            <th>Layer (type)</th><th>Output Shape</th><th className="num">Param #</th><th>Connected to</th>{showTrainable && <th>Trainable</th>}
            <th className="cost-num" title="float32 weights, without gradients or optimizer state">Weights</th>
            <th className="cost-num" data-testid="summary-batch" title="The layer's outputs for one batch (a variable dimension counted as 1)">
              {batch ? `Activations ×${batch}` : "Activations ×1"}
            </th>
            <th className="cost-num" title="Multiply-adds for one sample">MACs</th>
          </tr>
        </thead>
        <tbody>
          {order.map((id) => {
            const n = byId.get(id)!;
            const r = analysis?.nodes[id];
            const ins = (wiresIn.get(id) ?? []).map((e) => `${e.source}${portOf(e.sourceHandle) ? `[${portOf(e.sourceHandle)}]` : ""}`);
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
                <CostCells cost={nodeCost(r, perBatch)} testid={`summary-cost-${id}`} />
              </tr>
            );
          })}
        </tbody>
        {analysis && (
          <tfoot>
            <tr className="summary-cost-total" data-testid="summary-cost-total">
              <td colSpan={2}>Total</td>
              <td className="num mono">{fmtCount(analysis.total_params)}</td>
              <td />
              {showTrainable && <td />}
              <CostCells cost={totalCost(analysis, perBatch)} testid="summary-total-cost" />
            </tr>
          </tfoot>
        )}
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
        {analysis && <CostLines cost={totalCost(analysis, perBatch)} batch={batch} />}
        {analysis && !analysis.ok && <div className="bad">{analysis.problems.length} problem(s): shapes after them are unknown.</div>}
      </div>
    </Modal>
  );
}

/** The model's costs in words, under Keras's count lines. */
function CostLines({ cost, batch }: { cost: Cost; batch: number | null }) {
  return (
    <div className="summary-cost-lines" data-testid="summary-costs">
      <div data-testid="summary-line-weights">Weight memory: <b className="mono">{bytes(cost.weightBytes)}</b> <span className="dim">(float32)</span></div>
      <div data-testid="summary-line-activations">
        Activation memory: <b className="mono">{bytes(cost.activationBytes)}</b>{" "}
        <span className="dim">
          {batch ? `(batch of ${batch}, the Train panel's batch size)` : "(one sample: the Train panel's batch size is not a whole number)"}
        </span>
      </div>
      <div data-testid="summary-line-macs">
        Multiply-adds: <b className="mono">{cost.macs === null ? "–" : fmtCount(cost.macs)}</b> <span className="dim">(a sample)</span>
      </div>
    </div>
  );
}
