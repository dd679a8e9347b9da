"""Loading weights by layer name, as Keras's `load_weights(by_name=True, skip_mismatch=True)`: the
name matching and the report of what was loaded, initialised and skipped (docs/api.md, "Weights by
name"). Used for init_mode "by_name" (another run's model.pt) and for Keras weights files.

Names are matched in full first; a name that matched nothing then matches by its last
"/"-segment when that segment is unique on both sides, so a block instance's "base/block1_conv1"
finds a file's "block1_conv1" (and a nested Keras model's "vgg16/block1_conv1" a flat node).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Literal

from pydantic import BaseModel, Field

from .events import LogEvent

REPORT_FILE = "weights_report.json"  # beside model.pt in the run directory


def match_names(targets: Iterable[str], sources: Iterable[str]) -> dict[str, str]:
    """target name → source name: exact names first, then a unique last "/"-segment."""
    targets, sources = list(targets), list(sources)
    src = set(sources)
    matched = {t: t for t in targets if t in src}
    used = set(matched.values())

    def tail(name: str) -> str:
        return name.rsplit("/", 1)[-1]

    left_t = [t for t in targets if t not in matched]
    left_s = [s for s in sources if s not in used]
    t_tails, s_tails = Counter(map(tail, left_t)), Counter(map(tail, left_s))
    by_tail = {tail(s): s for s in left_s if s_tails[tail(s)] == 1}
    for t in left_t:
        if t_tails[tail(t)] == 1 and tail(t) in by_tail:
            matched[t] = by_tail[tail(t)]
    return matched


class LoadedLayer(BaseModel):
    node: str  # the graph's node
    source: str  # the layer (node id, or Keras layer name) its weights came from


class InitialisedLayer(BaseModel):
    node: str
    reason: str


class SkippedLayer(BaseModel):
    source: str  # a layer of the source whose weights were not used
    node: str | None = None  # the node it matched by name, if any
    reason: str


class WeightReport(BaseModel):
    """What a load by name did; stored as weights_report.json in the run directory."""

    source: str  # "run 'abc'" or the file name
    loaded: list[LoadedLayer] = Field(default_factory=list)
    initialised: list[InitialisedLayer] = Field(default_factory=list)
    skipped: list[SkippedLayer] = Field(default_factory=list)
    # A legacy Keras weights file may load by order, as Keras's load_weights does (keras_weights_order)
    matching: Literal["name", "order"] = "name"
    matching_reason: str | None = None  # why that matching was used, when there was a choice

    def log_events(self) -> list[LogEvent]:
        """The lines the run's log shows: one per list, then one per skip (each has its reason)."""
        events = [LogEvent(level="info", message=f"Loaded by {self.matching} from {self.source}: {len(self.loaded)} "
                                                 f"layer(s) ({_names(n.node for n in self.loaded)}).")]
        if self.matching_reason:
            events.append(LogEvent(level="info", message=f"{self.matching_reason[:1].upper()}"
                                                         f"{self.matching_reason[1:]}."))
        if self.initialised:
            events.append(LogEvent(level="info", message=f"Initialised {len(self.initialised)} layer(s) "
                                   f"with fresh weights: {_names(n.node for n in self.initialised)}."))
        events += [LogEvent(level="warning", message=f"Skipped '{s.source}' of {self.source}: {s.reason}.")
                   for s in self.skipped]
        return events


def _names(names: Iterable[str], limit: int = 12) -> str:
    shown = [f"'{n}'" for n in names]
    if not shown:
        return "none"
    return ", ".join(shown[:limit]) + (f" and {len(shown) - limit} more" if len(shown) > limit else "")


def nothing_fits(source: str, source_layers: Sequence[str], target_layers: Sequence[str]) -> str:
    """The sentence of the 422 when no layer loads: both sides' names and the fix."""
    return (f"No layer of {source} fits this graph by name: it has {_names(source_layers, 8)}; the graph's "
            f"layers with weights are {_names(target_layers, 8)}. Name the graph's nodes like the source's "
            "layers (with the same weight shapes), or start from a graph made for these weights.")
