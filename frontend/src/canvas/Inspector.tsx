// The right-hand panel for the selection: rename, edit params from the layer's JSON Schema.
import { useMemo, useRef, useState } from "react";
import { useShallow } from "zustand/react/shallow";
import { useCatalog } from "../api/catalog";
import type { Problem } from "../api/types";
import { portOf, type LayerNode } from "../graph/convert";
import { graphHasFrozen } from "../graph/freeze";
import { useGraph } from "../graph/store";
import { stableSelection } from "../graph/selectors";
import { fmtCount, fmtShape } from "../ui/format";
import { Icon } from "../ui/Icon";
import { NodeFreezeControls, SelectionFreezeControls } from "./FreezeControls";
import ReuseControls from "./ReuseControls";
import EmbeddingVectors from "./EmbeddingVectors";
import { BlockInputNote, BlockInspector, GroupButton } from "./BlockActions";
import { BLOCK_TYPE } from "../graph/blockFormat";
import { revealNode } from "../graph/blockActions";
import { fieldsOf, parseField, toText, type FieldSpec } from "./schemaForm";
import { SHORTCUTS } from "./shortcuts";

export default function Inspector({ onShowSummary }: { onShowSummary: () => void }) {
  const last = useRef<LayerNode[]>([]);
  // the same array while a selected node is only dragged: the form does not re-render each frame
  const selected = useGraph((s) => (last.current = stableSelection(s.nodes, last.current)));
  if (selected.length === 1 && selected[0].data.type === BLOCK_TYPE) return <BlockInspector key={selected[0].id} node={selected[0]} />;
  if (selected.length === 1) return <NodeInspector key={selected[0].id} node={selected[0]} />;
  if (selected.length > 1) return <MultiInspector count={selected.length} />;
  return <GraphOverview onShowSummary={onShowSummary} />;
}

function NodeInspector({ node }: { node: LayerNode }) {
  const info = useCatalog((s) => s.byType[node.data.type]);
  const report = useGraph((s) => s.analysis?.nodes[node.id]);
  const fields = useMemo(() => (info ? fieldsOf(info.params_schema) : []), [info]);
  const [name, setName] = useState(node.data.name ?? "");
  const problemsBy = new Map<string | null | undefined, Problem[]>();
  for (const p of report?.problems ?? []) problemsBy.set(p.field ?? null, [...(problemsBy.get(p.field ?? null) ?? []), p]);
  const fieldKeys = new Set(fields.map((f) => f.key));
  const general = (report?.problems ?? []).filter((p) => !p.field || !fieldKeys.has(p.field));

  const commitName = () => {
    if ((node.data.name ?? "") !== name.trim()) useGraph.getState().rename(node.id, name);
  };
  const set = (key: string, value: unknown) => {
    const params = { ...node.data.params };
    if (value === undefined) delete params[key];
    else params[key] = value;
    useGraph.getState().updateParams(node.id, params);
  };

  return (
    <div className="inspector" data-testid="inspector">
      <div className="insp-head">
        <div className={`fam-chip fam-${info?.family ?? "unknown"}`}>{info?.family ?? "?"}</div>
        <div className="insp-type">{node.data.type}</div>
      </div>
      {info?.doc && <p className="insp-doc">{info.doc}</p>}
      <BlockInputNote node={node} />
      <label className="field">
        <span className="field-label">Name</span>
        <input
          value={name}
          placeholder={node.id}
          onChange={(e) => setName(e.target.value)}
          onBlur={commitName}
          onKeyDown={(e) => e.key === "Enter" && (e.target as HTMLInputElement).blur()}
          data-testid="inspector-name"
        />
        <span className="field-hint">id: {node.id}</span>
      </label>
      <div className="insp-stats">
        <div><span className="k">Output</span><span className="v mono" data-testid="inspector-shape">{report?.output_shapes ? report.output_shapes.map(fmtShape).join(" ") : "–"}</span></div>
        <div><span className="k">Params</span><span className="v mono">{fmtCount(report?.params)}</span></div>
        {report?.trainable_params != null && report.params != null && report.trainable_params !== report.params && (
          <div><span className="k">Trainable</span><span className="v mono" data-testid="inspector-trainable-params">{fmtCount(report.trainable_params)}</span></div>
        )}
      </div>
      <MergeInputs node={node} />
      <NodeFreezeControls node={node} />
      <EmbeddingVectors node={node} />
      <ReuseControls node={node} />
      {general.map((p, i) => (
        <div key={i} className="callout bad">{p.message}</div>
      ))}
      <div className="panel-sub">Parameters</div>
      {!info && <div className="empty">Unknown layer type “{node.data.type}”.</div>}
      {fields.length === 0 && info && <div className="empty">This layer has no parameters.</div>}
      {fields.map((f) => (
        <ParamField key={f.key} field={f} value={node.data.params[f.key]} fallback={info?.defaults[f.key]}
          serverProblems={problemsBy.get(f.key) ?? []} onCommit={(v) => set(f.key, v)} />
      ))}
      <div className="insp-actions">
        <button className="btn" onClick={() => useGraph.getState().duplicate()}><Icon name="copy" /> Duplicate</button>
        <button className="btn danger" onClick={() => useGraph.getState().deleteSelected()} data-testid="inspector-delete"><Icon name="trash" /> Delete</button>
      </div>
    </div>
  );
}

