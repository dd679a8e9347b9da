// The inspector's freezing controls: a trainable switch and the recipe's two actions for one node,
// "Freeze selected" / "Unfreeze selected" for several.
import { useShallow } from "zustand/react/shallow";
import type { LayerNode } from "../graph/convert";
import {
  freezeCounts, freezeUpstream, isFrozen, setSelectedTrainable, setTrainable, unfreezeDownstream,
} from "../graph/freeze";
import { useGraph } from "../graph/store";
import { Icon } from "../ui/Icon";

export function NodeFreezeControls({ node }: { node: LayerNode }) {
  if (node.data.type === "Input") return null; // nothing in an Input trains
  const frozen = isFrozen(node.data);
  return (
    <div className="freeze-controls" data-testid="freeze-controls">
      <div className="field inline">
        <span className="field-label" title="A frozen layer keeps its weights in training; a frozen BatchNormalization also keeps its statistics (inference mode), as in Keras.">
          {frozen ? <><Icon name="lock" size={13} /> Frozen</> : "Trainable"}
        </span>
        <label className="switch" title={frozen ? "Unfreeze this layer" : "Freeze this layer"}>
          <input type="checkbox" checked={!frozen} onChange={(e) => setTrainable(node.id, e.target.checked)} data-testid="inspector-trainable" />
          <span className="track" />
        </label>
      </div>
      <div className="freeze-actions">
        <button className="btn small" onClick={() => freezeUpstream(node.id)} data-testid="freeze-upstream"
          title="Freeze this layer and every layer that feeds it: the pretrained base below a new head">
          <Icon name="lock" size={14} /> Freeze everything above
        </button>
        <button className="btn small" onClick={() => unfreezeDownstream(node.id)} data-testid="unfreeze-downstream"
          title="Unfreeze this layer and every layer it feeds: fine-tune the top of the base">
          <Icon name="unlock" size={14} /> Unfreeze from here
        </button>
      </div>
    </div>
  );
}

export function SelectionFreezeControls() {
  const counts = useGraph(useShallow((s) => freezeCounts(s.nodes.filter((n) => n.selected))));
  if (!counts.freezable) return null;
  return (
    <div className="freeze-controls" data-testid="freeze-controls">
      <p className="field-hint" data-testid="selection-frozen">
        {counts.frozen ? `${counts.frozen} of ${counts.freezable} frozen` : "All trainable"}
      </p>
      <div className="freeze-actions">
        <button className="btn small" onClick={() => setSelectedTrainable(false)} disabled={counts.frozen === counts.freezable}
          data-testid="freeze-selected" title="Freeze the selected layers (T)">
          <Icon name="lock" size={14} /> Freeze selected
        </button>
        <button className="btn small" onClick={() => setSelectedTrainable(true)} disabled={counts.frozen === 0}
          data-testid="unfreeze-selected" title="Unfreeze the selected layers (T)">
          <Icon name="unlock" size={14} /> Unfreeze selected
        </button>
      </div>
    </div>
  );
}
