// Test-set evaluation of a run: the stored one, or a fresh one when asked (the Evaluate buttons).
import { useState } from "react";
import { api } from "../../api/client";
import type { DatasetInfo, EvaluateResult, RunPublic } from "../../api/types";
import { fmtMetric } from "../../ui/format";
import { toast } from "../../ui/toast";
import ConfusionMatrix from "../ConfusionMatrix";

export type Evaluation = ReturnType<typeof useEvaluation>;

export function useEvaluation(run: RunPublic | null) {
  const [fresh, setFresh] = useState<EvaluateResult | null>(null);
  const [busy, setBusy] = useState(false);
  const stored: EvaluateResult | null = run?.confusion_matrix
    ? { metrics: run.test_metrics ?? {}, confusion_matrix: run.confusion_matrix, class_names: run.class_names ?? null }
    : null;
  const evaluate = async () => {
    if (!run) return;
    setBusy(true);
    try {
      setFresh(await api.evaluate(run.id));
    } catch (err) {
      toast(`Evaluation failed: ${(err as Error).message}`, "error");
    } finally {
      setBusy(false);
    }
  };
  return { result: fresh ?? stored, busy, evaluate };
}

export default function EvaluateCard({ evaluation, ds }: { evaluation: Evaluation; ds: DatasetInfo | undefined }) {
  const { result, busy, evaluate } = evaluation;
  const classes = ds?.target.kind === "classes";
  return (
    <section className="card" id="evaluate-model">
      <div className="card-head">
        <h3>Evaluate on the test set</h3>
        <button className="btn small" onClick={evaluate} disabled={busy} data-testid="evaluate">{busy ? "Evaluating…" : result ? "Re-evaluate" : "Evaluate"}</button>
      </div>
      {result ? (
        <>
          <table className="kv inline-kv"><tbody>{Object.entries(result.metrics).map(([k, v]) => (<tr key={k}><th>{k}</th><td className="mono">{fmtMetric(v)}</td></tr>))}</tbody></table>
          {result.confusion_matrix && <ConfusionMatrix matrix={result.confusion_matrix} names={result.class_names ?? ds?.target.class_names ?? null} />}
        </>
      ) : (
        <div className="dim small">{classes ? "Test metrics and a confusion matrix of the held-out test split." : "Test metrics on the held-out test split."}</div>
      )}
    </section>
  );
}
