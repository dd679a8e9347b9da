// A metrics dict as a two-column table (last epoch, test), without bookkeeping keys.
import { fmtMetric } from "../../ui/format";

const HIDDEN = ["lr", "seconds", "samples_per_s"];

export default function MetricTable({ label, m, testid }: { label: string; m: Record<string, number | null> | null; testid?: string }) {
  if (!m) return <div className="dim small">No epoch finished yet.</div>;
  const keys = Object.keys(m).filter((k) => !HIDDEN.includes(k));
  return (
    <table className="kv" data-testid={testid}>
      <caption>{label}</caption>
      <tbody>
        {keys.map((k) => (<tr key={k}><th>{k}</th><td className="mono">{fmtMetric(m[k])}</td></tr>))}
      </tbody>
    </table>
  );
}
