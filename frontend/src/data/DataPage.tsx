// #/data and #/data/ID: every data set (built in, synthetic, published, uploaded), a preview of
// the chosen one (samples, class balance, the Input shape), uploads with options, and "Use on
// canvas", which picks the set in the train panel's settings (useTrainSettings).
import { useEffect, useState } from "react";
import { useCatalog } from "../api/catalog";
import type { DatasetInfo } from "../api/types";
import { datasetInputs, datasetTargets, describeTarget } from "../train/datasetIO";
import { settingsForDataset, useTrainSettings } from "../train/TrainPanel";
import { requestEditorTab } from "../ui/editorTab";
import { fmtShape } from "../ui/format";
import { Icon } from "../ui/Icon";
import { href, navigate } from "../ui/route";
import { toast } from "../ui/toast";
import { dataApi } from "./api";
import DatasetPreviewView from "./DatasetPreview";
import PublishedSets from "./Published";
import UploadCard from "./UploadCard";

const SOURCE_LABEL: Record<string, string> = {
  builtin: "Built in",
  synthetic: "Synthetic",
  file: "Published",
  upload: "Uploaded",
};
const SOURCE_ORDER = ["upload", "builtin", "file", "synthetic"];

/** A snake_case name that may wrap after its underscores. */
function breakable(name: string) {
  return name.split("_").map((part, i, all) => (
    <span key={i}>{part}{i < all.length - 1 && <>_<wbr /></>}</span>
  ));
}

export function targetText(d: DatasetInfo): string {
  const targets = datasetTargets(d);
  if (targets.length > 1) return `${targets.length} targets`;
  if (targets[0].kind === "classes" && targets[0].shape.length === 1) return describeTarget(targets[0]);
  if (d.target.kind === "values") return "values (regression)";
  const n = d.target.num_classes ?? d.target.class_names?.length;
  return n ? `${n} classes` : "classes";
}

/** Picks the set in the train panel, as its own selector does (suggested loss, metrics). */
export function pickForTraining(d: DatasetInfo): void {
  useTrainSettings.getState().set(settingsForDataset(d.id, d));
  requestEditorTab("train");
  navigate({ page: "canvas" });
  toast(`Training on ${d.name}: Input takes ${fmtShape(d.input_shape)}`, "good");
}

export default function DataPage({ id }: { id: string | null }) {
  const datasets = useCatalog((c) => c.datasets);
  const error = useCatalog((c) => c.datasetsError);
  const current = useTrainSettings((s) => s.dataset);
  useEffect(() => void useCatalog.getState().loadDatasets(), []);

  const selectedId = id ?? datasets?.[0]?.id ?? null;
  const selected = datasets?.find((d) => d.id === selectedId) ?? null;
  const groups = SOURCE_ORDER.map((src) => ({ src, items: (datasets ?? []).filter((d) => (d.source ?? "builtin") === src) }))
    .filter((g) => g.items.length);

  const onUploaded = (d: DatasetInfo) => {
    void useCatalog.getState().loadDatasets();
    navigate({ page: "data", id: d.id });
  };

  return (
    <div className="page data-page" data-testid="data-page">
      <div className="page-head">
        <h1>Data sets</h1>
        {datasets && <span className="dim">{datasets.length} available</span>}
      </div>
      {error && <div className="callout bad">Could not load the data sets: {error}</div>}
      <div className="data-layout">
        <div className="data-left">
          <UploadCard onUploaded={onUploaded} />
          {!datasets && !error && <div className="empty">Loading data sets…</div>}
          {groups.map((g) => (
            <section key={g.src} className="ds-group">
              <div className="panel-sub">{SOURCE_LABEL[g.src] ?? g.src}</div>
              <ul className="ds-list">
                {g.items.map((d) => (
                  <li key={d.id}>
                    <a href={href({ page: "data", id: d.id })} className={`ds-item${d.id === selectedId ? " on" : ""}`}
                      data-testid={`dataset-${d.id}`} aria-current={d.id === selectedId ? "true" : undefined}>
                      <span className="ds-item-top">
                        <span className="ds-name">{d.name}</span>
                        {d.id === current && <span className="ds-badge" title="Chosen in the Train panel">training</span>}
                        <span className={`kind-chip k-${d.kind}`}>{d.kind}</span>
                      </span>
                      <span className="ds-item-meta">
                        <span className="mono">{datasetInputs(d).map((i) => fmtShape(i.shape)).join(" + ")}</span>
                        <span>→ {targetText(d)}</span>
                        <span className="grow" />
                        <span>{(d.sizes.train + d.sizes.validation + d.sizes.test).toLocaleString("en-US")} samples</span>
                      </span>
                    </a>
                  </li>
                ))}
              </ul>
            </section>
          ))}
          {datasets && <PublishedSets />}
        </div>
        <div className="data-right">
          {selected ? <DatasetDetail key={selected.id} d={selected} /> : datasets && id ? (
            <div className="callout bad">No data set “{id}”. <a href={href({ page: "data" })}>Show all</a></div>
          ) : null}
        </div>
      </div>
    </div>
  );
}

