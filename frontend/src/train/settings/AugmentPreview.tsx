// A grid of training images and what the chosen augmentation makes of them, before launching
// (POST /api/datasets/{id}/augment-preview): redrawn shortly after the settings change.
import { useEffect, useMemo, useState } from "react";
import { ApiError } from "../../api/client";
import { fetchClient } from "../../api/query";
import type { components } from "../../api/schema";
import type { DatasetInfo } from "../../api/types";
import { augmentRequest } from "./runRequest";
import type { FieldCtx } from "./fields";

export const PREVIEW_DEBOUNCE_MS = 400;
const COUNT = 8;
const VARIANTS = 4;

type AugmentPreviewResult = components["schemas"]["AugmentPreview"];
type AugmentSettings = components["schemas"]["AugmentSettings"];

/** The preview of `augment` on the data set's training images (a failed answer throws its ApiError). */
export async function fetchAugmentPreview(dataset: string, augment: AugmentSettings, seed: number, signal?: AbortSignal) {
  const { data } = await fetchClient.POST("/api/datasets/{dataset_id}/augment-preview", {
    params: { path: { dataset_id: dataset } }, body: { augment, count: COUNT, variants: VARIANTS, seed, split: "train" }, signal,
  });
  return data!;
}

export default function AugmentPreview({ ctx, ds }: { ctx: FieldCtx; ds: DatasetInfo }) {
  const augmentErrors = ["rotationRange", "zoomRange", "widthShiftRange", "heightShiftRange", "brightnessLow", "brightnessHigh",
    "contrastRange", "cval", "augmentSeed"].some((k) => ctx.checks[k as keyof FieldCtx["checks"]].error);
  const body = useMemo(() => (augmentErrors ? null : JSON.stringify(augmentRequest(ctx.s))), [ctx.s, augmentErrors]);
  const [draw, setDraw] = useState(0); // "Again": other random draws of the same settings
  const seed = (ctx.checks.seed.value ?? 0) + draw; // the run's seed first: what its first epoch would see
  const [result, setResult] = useState<AugmentPreviewResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    if (!body) return;
    const ctrl = new AbortController();
    const timer = setTimeout(async () => {
      setLoading(true);
      try {
        setResult(await fetchAugmentPreview(ds.id, JSON.parse(body) as AugmentSettings, seed, ctrl.signal));
        setError(null);
      } catch (err) {
        if ((err as Error).name === "AbortError") return;
        setError(err instanceof ApiError ? err.message : `Could not preview: ${(err as Error).message}`);
      } finally {
        if (!ctrl.signal.aborted) setLoading(false);
      }
    }, PREVIEW_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      ctrl.abort();
    };
  }, [ds.id, body, seed]);

  return (
    <div className="augment-preview" data-testid="augment-preview" data-loading={loading || undefined}>
      <div className="augment-preview-head">
        <span className="field-label grow">Preview <span className="dim">original, then {VARIANTS} draws</span></span>
        <button type="button" className="btn small" onClick={() => setDraw(draw + 1)} disabled={!body}
          data-testid="augment-preview-again">{loading ? "Drawing…" : "Preview again"}</button>
      </div>
      {augmentErrors && <div className="dim small">Fix the fields above to preview.</div>}
      {error && <div className="field-error" data-testid="augment-preview-error">{error}</div>}
      {result && (
        <div className="augment-grid" style={{ gridTemplateColumns: `auto repeat(${VARIANTS + 1}, 1fr)` }}>
          {result.samples.map((sm, i) => [
            <span key={`l${i}`} className="augment-label mono">{sm.label ?? ""}</span>,
            <img key={`o${i}`} src={sm.original} alt={`sample ${i}`} className="original" data-testid="augment-original" />,
            ...sm.augmented.map((src, j) => (
              <img key={`a${i}-${j}`} src={src} alt={`sample ${i}, draw ${j + 1}`} data-testid="augment-variant" />
            )),
          ])}
        </div>
      )}
    </div>
  );
}
