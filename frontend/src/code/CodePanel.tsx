// The Code tab beside the canvas: the PyTorch (model.py) and Keras (model_keras.py) source of the
// graph being edited, from POST /api/graphs/code, refreshed (debounced) when the graph changes.
import { useEffect, useMemo, useState } from "react";
import { validationKeyCached } from "../graph/convert";
import { useGraph } from "../graph/store";
import { saveBlob } from "../ui/files";
import { Icon } from "../ui/Icon";
import { toast } from "../ui/toast";
import { graphCode, type GraphCode } from "./api";
import { tokenize } from "./highlight";

export const CODE_DEBOUNCE_MS = 350;

type Lang = "pytorch" | "keras";
const FILES: Record<Lang, string> = { pytorch: "model.py", keras: "model_keras.py" };

interface Answer { key: string; code: GraphCode | null; error: string | null }

export default function CodePanel() {
  // What the code depends on: the layers and wires (the validation key, memoised, so dragging
  // nodes costs nothing here) and the graph's name (the class name).
  const graphKey = useGraph((s) => validationKeyCached(s));
  const name = useGraph((s) => s.name);
  const key = `${name}\n${graphKey}`;
  const empty = useGraph((s) => s.nodes.length === 0);
  const problems = useGraph((s) => (s.analysis && s.analysisKey === graphKey && !s.analysis.ok ? s.analysis.problems : null));
  const [lang, setLang] = useState<Lang>("pytorch");
  const [answer, setAnswer] = useState<Answer | null>(null);
  const blocked = empty || !!problems?.length;

  useEffect(() => {
    if (blocked) return;
    const ctrl = new AbortController();
    const timer = setTimeout(async () => {
      try {
        const code = await graphCode(useGraph.getState().graph(), ctrl.signal);
        setAnswer({ key, code, error: null });
      } catch (err) {
        if ((err as Error).name !== "AbortError") setAnswer({ key, code: null, error: (err as Error).message });
      }
    }, CODE_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      ctrl.abort();
    };
  }, [key, blocked]);

  const fresh = answer?.key === key;
  const code = answer?.code ?? null;
  const text = code ? (lang === "pytorch" ? code.pytorch : code.keras ?? null) : null;
  const status = blocked ? "blocked" : fresh ? (answer?.error ? "error" : "fresh") : "updating";

  const copy = async () => {
    if (!text) return;
    try {
      await navigator.clipboard.writeText(text);
      toast(`Copied ${FILES[lang]}`, "good");
    } catch {
      toast("The browser did not allow copying; select the code and copy it by hand.", "error");
    }
  };
  const download = () => {
    if (text) saveBlob(new Blob([text], { type: "text/x-python" }), FILES[lang]);
  };

  return (
    <div className="code-panel" data-testid="code-panel" data-status={status}>
      <div className="code-bar">
        <div className="code-seg" role="tablist">
          {(["pytorch", "keras"] as Lang[]).map((l) => (
            <button key={l} role="tab" aria-selected={lang === l} onClick={() => setLang(l)} data-testid={`code-${l}`}>
              {l === "pytorch" ? "PyTorch" : "Keras"}
              {l === "keras" && code && !code.keras && <span className="seg-warn" title="No Keras equivalent">!</span>}
            </button>
          ))}
        </div>
        <span className="code-file mono">{FILES[lang]}</span>
        <span className="grow" />
        <span className={`code-status ${status}`} data-testid="code-status" title={status === "updating" ? "Updating…" : undefined}>
          {status === "updating" ? "updating…" : status === "fresh" ? "up to date" : ""}
        </span>
        <button className="icon-btn" onClick={copy} disabled={!text} title={`Copy ${FILES[lang]}`} data-testid="code-copy"><Icon name="copy" /></button>
        <button className="icon-btn" onClick={download} disabled={!text} title={`Download ${FILES[lang]}`} data-testid="code-download"><Icon name="download" /></button>
      </div>
      {empty ? (
        <div className="code-empty">Add layers to the canvas to see the code that builds them.</div>
      ) : problems?.length ? (
        <div className="code-note">
          <div className="callout warn">Fix the graph's {problems.length === 1 ? "problem" : `${problems.length} problems`} to see its code.</div>
          <ul className="problem-list">{problems.slice(0, 6).map((p, i) => (<li key={i}>{p.node && <b className="mono">{p.node}</b>} {p.message}</li>))}</ul>
        </div>
      ) : answer?.error && fresh ? (
        <div className="callout bad" data-testid="code-error">{answer.error}</div>
      ) : lang === "keras" && code && !code.keras ? (
        <div className="callout warn keras-error" data-testid="keras-error">
          <b>No Keras equivalent.</b> <span>{code.keras_error ?? "This graph cannot be written as a Keras model."}</span>
        </div>
      ) : text ? (
        <CodeView text={text} stale={!fresh} />
      ) : (
        <div className="code-empty">Generating code…</div>
      )}
    </div>
  );
}

function CodeView({ text, stale }: { text: string; stale: boolean }) {
  const tokens = useMemo(() => tokenize(text), [text]);
  const lines = useMemo(() => text.split("\n").length, [text]);
  return (
    <div className={`code-view${stale ? " stale" : ""}`}>
      <pre className="gutter" aria-hidden="true">{Array.from({ length: lines }, (_, i) => i + 1).join("\n")}</pre>
      <pre className="code" data-testid="code-text"><code>{tokens.map((t, i) => (t.kind === "plain" ? t.text : <span key={i} className={`tk-${t.kind}`}>{t.text}</span>))}</code></pre>
    </div>
  );
}
