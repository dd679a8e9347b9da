// A finished run's model at work: test-set evaluation beside "Try the model".
import { useEffect } from "react";
import { useCatalog } from "../../api/catalog";
import type { RunPublic } from "../../api/types";
import EvaluateCard, { type Evaluation } from "./Evaluate";
import TryModel from "./TryModel";

export default function ModelPanels({ run, evaluation }: { run: RunPublic; evaluation: Evaluation }) {
  const datasets = useCatalog((s) => s.datasets);
  useEffect(() => {
    if (!datasets) void useCatalog.getState().loadDatasets();
  }, [datasets]);
  const ds = datasets?.find((d) => d.id === run.dataset);
  return (
    <div className="eval-grid">
      <EvaluateCard evaluation={evaluation} ds={ds} />
      <TryModel run={run} ds={ds} />
    </div>
  );
}
