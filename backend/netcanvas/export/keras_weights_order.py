"""Which matching a legacy Keras weights file loads by: layer names, or order as Keras does.

Keras's own `model.load_weights(path)` on a legacy HDF5 weights file (the layout keras.applications
publishes) pairs layers by position, not by name: the file's layers that have weights, in its
`layer_names` order, against the model's layers that have weights, in `model.layers` order
(keras.src.legacy.saving.legacy_h5_format.load_weights_from_hdf5_group). The published files were
written in Keras 2 sessions, whose auto-generated names ("conv2d_1", "batch_normalization_1", …)
are off by one from a fresh Keras 3 model's ("conv2d", …): by name they would miss, or silently
take the weights of another layer of equal shape.

"auto" loads by name when every layer of the file with weights finds a node of its name that it
fits; otherwise by order when the counts and every shape fit in order; otherwise by name, with
skips. Only shapes are compared here: no array is read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import h5py

from ..kerasio.errors import ImportFailed
from ..kerasio.model import KerasLayer, KerasModelBuilder
from ..layers import fmt

Match = Literal["auto", "name", "order"]
Matching = Literal["name", "order"]
MATCH_MODES: tuple[Match, ...] = ("auto", "name", "order")

Misfit = Callable[[KerasLayer, list[h5py.Dataset]], str | None]  # keras_weights._misfit


@dataclass
class Choice:
    """The pairing to load: node id → the file's layer, and why this matching was used."""

    matched: dict[str, str]
    matching: Matching
    reason: str | None
    order_problem: str | None = None  # why the layers did not fit in order, when that was tried


def legacy_layout(f: h5py.File) -> bool:
    """The file keeps its layers in order (root or model_weights attribute layer_names), as Keras's
    legacy HDF5 format does; Keras 3 .weights.h5 files keep them by name."""
    mw = f.get("model_weights")
    return "layer_names" in f.attrs or (isinstance(mw, h5py.Group) and "layer_names" in mw.attrs)


def weighted_in_keras_order(kb: KerasModelBuilder) -> list[KerasLayer]:
    """The graph's Keras layers that have weights, as Keras's model.layers lists them."""
    return [kl for kl in kb.keras_order() if kl.weights]


def order_misfit(file: str, kls: Sequence[KerasLayer], sources: Sequence[str],
                 layers: Mapping[str, list[h5py.Dataset]]) -> str | None:
    """Why the file's layers do not pair with the graph's in order (the checks Keras's
    load_weights makes, in its words), or None when every layer and every weight shape fits."""
    if len(kls) != len(sources):
        return (f"Layer count mismatch: the graph has {len(kls)} layers with weights, {file} has {len(sources)} "
                "saved layers with weights")
    seen: set[str] = set()
    for k, (kl, src) in enumerate(zip(kls, sources, strict=True)):
        nid = kl.node_id
        if nid is None or nid in seen:  # a node written as several Keras layers loads only by name
            return f"node '{nid or kl.name}' is written as several Keras layers, which cannot load by order"
        seen.add(nid)
        found, want = layers[src], kl.weights
        where = f"layer #{k} (node '{nid}' in the graph, '{src}' in {file})"
        if len(found) != len(want):
            return (f"Weight count mismatch for {where}: the node needs {len(want)} weight(s) "
                    f"({', '.join(w.rsplit('/', 1)[-1] for w, _ in want)}), the file has {len(found)}")
        for (path, a), d in zip(want, found, strict=True):
            w = path.rsplit("/", 1)[-1]  # "kernel", not "conv2d/kernel": the node is named already
            if d.dtype.kind not in "fiu":
                return f"{where}: its {w} is not numeric ({d.dtype})"
            if tuple(d.shape) != tuple(a.shape):
                return (f"Shape mismatch for {where}: its {w} has shape {fmt(tuple(d.shape))} in the file, "
                        f"the node needs {fmt(tuple(a.shape))} (Keras's channels-last layout)")
    return None


def _names_fit(per_node: Mapping[str, list[KerasLayer]], by_name: Mapping[str, str], sources: Sequence[str],
               layers: Mapping[str, list[h5py.Dataset]], misfit: Misfit) -> bool:
    """Every weighted layer of the file found a node of its name, one Keras layer, that it fits."""
    node_of = {src: nid for nid, src in by_name.items()}
    for src in sources:
        nid = node_of.get(src)
        if nid is None or len(per_node[nid]) != 1 or misfit(per_node[nid][0], layers[src]) is not None:
            return False
    return True


def _differences(pairs: Mapping[str, str], limit: int = 3) -> str:
    shown = [f"{src} ≠ {nid}" for nid, src in pairs.items() if src.rsplit("/", 1)[-1] != nid.rsplit("/", 1)[-1]]
    return ", ".join(shown[:limit]) + (" …" if len(shown) > limit else "")


def choose(file: str, mode: Match, legacy: bool, kb: KerasModelBuilder, per_node: Mapping[str, list[KerasLayer]],
           by_name: dict[str, str], sources: Sequence[str], layers: Mapping[str, list[h5py.Dataset]],
           misfit: Misfit) -> Choice:
    """The pairing for `mode` (see the module's docstring). Raises ImportFailed for "order" when the
    file is not a legacy one or its layers do not fit in order, naming both layers and shapes."""
    if mode == "name":
        return Choice(by_name, "name", None)
    if not legacy:
        if mode == "order":
            raise ImportFailed(f"{file} is a Keras 3 weights file (.weights.h5, .keras), whose layers are stored by "
                               "name, not in order: load it with match 'name' or 'auto'.")
        return Choice(by_name, "name", None)
    if mode == "auto" and _names_fit(per_node, by_name, sources, layers, misfit):
        return Choice(by_name, "name", "matched by name: every layer of the file with weights has a node of its "
                                       "name with the same weight shapes")
    kls = weighted_in_keras_order(kb)
    why = order_misfit(file, kls, sources, layers)
    if why is None:
        pairs = {kl.node_id: src for kl, src in zip(kls, sources, strict=True) if kl.node_id is not None}
        diff = _differences(pairs)
        reason = "matched by order, as Keras's load_weights does: " + (
            f"the file's layer names differ from the graph's ({diff})" if diff else "the names agree too")
        return Choice(pairs, "order", reason)
    if mode == "order":
        raise ImportFailed(f"{file} does not load by order, as Keras's load_weights would refuse it: {why}. Fix the "
                           "graph to have the file's layers in the file's order, or load with match 'name' to take "
                           "the layers whose names fit and initialise the rest.")
    return Choice(by_name, "name", f"matched by name, skipping what does not fit: the file's layers do not all fit "
                                   f"nodes of their names, nor the graph's layers in order ({why})", why)
