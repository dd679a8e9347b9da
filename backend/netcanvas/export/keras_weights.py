"""A Keras weights file applied to a netcanvas graph by layer name (POST /api/models/weights).

Files: the legacy HDF5 weights layout that keras.applications publishes (root attribute
`layer_names`, one group per layer with attribute `weight_names`; also a whole-model .h5, whose
`model_weights` group has that layout), Keras 3 `.weights.h5` files (model.save_weights:
`layers/<key>/vars/<i>`, the layer's name in the `vars` group's `name` attribute), and the
model.weights.h5 inside a `.keras` archive.

The weights go through the same conversion as an imported model: the graph is written as a Keras
model (keras_h5.build_keras_model, architecture only: no weights allocated), and each matched
layer's weights are loaded into the graph's module by its kind's own `from_keras` loader, which
transposes kernels and reorders the rows after a Flatten. Shapes and dtypes are compared with the
graph's before any array is read, so a file cannot make the server read more than the graph's own
weights. Unmatched or misfitting layers are reported, as Keras's
load_weights(by_name=True, skip_mismatch=True) does.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import h5py
import numpy as np
import torch
from torch import nn

from ..graph.analyze import Analysis, analyze
from ..graph.compile import compile_graph, node_modules
from ..graph.schema import Graph
from ..kerasio.errors import ImportFailed, KerasExportError
from ..kerasio.h5attrs import read_names
from ..kerasio.importing import Builder, ImportNode, Value
from ..kerasio.model import KerasLayer, KerasModelBuilder
from ..layers import fmt, keras_class_index
from ..training.weight_match import (
    InitialisedLayer,
    LoadedLayer,
    SkippedLayer,
    WeightReport,
    match_names,
    nothing_fits,
)
from .keras_h5 import build_keras_model
from .keras_import import HDF5_MAGIC, Imported, import_model_isolated
from .keras_weights_order import Match, choose, legacy_layout

MAX_FILE_LAYERS = 20_000  # layer groups read from one file (the names alone are kept in memory)
MEMBER_SLACK = 16 << 20  # model.weights.h5 in a .keras archive: at most 2× the graph's weights plus this

Datasets = dict[str, list[h5py.Dataset]]  # file layer name → its weights, in Keras's order


@dataclass
class WeightsImported(Imported):
    """An import whose weights came from a weights file (the graph was the user's)."""

    report: WeightReport = field(default_factory=lambda: WeightReport(source=""))


def _s(v: Any) -> str:
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def _legacy(name: str, group: h5py.Group) -> Datasets:
    out: Datasets = {}
    layer_names = read_names(group.attrs, "layer_names") or []  # chunked past 64 KB, as Keras writes it
    if len(layer_names) > MAX_FILE_LAYERS:
        raise ImportFailed(f"{name} lists {len(layer_names)} layers; netcanvas reads at most {MAX_FILE_LAYERS}.")
    for layer in layer_names:
        g = group.get(layer)
        if not isinstance(g, h5py.Group):
            raise ImportFailed(f"{name}: layer '{layer}' is listed in layer_names but has no group.")
        wnames = [_s(x) for x in g.attrs.get("weight_names", [])]
        scopes = [w.split("/")[:-1] for w in wnames]
        # A layer's weight paths name it ("fc1/kernel:0", "sequential/fc1/kernel"); a nested model's
        # group holds paths that name its own layers instead ("block1_conv1/kernel:0")
        if wnames and all(scopes) and not any(layer in sc for sc in scopes):
            for w in wnames:
                out.setdefault(f"{layer}/{w.split('/')[0]}", []).append(_dataset(name, g, w))
        else:
            out[layer] = [_dataset(name, g, w) for w in wnames]
    return out


def _dataset(name: str, g: h5py.Group, path: str) -> h5py.Dataset:
    d = g.get(path)
    if not isinstance(d, h5py.Dataset):
        raise ImportFailed(f"{name}: weight '{g.name}/{path}' is listed in weight_names but is not in the file.")
    return d


# Keras's weight order where it is not alphabetical (as keras_import reads .keras files)
CHILD_ORDER = {"forward_layer": 0, "backward_layer": 1, "query_dense": 0, "key_dense": 1, "gate_dense": 2,
               "value_dense": 3, "output_dense": 4}


def _keras3(name: str, layers: h5py.Group) -> Datasets:
    out: Datasets = {}

    def collect(g: h5py.Group) -> list[h5py.Dataset]:
        found: list[h5py.Dataset] = []
        v = g.get("vars")
        if isinstance(v, h5py.Group):
            keys = sorted((k for k in v if k.isdigit()), key=int)
            found += [v[k] for k in keys if isinstance(v[k], h5py.Dataset)]
        children = [k for k in g if k != "vars" and isinstance(g[k], h5py.Group)]
        for k in sorted(children, key=lambda k: (CHILD_ORDER.get(k, 0), k)):
            found += collect(g[k])
        return found

    def register(group: h5py.Group, owner: str | None) -> None:
        for key in group:
            g = group[key]
            if not isinstance(g, h5py.Group):
                continue
            if len(out) >= MAX_FILE_LAYERS:
                raise ImportFailed(f"{name} has more than {MAX_FILE_LAYERS} layers.")
            v = g.get("vars")
            lname = _s(v.attrs.get("name", key)) if isinstance(v, h5py.Group) else key
            full = f"{owner}/{lname}" if owner else lname
            if isinstance(g.get("layers"), h5py.Group):  # a nested model: its own layers
                register(g["layers"], full)
                continue
            out[full] = collect(g)

    register(layers, None)
    return out


def file_layers(name: str, f: h5py.File) -> Datasets:
    """The file's layers and their weight datasets (nothing read yet)."""
    if read_names(f.attrs, "layer_names") is not None:
        return _legacy(name, f)
    mw = f.get("model_weights")
    if isinstance(mw, h5py.Group) and read_names(mw.attrs, "layer_names") is not None:
        return _legacy(name, mw)
    if isinstance(f.get("layers"), h5py.Group):
        return _keras3(name, f["layers"])
    raise ImportFailed(f"{name} is an HDF5 file but not a Keras weights file (it has neither layer_names nor "
                       "a layers group): upload a .h5 weights file as keras.applications publishes them or a "
                       ".weights.h5 from model.save_weights.")


def _misfit(kl: KerasLayer, found: list[h5py.Dataset]) -> str | None:
    """Why a file layer's weights do not fit the graph's Keras layer, judged on shapes alone."""
    want = [(w, tuple(a.shape)) for w, a in kl.weights]
    if len(found) != len(want):
        return (f"the file has {len(found)} weight(s) for it, node '{kl.node_id}' ({kl.class_name}) needs "
                f"{len(want)} ({', '.join(w for w, _ in want)})")
    for (w, shape), d in zip(want, found, strict=True):
        if d.dtype.kind not in "fiu":
            return f"its {w} is not numeric ({d.dtype})"
        if tuple(d.shape) != shape:
            return (f"its {w} has shape {fmt(tuple(d.shape))}, node '{kl.node_id}' needs {fmt(shape)} "
                    "(Keras's channels-last layout)")
    return None


def _load(file: str, kb: KerasModelBuilder, kl: KerasLayer, kind: str, sub: nn.Module,
          arrays: list[np.ndarray]) -> str | None:
    """Put one Keras layer's weights into the node's module through its kind's from_keras loader;
    the reason when that cannot be done (the module is left as it was)."""
    cls = keras_class_index().get(kl.class_name)
    if cls is None:
        return f"netcanvas has no Keras import for {kl.class_name}"
    b = Builder(file)
    ins = [Value(t.layer, t.index, t.shape, t.perm) for t in kl.inputs]
    n = ImportNode(b, kl.name, kl.class_name, kb.layer_entry(kl)["config"], arrays, ins, False, kl.call_kwargs)
    backup = {k: v.clone() for k, v in sub.state_dict().items()}
    try:
        cls.from_keras(n)
        loaders = [s.load for s in b.specs if s.load is not None and s.kind == kind]
        if len(loaders) != 1:
            return f"its {kl.class_name} weights do not map onto one {kind} node"
        loaders[0](sub)
        missing = [k for k, t in sub.state_dict(keep_vars=True).items()
                   if id(t) not in b.filled and not k.endswith("num_batches_tracked")]
        if missing:
            raise ImportFailed(f"the file has no weights for {', '.join(missing)}")
    except (ImportFailed, KeyError, IndexError, TypeError, ValueError) as err:
        sub.load_state_dict(backup)
        return str(err).removeprefix(f"{file}: ").rstrip(".")
    return None


def apply_weights(file: str, layers: Datasets, analysis: Analysis, module: nn.Module,
                  strict: bool = False, match: Match = "auto", legacy: bool = False) -> WeightReport:
    """Load each layer of the file whose name and weight shapes fit a node of the graph (or, for a
    `legacy` layer_names file, each layer in order as Keras does: keras_weights_order.choose)."""
    try:
        kb = build_keras_model(analysis)  # the architecture only: placeholder weights give the shapes
    except KerasExportError as err:
        raise ImportFailed(f"Keras weights load only into graphs that have a Keras counterpart: {err}") from err
    per_node: dict[str, list[KerasLayer]] = {}
    for kl in kb.layers:
        if kl.weights and kl.node_id is not None:
            per_node.setdefault(kl.node_id, []).append(kl)
    sources = [s for s, ws in layers.items() if ws]
    matched = match_names(per_node, sources)
    taken = set(matched.values())
    for nid, kls in per_node.items():  # a node exported under another name ("a/b" → "a_b")
        if nid not in matched and len(kls) == 1 and kls[0].name in layers and kls[0].name not in taken:
            matched[nid] = kls[0].name
            taken.add(kls[0].name)
    choice = choose(file, match, legacy, kb, per_node, matched, sources, layers, _misfit)
    matched, taken = choice.matched, set(choice.matched.values())
    subs = node_modules(module)  # a block's layers nest inside its instance's module
    report = WeightReport(source=file, matching=choice.matching, matching_reason=choice.reason)
    for nid, kls in per_node.items():
        src = matched.get(nid)
        if src is None:
            report.initialised.append(InitialisedLayer(node=nid, reason=f"{file} has no layer '{nid}'"))
            continue
        why = (f"node '{nid}' is written as {len(kls)} Keras layers; only one loads by name" if len(kls) != 1
               else _misfit(kls[0], layers[src]))
        if why is None:
            arrays = [np.asarray(d[()], dtype=np.float32) for d in layers[src]]  # shapes checked above
            layer = analysis.nodes[nid].layer
            assert layer is not None
            why = _load(file, kb, kls[0], layer.kind(), subs[nid], arrays)
        if why is not None:
            if strict:
                raise ImportFailed(f"{file}: layer '{src}' does not fit node '{nid}': {why}. Fix the node, "
                                   "or load without strict to skip this layer and initialise the node.")
            report.skipped.append(SkippedLayer(source=src, node=nid, reason=why))
            report.initialised.append(InitialisedLayer(node=nid, reason=f"the weights of '{src}' do not fit"))
            continue
        report.loaded.append(LoadedLayer(node=nid, source=src))
    report.skipped += [SkippedLayer(source=s, reason="the graph has no node of this name")
                       for s in sources if s not in taken]
    if not report.loaded:
        raise ImportFailed(nothing_fits(file, sources, list(per_node)) +
                           (f" Nor does it load in order, as Keras's load_weights would: {choice.order_problem}."
                            if choice.order_problem else ""))
    return report


def _weights_h5(name: str, data: bytes, limit: int) -> bytes:
    """The HDF5 bytes of an upload: the file itself, or model.weights.h5 of a .keras archive (at
    most `limit` bytes once inflated: a zip bomb must not fill the memory)."""
    if data.startswith(HDF5_MAGIC):
        return data
    if data.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            info = next((i for i in z.infolist() if i.filename == "model.weights.h5"), None)
            if info is not None and info.file_size > limit:
                raise ImportFailed(f"{name}: its model.weights.h5 inflates to {info.file_size >> 20} MB, far more "
                                   "than this graph's weights; it is not read.")
            if info is not None:
                return z.read(info)  # zipfile reads no more than the declared size
    raise ImportFailed(f"{name} is not an HDF5 file: upload a Keras weights file (a .h5 as keras.applications "
                       "publishes them, or a .weights.h5 from model.save_weights).")


def load_keras_weights(filename: str, data: bytes, *, graph_json: dict[str, Any], seed: int | None = 0,
                       strict: bool = False, match: Match = "auto") -> WeightsImported:
    """The graph with the file's weights where they fit (fresh ones, from `seed`, elsewhere).
    Raises ImportFailed with a sentence naming the file (and the layer)."""
    name = filename or "the upload"
    if not data.startswith((HDF5_MAGIC, b"PK\x03\x04")):
        _weights_h5(name, data, 0)  # says what the file is not, before any work
    graph = Graph.model_validate(graph_json)
    analysis = analyze(graph)
    if not analysis.ok:
        raise ImportFailed(f"{name}: the graph has problems; fix them before loading weights.")
    if seed is not None:
        torch.manual_seed(seed)
    module = compile_graph(analysis)
    own_bytes = sum(t.numel() * t.element_size() for t in module.state_dict().values())
    h5 = _weights_h5(name, data, 2 * own_bytes + MEMBER_SLACK)
    try:
        f = h5py.File(io.BytesIO(h5), "r")
    except OSError as err:
        raise ImportFailed(f"{name} is a damaged HDF5 file: {err}.") from err
    with f:
        try:
            report = apply_weights(name, file_layers(name, f), analysis, module, strict, match, legacy_layout(f))
        except (OSError, KeyError, TypeError, AttributeError) as err:
            raise ImportFailed(f"{name} could not be read: it looks damaged ({type(err).__name__}: {err}).") from err
    return WeightsImported(graph=graph, state_dict=module.state_dict(), source="keras-weights", report=report)


def load_keras_weights_isolated(filename: str, data: bytes, graph: Graph, *, seed: int | None = 0,
                                strict: bool = False, match: Match = "auto") -> WeightsImported:
    """load_keras_weights in a short-lived process (HDF5 is parsed by a C library; see
    keras_import.import_model_isolated)."""
    target: Callable[[str, bytes], Imported] = partial(
        load_keras_weights, graph_json=graph.model_dump(mode="json"), seed=seed, strict=strict, match=match)
    got = import_model_isolated(filename, data, target=target)
    assert isinstance(got, WeightsImported)
    return got