/** A merge layer's inputs in port order (Concatenate's parts, Subtract's operands), reorderable. */
function MergeInputs({ node }: { node: LayerNode }) {
  const into = useGraph(useShallow((s) => s.edges.filter((e) => e.target === node.id)));
  // the sources' names only (not every node, which changes on each drag frame)
  const names = useGraph(useShallow((s) => into.map((e) => s.nodes.find((n) => n.id === e.source)?.data.name ?? null)));
  const analysis = useGraph((s) => s.analysis);
  if (into.length < 2) return null;
  const nameOf = new Map(into.map((e, i) => [e.source, names[i]]));
  const rows = [...into].sort((a, b) => portOf(a.targetHandle) - portOf(b.targetHandle)).map((e) => {
    const source = { data: { name: nameOf.get(e.source) ?? undefined } };
    const shape = analysis?.nodes[e.source]?.output_shapes?.[portOf(e.sourceHandle)];
    return { port: portOf(e.targetHandle), label: source?.data.name ?? e.source, shape };
  });
  const move = (port: number, delta: number) => useGraph.getState().moveInput(node.id, port, delta);
  return (
    <div className="merge-inputs" data-testid="merge-inputs">
      <div className="panel-sub">Inputs, in order</div>
      <ol>
        {rows.map((r, i) => (
          <li key={r.port} data-testid={`merge-input-${i}`}>
            <span className="mi-name">{r.label}</span>
            <span className="mi-shape mono">{r.shape ? fmtShape(r.shape) : ""}</span>
            <button className="icon-btn" disabled={i === 0} onClick={() => move(r.port, -1)} title="Move up: earlier in the merge"
              aria-label={`Move ${r.label} up`} data-testid={`merge-up-${i}`}>↑</button>
            <button className="icon-btn" disabled={i === rows.length - 1} onClick={() => move(r.port, 1)} title="Move down: later in the merge"
              aria-label={`Move ${r.label} down`} data-testid={`merge-down-${i}`}>↓</button>
          </li>
        ))}
      </ol>
    </div>
  );
}

