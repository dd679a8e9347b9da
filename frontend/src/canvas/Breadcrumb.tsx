// The path into the open block, above the canvas: "Graph › mixed0 (inception_a)"; each step goes back.
import { Panel } from "@xyflow/react";
import { leaveTo } from "../graph/blockActions";
import { useGraph } from "../graph/store";

export default function Breadcrumb() {
  const nav = useGraph((s) => s.nav);
  if (!nav.length) return null;
  return (
    <Panel position="top-center" className="breadcrumb" aria-label="Open block" data-testid="breadcrumb">
      <button className="crumb" onClick={() => leaveTo(0)} data-testid="crumb-0" title="Back to the whole graph">Graph</button>
      {nav.map((f, i) => (
        <span key={i} className="crumb-step">
          <span className="crumb-sep">›</span>
          {i === nav.length - 1 ? (
            <span className="crumb current" data-testid={`crumb-${i + 1}`} title="Edits here change every linked copy of this block">
              {f.instance} <span className="dim">({f.block})</span>
            </span>
          ) : (
            <button className="crumb" onClick={() => leaveTo(i + 1)} data-testid={`crumb-${i + 1}`}>
              {f.instance} <span className="dim">({f.block})</span>
            </button>
          )}
        </span>
      ))}
    </Panel>
  );
}
