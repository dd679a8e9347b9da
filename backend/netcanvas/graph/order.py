"""Kahn's topological order, shared by validation and import grouping."""

from __future__ import annotations

from collections.abc import Iterable


def kahn_order(ids: Iterable[str], edges: Iterable[tuple[str, str]]) -> list[str]:
    """`ids` in an order where every (source, target) edge runs forward; nodes on (or after) a
    cycle are left out, so a shorter answer than `ids` means a cycle. Edges naming other ids are
    ignored."""
    waiting = dict.fromkeys(ids, 0)
    readers: dict[str, list[str]] = {}
    for source, target in edges:
        if source in waiting and target in waiting:
            waiting[target] += 1
            readers.setdefault(source, []).append(target)
    order = [nid for nid, n in waiting.items() if n == 0]
    for nid in order:  # grows while it is walked
        for reader in readers.get(nid, ()):
            waiting[reader] -= 1
            if waiting[reader] == 0:
                order.append(reader)
    return order
