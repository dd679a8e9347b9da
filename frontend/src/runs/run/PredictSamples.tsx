// Samples of the run's data set exactly as training saw them (GET /api/datasets/{id}/samples):
// image thumbnails, or a list of rows with their labels for tables, sequences and texts. A pick
// is sent to the model and its answer shown beside the true label.
import { useEffect, useMemo, useRef, useState } from "react";
import { api } from "../../api/client";
import { $api } from "../../api/query";
import type { DatasetInfo, RunPublic, Shape } from "../../api/types";
import Probabilities from "../Probabilities";
import { imagePixels, inputCount, sampleBatch, trueLabel, valuesLine } from "../samples";
import { errorText } from "./errorText";
import { firstRow } from "./predict";

const SAMPLE_PAGE = 16;

export default function PredictSamples({ run, ds, shape, classNames }: { run: RunPublic; ds: DatasetInfo | undefined; shape: Shape | null; classNames: string[] | null }) {
  const [split, setSplit] = useState<"test" | "train">("test");
  const [offset, setOffset] = useState(0);
  const [err, setErr] = useState<string | null>(null);
  const [chosen, setChosen] = useState<number | null>(null);
  const [out, setOut] = useState<number[] | null>(null);
  const query = $api.useQuery("get", "/api/datasets/{dataset_id}/samples", {
    params: { path: { dataset_id: run.dataset }, query: { split, offset, count: SAMPLE_PAGE } },
  }, { placeholderData: (previous) => previous }); // the old page stays until the next one arrives
  const page = query.data;
  const turn = (next: { split?: "test" | "train"; offset: number }) => {
    if (next.split) setSplit(next.split);
    setOffset(next.offset);
    setChosen(null);
    setOut(null);
    setErr(null);
  };
  const rank = shape?.length ?? ds?.input_shape.length ?? 1;
  const images = ds?.kind === "image" && (rank === 3 || rank === 2);
  const pick = async (i: number) => {
    if (!page) return;
    setChosen(i);
    setOut(null);
    try {
      const res = await api.predict(run.id, sampleBatch(page, i, rank));
      setOut(firstRow(res.outputs));
      setErr(null);
    } catch (e) {
      setErr((e as Error).message);
    }
  };
  if (query.error && !page) return <div className="callout bad">{errorText(query.error)}</div>;
  if (!page) return <div className="dim small">Loading samples…</div>;
  const n = page.inputs.length && inputCount(page, rank) > 1 ? (page.inputs[0] as unknown[]).length : page.inputs.length;
  const sampleOf = (i: number) => (inputCount(page, rank) > 1 ? (page.inputs as unknown[][]).map((b) => b[i]) : page.inputs[i]);
  const values = page.target_kind === "values";
  const error = err ?? (query.error ? errorText(query.error) : null);
  return (
    <div className="sample-predict">
      <div className="sample-pager">
        <select value={split} onChange={(e) => turn({ split: e.target.value as "test" | "train", offset: 0 })} data-testid="sample-split" aria-label="Split">
          <option value="test">test split</option>
          <option value="train">training split</option>
        </select>
        <span className="dim small">{offset + 1}–{offset + n} of {page.total.toLocaleString()}</span>
        <span className="grow" />
        <button className="icon-btn" title="Previous samples" aria-label="Previous samples" disabled={offset === 0} onClick={() => turn({ offset: Math.max(0, offset - SAMPLE_PAGE) })}>‹</button>
        <button className="icon-btn" title="Next samples" aria-label="Next samples" disabled={offset + n >= page.total} onClick={() => turn({ offset: offset + SAMPLE_PAGE })} data-testid="samples-next">›</button>
      </div>
      <div className="draw-predict">
        {images ? (
          <div className="samples" data-testid="samples">
            {Array.from({ length: n }, (_x, i) => (
              <button key={offset + i} className={`sample${i === chosen ? " on" : ""}`} onClick={() => void pick(i)}
                title={`${page.split} #${offset + i}: ${trueLabel(page, i)}`} data-testid={`sample-${i}`}>
                <SampleThumb sample={sampleOf(i)} label={trueLabel(page, i)} />
              </button>
            ))}
          </div>
        ) : (
          <ol className="sample-list" data-testid="samples">
            {Array.from({ length: n }, (_x, i) => (
              <li key={offset + i}>
                <button className={`sample-row${i === chosen ? " on" : ""}`} onClick={() => void pick(i)} data-testid={`sample-${i}`}>
                  <span className="mono dim">#{offset + i}</span>
                  <span className="sample-label">{trueLabel(page, i)}</span>
                  {page.texts ? <span className="dim small sample-values" title={page.texts[i]}>{page.texts[i] || "(empty)"}</span>
                    : <span className="mono dim small sample-values">{valuesLine(sampleOf(i))}</span>}
                </button>
              </li>
            ))}
          </ol>
        )}
        <div className="grow" data-testid="sample-result" data-for={chosen ?? ""} data-done={out ? "yes" : "no"}>
          {error && <div className="callout bad">{error}</div>}
          {chosen !== null && <div className="small dim">True {values ? "value" : "label"}: <b className="truth" data-testid="true-label">{trueLabel(page, chosen)}</b></div>}
          {out ? (values ? (
            <div className="pred-top" data-testid="prediction">Prediction: <b data-testid="predicted-value">{valuesLine(out)}</b></div>
          ) : <Probabilities values={out} names={classNames} />) : !error && <div className="dim small">Pick a sample to see what the model says.</div>}
        </div>
      </div>
    </div>
  );
}

/** A (C, H, W) or (H, W) sample drawn pixel for pixel. */
function SampleThumb({ sample, label }: { sample: unknown; label: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const px = useMemo(() => imagePixels(sample), [sample]);
  useEffect(() => {
    const ctx = ref.current?.getContext("2d");
    if (ctx && px) ctx.putImageData(new ImageData(px.rgba, px.width, px.height), 0, 0);
  }, [px]);
  if (!px) return <span className="mono">{label}</span>;
  return <canvas ref={ref} width={px.width} height={px.height} role="img" aria-label={`label ${label}`} />;
}
