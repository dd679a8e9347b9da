// TensorBoard-style HParams table: settings that differ (or all), then final/best/test metrics, best run marked.
import { useState } from "react";
import { fmtMetric } from "../../ui/format";
import { type CompareRun, metricRows, settingRows } from "./hparams";
import "./compare.css";

export default function HParamsTable({ runs, names }: { runs: CompareRun[]; names: string[] }) {
  const [all, setAll] = useState(false);
  const settings = settingRows(runs).filter((r) => all || r.differs);
  return (
    <div className="hparams" data-testid="hparams-table">
      <label className="small"><input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> show all settings</label>
      <table>
        <thead><tr><th /> {names.map((n, i) => <th key={i}>{n}</th>)}</tr></thead>
        <tbody>
          {settings.map((r) => (
            <tr key={r.key} className={r.differs ? "differs" : ""} data-testid={`hp-${r.key}`}>
              <th>{r.label}</th>{r.values.map((v, i) => <td key={i} className="mono">{v}</td>)}
            </tr>
          ))}
          {metricRows(runs).map((r) => (
            <tr key={`${r.group}-${r.key}`} data-testid={`hp-${r.group}-${r.key}`}>
              <th>{r.group} {r.key}</th>
              {r.values.map((v, i) => <td key={i} className={`mono${r.best === i ? " best" : ""}`}>{fmtMetric(v)}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
