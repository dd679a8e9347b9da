// The run's settings panel: every setting of its request, compile then fit (rows from settingsRows).
import type { RunPublic } from "../../api/types";
import { useGraph } from "../../graph/store";
import { fmtDate } from "../../ui/format";
import { navigate } from "../../ui/route";
import { replaceGraph } from "../../canvas/UnsavedGuard";
import { settingsRows } from "../settingsRows";

export default function Settings({ run }: { run: RunPublic }) {
  const rows = settingsRows(run.request);
  const groups = (["compile", "fit"] as const).map((g) => ({ g, rows: rows.filter((r) => r.group === g) }));
  return (
    <section className="card" data-testid="run-settings">
      <h3>Settings</h3>
      <table className="kv">
        <tbody>
          <tr><th>Data set</th><td>{run.dataset}</td></tr>
          {groups.map(({ g, rows: rs }) => rs.length > 0 && [
            <tr key={g}><th colSpan={2} className="dim small">{g}</th></tr>,
            ...rs.map((r) => (<tr key={r.key} data-key={r.key}><th>{r.label}</th><td className="mono">{r.value}</td></tr>)),
          ])}
          {run.device && <tr><th>Ran on</th><td>{run.device}</td></tr>}
          <tr><th>Started</th><td>{fmtDate(run.started_at ?? run.created_at)}</td></tr>
        </tbody>
      </table>
      <div className="dim small">{run.graph.nodes.length} layers · <a href="#" onClick={(e) => { e.preventDefault(); replaceGraph("Opening the run's graph", () => { useGraph.getState().load(run.graph); navigate({ page: "canvas" }); }, run.graph); }}>open graph</a></div>
    </section>
  );
}