function DatasetDetail({ d }: { d: DatasetInfo }) {
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  useEffect(() => {
    if (!confirming) return;
    const t = setTimeout(() => setConfirming(false), 4000);
    return () => clearTimeout(t);
  }, [confirming]);

  const remove = async () => {
    if (!confirming) {
      setConfirming(true);
      return;
    }
    setDeleting(true);
    try {
      await dataApi.remove(d.id);
      toast(`Deleted ${d.name}`, "good");
      await useCatalog.getState().loadDatasets();
      // The Train panel must not keep pointing at a set that is gone: back to the first one.
      if (useTrainSettings.getState().dataset === d.id) {
        const first = useCatalog.getState().datasets?.[0];
        if (first) useTrainSettings.getState().set(settingsForDataset(first.id, first));
      }
      navigate({ page: "data" });
    } catch (err) {
      toast(`Could not delete ${d.name}: ${(err as Error).message}`, "error");
      setDeleting(false);
      setConfirming(false);
    }
  };

  const total = d.sizes.train + d.sizes.validation + d.sizes.test;
  return (
    <section className="card ds-detail" data-testid="dataset-detail" data-id={d.id}>
      <div className="ds-detail-head">
        <div className="grow">
          <div className="ds-title-row">
            <h2 data-testid="dataset-title">{d.name}</h2>
            <span className={`kind-chip k-${d.kind}`}>{d.kind}</span>
            <span className="source-chip">{SOURCE_LABEL[d.source ?? "builtin"] ?? d.source}</span>
          </div>
          <div className="dim small mono">{d.id}</div>
        </div>
        {d.source === "upload" && (
          <button className={`btn danger${confirming ? " confirm" : ""}`} onClick={remove} disabled={deleting} data-testid="delete-dataset">
            <Icon name="trash" /> {deleting ? "Deleting…" : confirming ? "Click again to delete" : "Delete"}
          </button>
        )}
        <button className="btn primary" onClick={() => pickForTraining(d)} data-testid="use-on-canvas">
          <Icon name="canvas" /> Use on canvas
        </button>
      </div>
      {d.description && <p className="ds-desc">{d.description}</p>}
      <div className="ds-facts">
        {datasetInputs(d).length === 1 ? (
          <div className="fact"><span className="k">Input layer shape</span><span className="v mono" data-testid="dataset-input-shape">{fmtShape(d.input_shape)}</span><span className="s">{d.input_dtype === "int64" ? "token ids (int64)" : "float32"}</span></div>
        ) : datasetInputs(d).map((i) => (
          <div className="fact" key={i.name}><span className="k">Input {i.name}</span><span className="v mono" data-testid="dataset-input-shape">{fmtShape(i.shape)}</span><span className="s">{i.dtype === "int64" ? "token ids (int64)" : "float32"}</span></div>
        ))}
        <div className="fact"><span className="k">Target</span><span className="v">{targetText(d)}</span><span className="s">{d.target.class_names?.slice(0, 4).join(", ")}{(d.target.class_names?.length ?? 0) > 4 ? ", …" : ""}</span></div>
        <div className="fact"><span className="k">Samples</span><span className="v">{total.toLocaleString("en-US")}</span><span className="s">{d.sizes.train.toLocaleString("en-US")} train · {d.sizes.validation.toLocaleString("en-US")} val · {d.sizes.test.toLocaleString("en-US")} test</span></div>
        <div className="fact"><span className="k">Suggested loss</span><span className="v mono small">{breakable(d.suggested_loss)}</span><span className="s">{d.target.kind === "values" ? "metric: mae" : "metric: accuracy"}</span></div>
      </div>
      <DatasetPreviewView d={d} />
    </section>
  );
}
