// One prediction as class probabilities: the top class named, a bar per class.
export default function Probabilities({ values, names }: { values: number[]; names: string[] | null }) {
  const top = values.indexOf(Math.max(...values));
  return (
    <div className="probs" data-testid="prediction">
      <div className="pred-top">Prediction: <b data-testid="predicted-class">{names?.[top] ?? top}</b> <span className="dim">({(values[top] * 100).toFixed(1)}%)</span></div>
      {values.map((v, i) => (
        <div key={i} className={`prob${i === top ? " top" : ""}`}>
          <span className="pl">{names?.[i] ?? i}</span>
          <span className="pbar"><span style={{ width: `${Math.max(0, Math.min(1, v)) * 100}%` }} /></span>
          <span className="pv mono">{v.toFixed(3)}</span>
        </div>
      ))}
    </div>
  );
}
