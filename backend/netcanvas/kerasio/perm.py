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
            kind_of: Callable[[str], type[Layer] | None], cache: dict[str, bool] | None = None) -> bool:
    """Whether `node`'s readers all absorb the permutation. Walked with an explicit stack (a run of
    thousands of element-wise layers must not reach Python's recursion limit); `cache` keeps the
    answers across calls for the same graph (the answer for a node does not depend on who asks)."""
    memo: dict[str, bool] = {} if cache is None else cache
    stack, on_stack = [node], {node}
    while stack:
        n = stack[-1]
        if n not in memo:
            pending = _first_unknown(n, consumers, outputs, kind_of, memo, on_stack)
            if pending is not None:
                stack.append(pending)
                on_stack.add(pending)
                continue
        stack.pop()
        on_stack.discard(n)
    return memo[node]


def _first_unknown(n: str, consumers: Mapping[str, Sequence[str]], outputs: set[str],
                   kind_of: Callable[[str], type[Layer] | None], memo: dict[str, bool],
                   on_stack: set[str]) -> str | None:
    """Decides `n` into `memo`, or returns an element-wise reader whose answer is needed first."""
    if n in outputs or not consumers.get(n):
        memo[n] = False
        return None
    for c in consumers[n]:
        cls = kind_of(c)
        if cls is None:
            memo[n] = False
            return None
        if cls.absorbs_flat_perm:
            continue
        if not cls.elementwise or c in on_stack or memo.get(c) is False:  # on_stack: a cycle
            memo[n] = False
            return None
        if c not in memo:
            return c
    memo[n] = True
    return None
