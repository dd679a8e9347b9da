// The run page's panels for sequence models, picked by what the run's data set was built for
// (DatasetInfo.extra.task): Generate for a next-token corpus, Translate/Decode for seq2seq, the
// forecast plot for a series. Other runs get nothing here.
import { useEffect } from "react";
import { useCatalog } from "../api/catalog";
import type { RunPublic } from "../api/types";
import ForecastPlot from "./ForecastPlot";
import GeneratePanel from "./GeneratePanel";
import { sequenceTask } from "./sequences";

export default function SequencePanels({ run }: { run: RunPublic }) {
  const datasets = useCatalog((s) => s.datasets);
  useEffect(() => {
    if (!datasets) void useCatalog.getState().loadDatasets();
  }, [datasets]);
  const ds = datasets?.find((d) => d.id === run.dataset);
  const task = sequenceTask(ds);
  if (task === "next_token" || task === "seq2seq") return <GeneratePanel run={run} ds={ds} mode={task} />;
  if (task === "series") return <ForecastPlot run={run} />;
  return null;
}
