"""The one rule for a Flatten of an image between netcanvas (C·H·W) and Keras (H·W·C).

A Flatten of an image may hand its permuted vector on (instead of transposing the image back
first) when every reader absorbs the permutation: a kind that reorders its kernel rows
(`absorbs_flat_perm`: Dense) or an element-wise kind (`elementwise`: Dropout, activations…)
whose own readers all absorb it. A model output never carries one. Export and import both ask
this function, with the kinds of the readers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from ..layers.base import Layer


def perm_ok(node: str, consumers: Mapping[str, Sequence[str]], outputs: set[str],
            kind_of: Callable[[str], type[Layer] | None]) -> bool:
    if node in outputs or not consumers.get(node):
        return False
    for c in consumers[node]:
        cls = kind_of(c)
        if cls is None:
            return False
        if cls.absorbs_flat_perm:
            continue
        if not (cls.elementwise and perm_ok(c, consumers, outputs, kind_of)):
            return False
    return True
