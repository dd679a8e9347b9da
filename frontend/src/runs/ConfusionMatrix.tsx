// Rows: true class; columns: predicted. Cells shaded by the share of their row.
export default function ConfusionMatrix({ matrix, names }: { matrix: number[][]; names: string[] | null }) {
  const label = (i: number) => names?.[i] ?? String(i);
  return (
    <div className="confusion" data-testid="confusion-matrix">
      <table>
        <thead>
          <tr><th className="corner">true ╲ pred</th>{matrix[0]?.map((_, j) => (<th key={j}>{label(j)}</th>))}</tr>
        </thead>
        <tbody>
          {matrix.map((row, i) => {
            const total = row.reduce((a, b) => a + b, 0) || 1;
            return (
              <tr key={i}>
                <th>{label(i)}</th>
                {row.map((v, j) => {
                  const share = v / total;
                  const bg = i === j ? `rgba(52, 211, 153, ${0.12 + share * 0.75})` : v ? `rgba(251, 113, 133, ${0.1 + share * 0.9})` : "transparent";
                  return (<td key={j} style={{ background: bg }} title={`true ${label(i)}, predicted ${label(j)}: ${v}`}>{Number.isInteger(v) ? v : v.toFixed(2)}</td>);
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
