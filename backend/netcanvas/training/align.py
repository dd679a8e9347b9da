"""A loaded data set with its arrays in the graph's order: inputs as its Input nodes, targets as
its outputs (training.plan decides the matching: by name, else in order)."""

from __future__ import annotations

from dataclasses import replace

from ..data.base import Dataset, Split
from ..graph.analyze import Analysis
from .plan import match_inputs, match_targets


def _pick(arrays: object, order: list[int]) -> object:
    if not isinstance(arrays, list | tuple):
        return arrays
    picked = [arrays[i] for i in order]
    return picked if len(picked) > 1 else picked[0]


def align(data: Dataset, analysis: Analysis) -> Dataset:
    """`data` with each split's x in Input order and y in output order (unchanged for one of each)."""
    inputs = match_inputs(analysis, data.info)
    targets = match_targets(analysis, data.info)
    several_targets = len(data.info.target_specs()) > 1

    def split(s: Split | None) -> Split | None:
        if s is None:
            return None
        y = _pick(s.y, targets) if several_targets else s.y
        return Split(_pick(s.x, inputs), y)  # type: ignore[arg-type]

    train, test = split(data.train), split(data.test)
    assert train is not None and test is not None
    return replace(data, train=train, test=test, validation=split(data.validation))
