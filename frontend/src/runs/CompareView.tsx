// Several runs side by side: who they are, how their settings and results differ (the HParams table),
// then their curves, one chart per metric with a colour per run, drawn as the run page's controls say.
import { href } from "../ui/route";
import { fmtMetric } from "../ui/format";
import CompareCurves from "./compare/CompareCurves";
import HParamsTable from "./compare/HParamsTable";
import { useCompareRuns } from "./compare/useCompareRuns";
import "./compare/compareLayout.css";

function bestValLoss(epochs: { metrics: Record<string, number | null> }[]): number | null {
  const best = Math.min(...epochs.map((e) => e.metrics.val_loss ?? Infinity));
  return Number.isFinite(best) ? best : null; // no epoch yet, or none with a validation loss
}

export default function CompareView({ ids }: { ids: string[] }) {
  const { runs, loading, errors } = useCompareRuns(ids);
  return (
    <div className="page">
      <div className="page-head">
        <a className="crumb" href={href({ page: "runs" })}>Runs</a><span className="dim">/</span><h1>Compare {ids.length} runs</h1>
      </div>
      {errors.map((e) => <div key={e} className="callout bad">{e}</div>)}
      <div className="compare-body">
        <aside className="compare-side">
          <div className="compare-legend">
            {runs.map((r) => (
              <a key={r.id} href={href({ page: "run", id: r.id })} className="legend-item">
                <span className="swatch" style={{ background: r.color }} />
                {r.name} <span className="dim mono">{r.id.slice(0, 8)}</span>
                <span className="dim">{r.request?.dataset} · {r.epochs.length} epochs · best val_loss {fmtMetric(bestValLoss(r.epochs))}</span>
              </a>
            ))}
          </div>
          {runs.length > 0 && <HParamsTable runs={runs} names={runs.map((r) => r.name)} />}
        </aside>
        <section className="compare-main">
          {loading ? <div className="dim small">Loading the runs' curves…</div> : runs.length > 0 && <CompareCurves runs={runs} />}
        </section>
      </div>
    </div>
  );
}
