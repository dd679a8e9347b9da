// The templates dialog's keras.applications section: pick an architecture, its input size, top and
// classes; the server builds the graph (node ids are Keras's layer names, so a weights file fits).
import { useEffect, useRef, useState } from "react";
import {
  type ArchitectureChoice, type ArchitectureInfo, choiceProblem, defaultChoice, fetchArchitecture, fetchArchitectures,
} from "../graph/architectures";
import { useGraph } from "../graph/store";
import { fmtCompact, fmtCount } from "../ui/format";
import { toast } from "../ui/toast";

export default function ArchitectureTemplates({ onOpened }: { onOpened: () => void }) {
  const [items, setItems] = useState<ArchitectureInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [picked, setPicked] = useState<ArchitectureInfo | null>(null);
  const [choice, setChoice] = useState<ArchitectureChoice | null>(null);
  const [opening, setOpening] = useState(false);
  const form = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let live = true;
    fetchArchitectures().then((r) => live && setItems(r.data), (e: Error) => live && setError(e.message));
    return () => { live = false; };
  }, []);

  const pick = (info: ArchitectureInfo) => {
    setPicked(info);
    setChoice(defaultChoice(info));
    setError(null);
    // The form opens below the cards, out of sight in a short window: bring it into view once drawn.
    requestAnimationFrame(() => form.current?.scrollIntoView?.({ block: "nearest", behavior: "smooth" }));
  };
  const problem = picked && choice ? choiceProblem(picked, choice) : null;

  const open = async () => {
    if (!picked || !choice || problem) return;
    setOpening(true);
    try {
      useGraph.getState().load(await fetchArchitecture(picked.name, choice));
      toast(`Opened ${picked.title}${choice.includeTop ? "" : " without its top"} at ${choice.inputSize}×${choice.inputSize}`, "good");
      onOpened();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setOpening(false);
    }
  };

  return (
    <section className="arch-templates" data-testid="arch-templates">
      <h3 className="arch-heading">Architectures from keras.applications</h3>
      <p className="field-hint">
        Layer names are Keras’s, so a published weights file (such as VGG16’s “notop” .h5) loads into them by name.
      </p>
      {error && !picked && <div className="callout bad" data-testid="arch-error">{error}</div>}
      {!items && !error && <div className="empty">Loading…</div>}
      <div className="template-grid">
        {items?.map((t) => {
          const notop = t.variants.find((v) => !v.include_top);
          return (
            <button key={t.name} className={`template-card${picked?.name === t.name ? " picked" : ""}`}
              data-testid={`arch-${t.name}`} aria-pressed={picked?.name === t.name} onClick={() => pick(t)}>
              <div className="t-title">{t.title}</div>
              <div className="t-blurb">{t.description}</div>
              <div className="t-meta">
                {t.default_input_size}×{t.default_input_size} · {notop ? `${fmtCompact(notop.total_params)} params without top` : ""}
              </div>
            </button>
          );
        })}
      </div>
      <div ref={form}>
        {picked && choice && (
          <ArchitectureForm info={picked} choice={choice} onChange={setChoice} problem={problem} opening={opening}
            onOpen={() => void open()} />
        )}
        {error && picked && <div className="callout bad" data-testid="arch-error">{error}</div>}
      </div>
    </section>
  );
}

function ArchitectureForm({ info, choice, onChange, problem, opening, onOpen }: {
  info: ArchitectureInfo; choice: ArchitectureChoice; onChange: (c: ArchitectureChoice) => void;
  problem: string | null; opening: boolean; onOpen: () => void;
}) {
  const variant = info.variants.find((v) => v.include_top === choice.includeTop);
  const atDefault = choice.inputSize === info.default_input_size && (!choice.includeTop || choice.classes === info.default_classes);
  return (
    <div className="arch-form" data-testid="arch-form">
      <label className="field">
        <span className="field-label">Input size (pixels, square)</span>
        <input type="number" min={info.min_input_size} max={info.max_input_size} value={Number.isNaN(choice.inputSize) ? "" : choice.inputSize}
          aria-invalid={problem !== null} data-testid="arch-size"
          onChange={(e) => onChange({ ...choice, inputSize: e.target.valueAsNumber })} />
        <span className="field-hint">{info.min_input_size} to {info.max_input_size}; the published weights were trained at {info.default_input_size}.</span>
      </label>
      <label className="field inline arch-check">
        <span className="field-label">Include the top (ImageNet classifier)</span>
        <input type="checkbox" checked={choice.includeTop} data-testid="arch-top"
          onChange={(e) => onChange({ ...choice, includeTop: e.target.checked })} />
      </label>
      {choice.includeTop && (
        <label className="field">
          <span className="field-label">Classes</span>
          <input type="number" min={1} max={info.max_classes} value={Number.isNaN(choice.classes) ? "" : choice.classes}
            data-testid="arch-classes" onChange={(e) => onChange({ ...choice, classes: e.target.valueAsNumber })} />
        </label>
      )}
      {problem && <div className="field-error" data-testid="arch-problem">{problem}</div>}
      <div className="arch-actions">
        <span className="field-hint" data-testid="arch-count">
          {variant && atDefault ? `${fmtCount(variant.total_params)} params, ${variant.layers} layers` : "Counts appear on the canvas once opened."}
        </span>
        <button className="btn primary" disabled={problem !== null || opening} onClick={onOpen} data-testid="arch-open">
          {opening ? "Opening…" : `Open ${info.title}`}
        </button>
      </div>
    </div>
  );
}
