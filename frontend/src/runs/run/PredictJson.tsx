// Any batch typed as JSON, sent to the model; the outputs shown to 4 significant digits.
import { useState } from "react";
import { api } from "../../api/client";
import type { RunPublic, Shape } from "../../api/types";
import { fmtShape } from "../../ui/format";
import { zeros } from "./predict";

export default function PredictJson({ run, shape }: { run: RunPublic; shape: Shape | null }) {
  const [text, setText] = useState(() => JSON.stringify(shape ? [zeros(shape)] : [[0]]));
  const [out, setOut] = useState<string | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const send = async () => {
    try {
      const res = await api.predict(run.id, JSON.parse(text));
      setOut(JSON.stringify(res.outputs, (_k, v) => (typeof v === "number" ? Number(v.toPrecision(4)) : v)));
      setErr(null);
    } catch (e) {
      setErr((e as Error).message);
    }
  };
  return (
    <div className="json-predict">
      <label className="field">
        <span className="field-label">Inputs (a batch{shape ? ` of ${fmtShape(shape)}` : ""})</span>
        <textarea rows={4} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} />
      </label>
      <button className="btn small" onClick={send}>Predict</button>
      {err && <div className="callout bad">{err}</div>}
      {out && <pre className="output">{out}</pre>}
    </div>
  );
}