function ParamField({ field, value, fallback, serverProblems, onCommit }: {
  field: FieldSpec; value: unknown; fallback: unknown; serverProblems: Problem[]; onCommit: (v: unknown) => void;
}) {
  const shown = value === undefined ? fallback : value;
  const [draft, setDraft] = useState<string | null>(null);
  const text = draft ?? toText(field, shown);
  const parsed = draft === null ? null : parseField(field, draft);
  const error = parsed && !parsed.ok ? parsed.error : null;
  const testid = `param-${field.key}`;

  const commit = () => {
    if (draft === null) return;
    const p = parseField(field, draft);
    if (p.ok) {
      if (JSON.stringify(p.value) !== JSON.stringify(shown)) onCommit(p.value);
      setDraft(null);
    }
  };

  let control;
  if (field.kind === "boolean") {
    control = (
      <label className="switch">
        <input type="checkbox" checked={!!shown} onChange={(e) => onCommit(e.target.checked)} data-testid={testid} />
        <span className="track" />
      </label>
    );
  } else if (field.kind === "enum") {
    control = (
      <select value={shown === null || shown === undefined ? "" : String(shown)} data-testid={testid}
        onChange={(e) => {
          const raw = e.target.value;
          onCommit(raw === "" ? null : field.options.find((o) => String(o) === raw));
        }}>
        {field.nullable && <option value="">None</option>}
        {field.options.map((o) => (<option key={String(o)} value={String(o)}>{String(o)}</option>))}
      </select>
    );
  } else {
    control = (
      <input
        className={error ? "invalid" : undefined}
        value={text}
        inputMode={field.kind === "number" ? "decimal" : undefined}
        placeholder={field.nullable ? "None" : field.kind === "tuple" ? "e.g. 1, 28, 28" : ""}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === "Enter") commit();
          if (e.key === "Escape") setDraft(null);
        }}
        aria-invalid={!!error}
        data-testid={testid}
      />
    );
  }
  return (
    <div className={`field${field.kind === "boolean" ? " inline" : ""}`}>
      <span className="field-label" title={field.description}>
        {field.label}
        {field.required && <span className="req" title="Required">*</span>}
      </span>
      {control}
      {error && <span className="field-error" data-testid={`${testid}-error`}>{error}</span>}
      {!error && serverProblems.map((p, i) => (<span key={i} className="field-error">{p.message}</span>))}
    </div>
  );
}

function MultiInspector({ count }: { count: number }) {
  return (
    <div className="inspector">
      <div className="insp-head"><div className="insp-type">{count} layers selected</div></div>
      <p className="insp-doc">Drag to move them together, copy and paste, freeze, or delete.</p>
      <SelectionFreezeControls />
      <div className="insp-actions wrap">
        <GroupButton />
        <button className="btn" onClick={() => useGraph.getState().duplicate()}><Icon name="copy" /> Duplicate</button>
        <button className="btn danger" onClick={() => useGraph.getState().deleteSelected()}><Icon name="trash" /> Delete</button>
      </div>
    </div>
  );
}

function GraphOverview({ onShowSummary }: { onShowSummary: () => void }) {
  const analysis = useGraph((s) => s.analysis);
  const count = useGraph((s) => s.nodes.length);
  const wires = useGraph((s) => s.edges.length);
  const frozen = useGraph(graphHasFrozen);
  return (
    <div className="inspector">
      <div className="insp-head"><div className="insp-type">Model</div></div>
      <div className="insp-stats">
        <div><span className="k">Layers</span><span className="v">{count}</span></div>
        <div><span className="k">Wires</span><span className="v">{wires}</span></div>
        <div><span className="k">Params</span><span className="v mono">{fmtCount(analysis?.total_params)}</span></div>
        {analysis && analysis.trainable_params !== analysis.total_params && (
          <div><span className="k">Trainable</span><span className="v mono">{fmtCount(analysis.trainable_params)}</span></div>
        )}
      </div>
      {count > 0 && (
        <button className="btn wide" onClick={onShowSummary}><Icon name="table" /> Model summary</button>
      )}
      {analysis && analysis.problems.length > 0 && (
        <>
          <div className="panel-sub">Problems</div>
          <ul className="problem-list">
            {analysis.problems.map((p, i) => (
              <li key={i}>
                {p.node ? (
                  <button className="link-btn" onClick={() => revealNode(p.node!)}>{p.node}</button>
                ) : null}
                <span>{p.message}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      {analysis && analysis.ok && count > 0 && (frozen && analysis.trainable_params === 0
        ? <div className="callout warn" data-testid="nothing-to-train">Every shape fits, but every layer with weights is frozen: unfreeze one to train.</div>
        : <div className="callout good"><Icon name="check" /> Every shape fits. Ready to train.</div>)}
      <div className="panel-sub">Shortcuts</div>
      <dl className="shortcuts">
        {SHORTCUTS.map(([k, v]) => (<div key={k}><dt>{k}</dt><dd>{v}</dd></div>))}
      </dl>
    </div>
  );
}
