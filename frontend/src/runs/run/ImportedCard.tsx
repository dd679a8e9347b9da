// An imported model: what it is and what can be done with it (it has no training history).
import { useEffect } from "react";
import { useCatalog } from "../../api/catalog";
import { $api } from "../../api/query";
import type { components } from "../../api/schema";
import type { RunPublic, Shape } from "../../api/types";
import { fmtDate, fmtShape } from "../../ui/format";
import { Icon } from "../../ui/Icon";

export default function ImportedCard({ run, onTrainFurther, onOpen, onEvaluate, onTry }: {
  run: RunPublic; onTrainFurther: () => void; onOpen: () => void; onEvaluate: () => void; onTry: () => void;
}) {
  const datasets = useCatalog((c) => c.datasets);
  useEffect(() => {
    if (!datasets) void useCatalog.getState().loadDatasets();
  }, [datasets]);
  // The parameter count comes from the server's analysis of the graph (cached per graph).
  const report = $api.useQuery("post", "/api/graphs/validate", { body: run.graph as components["schemas"]["Graph"] });
  const params = report.data?.total_params ?? null;
  const ds = datasets?.find((d) => d.id === run.dataset);
  const inputs = run.graph.nodes.filter((n) => n.type === "Input");
  const classes = run.class_names?.length ?? null;
  return (
    <section className="card imported-card" data-testid="imported-card">
      <div className="card-head">
        <h3>Imported model</h3>
        <span className="dim small">imported {fmtDate(run.created_at)} · no training history</span>
      </div>
      <table className="kv inline-kv">
        <tbody>
          <tr><th>Layers</th><td data-testid="imported-layers">{run.graph.nodes.length}</td></tr>
          <tr><th>Parameters</th><td className="mono" data-testid="imported-params">{params === null ? "…" : params.toLocaleString()}</td></tr>
          <tr><th>Input{inputs.length > 1 ? "s" : ""}</th><td className="mono">{inputs.map((n) => fmtShape((n.params.shape ?? []) as Shape)).join(", ") || "–"}</td></tr>
          {classes ? <tr><th>Classes</th><td>{classes}</td></tr> : null}
          <tr><th>Data set</th><td data-testid="imported-dataset">{ds ? <>{ds.name} <span className="mono dim small">{ds.id}</span></> : datasets ? <span className="dim">none (attach one when importing to evaluate it)</span> : run.dataset}</td></tr>
        </tbody>
      </table>
      <div className="imported-actions">
        <button className="btn primary" onClick={onTrainFurther} data-testid="train-further"><Icon name="redo" /> Train further</button>
        <button className="btn" onClick={onOpen} data-testid="open-on-canvas"><Icon name="external" /> Open on canvas</button>
        <button className="btn" onClick={onEvaluate} disabled={!ds} title={ds ? `Evaluate on ${ds.name}'s test split` : "The model is attached to no data set"} data-testid="imported-evaluate">Evaluate</button>
        <button className="btn" onClick={onTry} data-testid="imported-try">Try the model</button>
      </div>
    </section>
  );
}
