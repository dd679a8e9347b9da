"""Weights that follow node ids from one compiled graph to another (a cut, a new head, features).

compile_graph names submodules after node ids (`module.node_ids`: submodule name → node id), but a
name depends on the other ids of the graph (collisions get a suffix), so two graphs sharing a node
may name it differently: match by node id, never by state_dict key.
"""

from __future__ import annotations

from collections.abc import Collection

import torch
from torch import nn


def submodule_of(module: nn.Module) -> dict[str, str]:
    """Node id → the path of its submodule, for a module compile_graph built (Inputs have none)."""
    have = dict(module.named_modules())
    return {nid: name for name, nid in getattr(module, "node_ids", {}).items() if name in have}


def _set_submodule(root: nn.Module, path: str, value: nn.Module) -> None:
    parent, _, leaf = path.rpartition(".")
    setattr(root.get_submodule(parent) if parent else root, leaf, value)


def share_modules(target: nn.Module, source: nn.Module) -> None:
    """Put `source`'s layer modules into `target` in place of its own, node by node (the same
    objects: no copy, the trained weights shared). Every node of `target` must be in `source`."""
    have = submodule_of(source)
    for nid, path in submodule_of(target).items():
        _set_submodule(target, path, source.get_submodule(have[nid]))


@torch.no_grad()
def copy_weights(target: nn.Module, source: nn.Module, skip: Collection[str] = ()) -> list[str]:
    """Copy each node's weights from `source` into `target`, except the nodes in `skip`; the ids of
    the nodes copied. ValueError naming a node whose weights have other shapes."""
    have = submodule_of(source)
    copied = []
    for nid, path in submodule_of(target).items():
        if nid in skip or nid not in have:
            continue
        mine = target.get_submodule(path)
        theirs = source.get_submodule(have[nid]).state_dict()
        if not theirs and not mine.state_dict():
            continue  # a layer without weights (Flatten, pooling)
        for key, value in mine.state_dict().items():
            other = theirs.get(key)
            if other is None or other.shape != value.shape:
                got = "none" if other is None else tuple(other.shape)
                raise ValueError(f"The weights of '{nid}' do not fit: {key} is {tuple(value.shape)}, the source "
                                 f"has {got}.")
        mine.load_state_dict(theirs)
        copied.append(nid)
    return copied
