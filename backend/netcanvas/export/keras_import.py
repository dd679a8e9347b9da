"""Uploaded model files → a netcanvas graph with its weights (POST /api/models/import).

Accepted: Keras legacy HDF5 (`.h5`: model_config + model_weights), Keras 3 `.keras` archives
(config.json + model.weights.h5), a Keras model JSON (`model.to_json()`: the architecture only,
fresh weights), and netcanvas's own model.pt bundle (read with weights_only=True). Files are
recognised by their content, not their name. Nothing is unpickled except through
`torch.load(weights_only=True)`; zip members are size-checked before they are read.

Keras models are channels-last; the graph is channels-first (netcanvas's layout): image inputs
(H, W, C) become (C, H, W), kernels are transposed, a Flatten of an image reorders the rows of
the Dense layers reading it, and axes are mapped. The imported model's predictions equal
Keras's for the transposed input. Every error is an ImportFailed (ValueError) whose message
names the file and, where it is about one, the layer.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from math import prod
from pathlib import Path
from typing import Any, TypeVar

import h5py
import numpy as np
import torch
from pydantic import ValidationError

from ..graph.analyze import analyze
from ..graph.budget import MB, fmt_bytes
from ..graph.compile import GraphError, compile_graph, module_names
from ..graph.schema import Graph
from ..kerasio.config import refuse_training_terms
from ..kerasio.errors import ImportFailed
from ..kerasio.h5attrs import read_names
from ..kerasio.importing import Builder, ImportNode, Value
from ..kerasio.perm import perm_ok
from ..layers import REGISTRY, Layer, keras_class_index
from .import_blocks import group_imported

MAX_ZIP_TOTAL = 1 << 30  # uncompressed bytes a .keras archive may expand to (zip bombs)
MAX_LAYERS = 2000
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
NESTED_MODELS = {"Functional", "Sequential", "Model"}
W = TypeVar("W")  # a weight: an array read, or an HDF5 dataset not read yet


@dataclass
class Imported:
    graph: Graph
    state_dict: dict[str, torch.Tensor]
    source: str  # "keras-h5" | "keras" | "keras-json" | "netcanvas"
    has_weights: bool = True
    # from a netcanvas bundle: kept as they were
    bundle: dict[str, Any] | None = None
    # what the user should know about this import (shown in the imported run's log)
    notes: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------------------------
# containers


def import_model(filename: str, data: bytes | Path, max_model_mb: int | None = None) -> Imported:
    """Parse an upload (its bytes, or the file it was streamed to). Raises ImportFailed with a
    sentence naming `filename`. The weights an HDF5 file declares are checked against its config
    and against `max_model_mb` (default: the server's setting) before any of them is read."""
    name = filename or "the upload"
    if max_model_mb is None:
        from ..config import get_settings

        max_model_mb = get_settings().max_model_mb
    if isinstance(data, Path):
        with data.open("rb") as fh:
            head = fh.read(len(HDF5_MAGIC))
        if head.startswith((HDF5_MAGIC, b"PK\x03\x04")):
            source: bytes | Path = data
        else:  # JSON or not a model: read it whole (the upload limit bounds it)
            return import_model(filename, data.read_bytes(), max_model_mb)
    else:
        head, source = data[:len(HDF5_MAGIC)], data
    if not head:
        raise ImportFailed(f"{name} is empty.")
    try:
        if head.startswith(HDF5_MAGIC):
            config, weights, paths = _read_h5(name, source, max_model_mb)
            return _from_keras(name, config, weights, "keras-h5", paths)
        if head.startswith(b"PK\x03\x04"):
            return _read_zip(name, source, max_model_mb)
        assert isinstance(data, bytes)
        text = data.lstrip()[:1]
        if text in (b"{", b"["):
            try:
                config = json.loads(data.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as err:
                raise ImportFailed(f"{name} is not valid JSON: {err}.") from err
            if isinstance(config, dict) and config.get("format") == "netcanvas.graph/1":
                raise ImportFailed(f"{name} is a netcanvas graph, not a model: open it on the canvas instead.")
            return _from_keras(name, config, None, "keras-json")
    except ImportFailed:
        raise
    except (OSError, KeyError, ValueError, TypeError, IndexError, AttributeError, zipfile.BadZipFile) as err:
        raise ImportFailed(f"{name} could not be read: it looks damaged or is not a model file "
                           f"({type(err).__name__}: {err}).") from err
    raise ImportFailed(
        f"{name} is not a model file netcanvas can import: upload a Keras .h5 or .keras file, a Keras "
        "model JSON, or a netcanvas model.pt."
    )


def _attr_str(v: Any) -> str:
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def _read_h5(name: str, data: bytes | Path, max_model_mb: int
             ) -> tuple[dict[str, Any], dict[str, list[np.ndarray]] | None, dict[str, list[str]]]:
    try:
        f = h5py.File(io.BytesIO(data) if isinstance(data, bytes) else data, "r")
    except OSError as err:
        raise ImportFailed(f"{name} is a damaged HDF5 file: {err}.") from err
    with f:
        if "model_config" not in f.attrs:
            if read_names(f.attrs, "layer_names") is not None or "model_weights" in f:
                raise ImportFailed(f"{name} holds weights only (save_weights); save the whole model with "
                                   "model.save('model.h5') and upload that.")
            raise ImportFailed(f"{name} is an HDF5 file but not a Keras model (no model_config).")
        config = json.loads(_attr_str(f.attrs["model_config"]))
        group = f.get("model_weights", None)
        if group is None:
            return config, None, {}
        datasets: dict[str, list[h5py.Dataset]] = {}
        paths: dict[str, list[str]] = {}  # a nested model's group holds its layers' weights: "c1/kernel"
        for layer in read_names(group.attrs, "layer_names") or []:  # chunked past 64 KB, as Keras writes it
            g = group[layer]
            names = [_attr_str(x) for x in g.attrs.get("weight_names", [])]
            datasets[layer] = [_dataset(name, layer, g, w) for w in names]
            paths[layer] = names
        check_declared(name, config, datasets, paths, max_model_mb)  # headers only: nothing read yet
        weights = {k: [np.asarray(d, dtype=np.float32) for d in v] for k, v in datasets.items()}
        return config, weights, paths


def _dataset(name: str, layer: str, g: h5py.Group, key: str) -> h5py.Dataset:
    d = g.get(key)
    if not isinstance(d, h5py.Dataset):
        raise ImportFailed(f"{name}: layer '{layer}': weight '{key}' is missing or not an array.")
    return d


def _read_zip(name: str, data: bytes | Path, max_model_mb: int) -> Imported:
    with zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data) as z:
        infos = {i.filename: i for i in z.infolist()}
        total = sum(i.file_size for i in infos.values())
        if total > MAX_ZIP_TOTAL:
            raise ImportFailed(f"{name} expands to {total >> 20} MB; netcanvas reads archives up to "
                               f"{MAX_ZIP_TOTAL >> 20} MB.")
        if "config.json" in infos:
            config = json.loads(z.read("config.json").decode("utf-8"))
            weights = None
            if "model.weights.h5" in infos:
                weights = _read_keras_weights(name, z.read("model.weights.h5"), config, max_model_mb)
            return _from_keras(name, config, weights, "keras")
        if any(n.endswith("/data.pkl") for n in infos):  # torch.save's zip format
            return _read_bundle(name, data if isinstance(data, bytes) else data.read_bytes())
    raise ImportFailed(f"{name} is a zip file but neither a Keras .keras archive nor a netcanvas model.pt.")


def _read_keras_weights(name: str, data: bytes, config: dict[str, Any], max_model_mb: int
                        ) -> dict[str, list[np.ndarray]]:
    """Keras 3 model.weights.h5: layers/<key>/vars/<i>, nested objects below (cell, forward_layer…).
    The layer's own name is the `name` attribute of its `vars` group. The declared shapes are
    checked (check_declared) before any array is read."""
    out: dict[str, list[h5py.Dataset]] = {}

    def collect(g: h5py.Group) -> list[h5py.Dataset]:
        arrays: list[h5py.Dataset] = []
        if "vars" in g:
            v = g["vars"]
            arrays += [_dataset(name, str(g.name), v, k) for k in sorted(v.keys(), key=int)]
        children = [k for k in g if k != "vars" and isinstance(g[k], h5py.Group)]
        # Keras's weight order where it is not alphabetical (MultiHeadAttention: query, key, value, output)
        order = {"forward_layer": 0, "backward_layer": 1, "query_dense": 0, "key_dense": 1, "gate_dense": 2,
                 "value_dense": 3, "output_dense": 4}
        for k in sorted(children, key=lambda k: (order.get(k, 0), k)):
            arrays += collect(g[k])
        return arrays

    def register(layers: h5py.Group, owner: str | None) -> None:
        for key in layers:
            g = layers[key]
            layer_name = _attr_str(g["vars"].attrs.get("name", key)) if "vars" in g else key
            if "layers" in g and isinstance(g["layers"], h5py.Group):  # a nested model: its own layers
                register(g["layers"], owner or layer_name)
                continue
            out[f"{owner}/{layer_name}" if owner else layer_name] = collect(g)

    with h5py.File(io.BytesIO(data), "r") as f:
        if "layers" in f:
            register(f["layers"], None)
        check_declared(name, config, out, {}, max_model_mb)
        return {k: [np.asarray(d, dtype=np.float32) for d in v] for k, v in out.items()}


def _read_bundle(name: str, data: bytes) -> Imported:
    from typing import cast

    from .. import model_file

    try:
        bundle = model_file.read(data, name=name)
    except model_file.ModelFileError as err:
        raise ImportFailed(str(err)) from err
    try:
        graph = Graph.model_validate_json(bundle["graph"])
        module = compile_graph(graph, linear_outputs=set(bundle["linear_outputs"]))
        state = {k: v for k, v in bundle["state_dict"].items()}
        module.load_state_dict(state, strict=True)
    except (ValidationError, GraphError, KeyError, RuntimeError, TypeError) as err:
        raise ImportFailed(f"{name}: the model inside does not load: {str(err).splitlines()[0][:300]}") from err
    return Imported(graph=graph, state_dict=module.state_dict(), source="netcanvas",
                    bundle=cast(dict[str, Any], bundle))


# ----------------------------------------------------------------------------------------------
# Keras config → layers with inbound tensors


@dataclass
class _KLayer:
    name: str
    class_name: str
    cfg: dict[str, Any]
    inputs: list[tuple[str, int]] = field(default_factory=list)  # (layer, tensor index)
    # A layer of a nested model: the outermost nested model, whose .h5 group holds its weights,
    # and its own name there (it may be renamed here when it clashes with an outer layer).
    owner: str | None = None
    weight_key: str = ""
    frozen: bool = False  # trainable=False in Keras, itself or a nested model holding it
    call_kwargs: dict[str, Any] = field(default_factory=dict)  # the call's non-tensor arguments

    def __post_init__(self) -> None:
        self.weight_key = self.weight_key or self.name
        self.frozen = self.frozen or self.cfg.get("trainable") is False


def _history(t: Any) -> tuple[str, int, int] | None:
    if isinstance(t, dict) and t.get("class_name") == "__keras_tensor__":
        h = t["config"]["keras_history"]
        return h[0], int(h[1]), int(h[2])
    return None


def _tensors(v: Any) -> list[tuple[str, int, int]]:
    h = _history(v)
    if h is not None:
        return [h]
    if isinstance(v, dict):
        return [x for item in v.values() for x in _tensors(item)]
    if isinstance(v, (list, tuple)):
        return [x for item in v for x in _tensors(item)]
    return []


def _inbound(fail: Callable[[str, str], ImportFailed], layer: dict[str, Any]) -> list[tuple[str, int]]:
    nodes = layer.get("inbound_nodes") or []
    name = layer.get("name") or layer["config"].get("name")
    if len(nodes) > 1:
        raise fail(name, f"it is shared (called {len(nodes)} times); a netcanvas graph uses each layer once")
    if not nodes:
        return []
    node = nodes[0]
    if isinstance(node, dict):  # Keras 3: {"args": [...], "kwargs": {...}}
        refs = _tensors(node.get("args", []))
        kwargs = dict(node.get("kwargs") or {})
        # initial_state tensors (recurrent layers) become extra inputs after the sequence, in order
        refs += _tensors(kwargs.pop("initial_state", None))
        # Keras's propagated mask: netcanvas recomputes it (graph/compile.py); see _mask_only_ops
        if kwargs.pop("mask", None) is not None and layer["class_name"] not in MASK_READERS:
            raise fail(name, "it reads a mask, which netcanvas applies only to recurrent layers and "
                             "GlobalAveragePooling1D")
        # tensors a layer's call takes by name (MultiHeadAttention's query, value, key), in port order
        wanted = _call_inputs(layer["class_name"])
        named = [k for k in wanted if _history(kwargs.get(k)) is not None]
        if named:
            if wanted[len(refs):len(refs) + len(named)] != named:
                raise fail(name, f"it is called with {', '.join(named)} by name after {len(refs)} other "
                                 "tensor(s), an order netcanvas cannot wire")
            refs += [h for k in named if (h := _history(kwargs.pop(k))) is not None]
        extra = _tensors(kwargs)
        if extra:
            keys = ", ".join(k for k, v in kwargs.items() if _tensors(v))
            raise fail(name, f"it is called with extra tensors ({keys}), which netcanvas does not support")
    else:  # Keras 2: [[layer, node, tensor, kwargs], ...]
        refs = [(r[0], int(r[1]), int(r[2])) for r in node]
        for r in node:  # initial_state given as a call argument: [[layer, node, tensor], ...]
            states = r[3].get("initial_state") if len(r) > 3 and isinstance(r[3], dict) else None
            if isinstance(states, list):
                refs += [(st[0], int(st[1]), int(st[2])) for st in states]
        # tensors by name (tf.keras's MultiHeadAttention value/key): [layer, node, tensor] in the kwargs
        named_kw = node[0][3] if node and len(node[0]) > 3 and isinstance(node[0][3], dict) else {}
        for k in _call_inputs(layer["class_name"])[len(refs):]:
            ref = named_kw.get(k)
            if not (isinstance(ref, list) and len(ref) >= 3 and isinstance(ref[0], str)):
                break
            refs.append((ref[0], int(ref[1]), int(ref[2])))
        if any(len(r) > 3 and _tensors({k: v for k, v in r[3].items() if k != "initial_state"}) for r in node):
            raise fail(name, "it is called with extra tensors, which netcanvas does not support")
    for src, node_index, _ in refs:
        if node_index != 0:
            raise fail(name, f"it reads '{src}', a layer that is called several times (shared)")
    return [(src, t) for src, _, t in refs]


def _call_inputs(class_name: str) -> list[str]:
    """Tensors a Keras layer's call may take by name, in port order (its kind's `keras_call_inputs`)."""
    return list(getattr(keras_class_index().get(class_name), "keras_call_inputs", ()))


def _call_kwargs(layer: dict[str, Any]) -> dict[str, Any]:
    """The call's non-tensor arguments (use_causal_mask=True…): ImportNode.call_kwargs."""
    nodes = layer.get("inbound_nodes") or []
    if not nodes:
        return {}
    node = nodes[0]
    if isinstance(node, dict):
        kwargs = node.get("kwargs") or {}
    else:  # Keras 2: [[layer, node, tensor, kwargs], ...]
        kwargs = node[0][3] if node and len(node[0]) > 3 and isinstance(node[0][3], dict) else {}
        kwargs = {k: v for k, v in kwargs.items() if k not in _call_inputs(layer["class_name"])}
    return {k: v for k, v in kwargs.items() if not _tensors(v)}


# Keras classes a propagated mask reaches as the `mask` argument, which netcanvas applies too.
MASK_READERS = frozenset({"SimpleRNN", "LSTM", "GRU", "Bidirectional", "GlobalAveragePooling1D"})


def _mask_only_ops(entries: list[dict[str, Any]]) -> set[str]:
    """Keras 3 writes the masks it propagates (Embedding mask_zero, Masking, merges) as ops layers
    (NotEqual, Any, LogicalOr…, module keras.src.ops) read only through `mask=` arguments; netcanvas
    recomputes those masks, so the ops go. Walks back from the mask arguments through ops layers."""
    by_name = {e.get("name") or e["config"]["name"]: e for e in entries}
    todo: list[str] = []
    for e in entries:
        for node in e.get("inbound_nodes") or []:
            if isinstance(node, dict):
                todo += [h[0] for h in _tensors((node.get("kwargs") or {}).get("mask"))]
    ops: set[str] = set()
    while todo:
        lname = todo.pop()
        got = by_name.get(lname)
        if lname in ops or got is None or not str(got.get("module", "")).startswith("keras.src.ops"):
            continue
        ops.add(lname)
        for node in got.get("inbound_nodes") or []:
            if isinstance(node, dict):
                todo += [h[0] for h in _tensors(node.get("args", []))]
    return ops


def _refs(v: Any) -> list[tuple[str, int]]:
    if isinstance(v, list) and len(v) == 3 and isinstance(v[0], str):
        return [(v[0], int(v[2]))]
    return [(r[0], int(r[2])) for r in v]


def _layers(name: str, config: dict[str, Any]) -> tuple[list[_KLayer], list[tuple[str, int]], list[tuple[str, int]]]:
    def fail(layer: str, why: str) -> ImportFailed:
        return ImportFailed(f"{name}: layer '{layer}': {why}.")

    if not isinstance(config, dict) or "class_name" not in config or "config" not in config:
        raise ImportFailed(f"{name} has no Keras model config (class_name/config).")
    kind, cfg = config["class_name"], config["config"]
    if kind == "Sequential":
        return _sequential(name, cfg)
    if kind not in ("Functional", "Model"):
        raise ImportFailed(f"{name} holds a Keras {kind}, not a Functional or Sequential model.")
    layers = []
    mask_ops = _mask_only_ops(cfg["layers"])
    for entry in cfg["layers"]:
        lname = entry.get("name") or entry["config"]["name"]
        if lname in mask_ops:
            continue
        layers.append(_KLayer(lname, entry["class_name"], entry.get("config", {}), _inbound(fail, entry),
                              call_kwargs=_call_kwargs(entry)))
    return layers, _refs(cfg["input_layers"]), _refs(cfg["output_layers"])


def _sequential(name: str, cfg: dict[str, Any]) -> tuple[list[_KLayer], list[tuple[str, int]], list[tuple[str, int]]]:
    entries = cfg["layers"] if isinstance(cfg, dict) else cfg  # Keras 1/2 may store a bare list
    layers: list[_KLayer] = []
    if not entries:
        raise ImportFailed(f"{name} is an empty Sequential model.")
    first = entries[0]
    if first["class_name"] != "InputLayer":
        fc = first.get("config", {})
        shape = (fc.get("batch_shape") or fc.get("batch_input_shape")
                 or (cfg.get("build_input_shape") if isinstance(cfg, dict) else None)
                 or (first.get("build_config") or {}).get("input_shape"))
        if not shape:
            raise ImportFailed(f"{name}: the Sequential model does not say its input shape; build it with "
                               "keras.Input(shape=...) first and save it again.")
        dtype = fc.get("dtype") if isinstance(fc.get("dtype"), str) else "float32"
        layers.append(_KLayer("input", "InputLayer", {"batch_shape": shape, "dtype": dtype}))
    prev: str | None = None
    for entry in entries:
        lname = entry.get("config", {}).get("name") or entry.get("name")
        layers.append(_KLayer(lname, entry["class_name"], entry.get("config", {})))
    for lay in layers:
        if prev is not None:
            lay.inputs = [(prev, 0)]
        prev = lay.name
    return layers, [(layers[0].name, 0)], [(layers[-1].name, 0)]


Refs = list[tuple[str, int]]


def _expand_nested(name: str, layers: list[_KLayer], input_refs: Refs, output_refs: Refs,
                   depth: int = 0) -> tuple[list[_KLayer], Refs, Refs]:
    """Flattens each Keras model used as a layer (`Sequential([vgg16_base, Flatten(), Dense()])`)
    into the layers around it: its inputs are wired to what the call received, readers of its
    outputs read its output layers. Weights keep pointing at the nested model's file group."""
    if depth > 8:
        raise ImportFailed(f"{name}: models are nested more than 8 deep.")
    if not any(lay.class_name in NESTED_MODELS for lay in layers):
        return layers, input_refs, output_refs
    taken = {lay.name for lay in layers}
    out: list[_KLayer] = []
    alias: dict[tuple[str, int], tuple[str, int]] = {}
    for lay in layers:
        if lay.class_name not in NESTED_MODELS:
            out.append(lay)
            continue
        subs, sub_in, sub_out = _expand_nested(
            name, *_layers(name, {"class_name": lay.class_name, "config": lay.cfg}), depth + 1)
        if len(sub_in) != len(lay.inputs):
            raise ImportFailed(f"{name}: nested model '{lay.name}' takes {len(sub_in)} input(s) but is "
                               f"called with {len(lay.inputs)}.")
        feeds = {src: ref for (src, _), ref in zip(sub_in, lay.inputs, strict=True)}
        renamed: dict[str, str] = {}
        for sub in subs:
            if sub.name in feeds:  # its Input layers: the tensors the call received instead
                continue
            if sub.name in taken:
                renamed[sub.name] = f"{lay.name}_{sub.name}"
            taken.add(renamed.get(sub.name, sub.name))
        for sub in subs:
            if sub.name in feeds:
                continue
            sub.inputs = [feeds[src] if src in feeds else (renamed.get(src, src), t) for src, t in sub.inputs]
            sub.name = renamed.get(sub.name, sub.name)
            sub.owner = lay.owner or lay.name
            sub.frozen = sub.frozen or lay.frozen
            out.append(sub)
        for t, (src, i) in enumerate(sub_out):
            alias[(lay.name, t)] = feeds[src] if src in feeds else (renamed.get(src, src), i)

    def resolve(ref: tuple[str, int]) -> tuple[str, int]:
        while ref in alias:
            ref = alias[ref]
        return ref

    for lay in out:
        lay.inputs = [resolve(r) for r in lay.inputs]
    return out, [resolve(r) for r in input_refs], [resolve(r) for r in output_refs]


def _layer_weights(weights: dict[str, list[W]], paths: dict[str, list[str]], lay: _KLayer) -> list[W]:
    """The file's weights of one layer. A nested model's layer: in a .keras file it is stored as
    "<outermost nested model>/<layer>"; in an .h5 file it takes its share of the nested model's
    group (weight paths "c1/kernel" name their layer)."""
    if lay.owner is None:
        return weights.get(lay.weight_key, [])
    if f"{lay.owner}/{lay.weight_key}" in weights:
        return weights[f"{lay.owner}/{lay.weight_key}"]
    group, names = weights.get(lay.owner, []), paths.get(lay.owner, [])
    return [w for w, p in zip(group, names, strict=False) if lay.weight_key in p.split("/")[:-1]]


# ----------------------------------------------------------------------------------------------
# declared weights, checked before they are read (a 9 KB file may declare a 16384×16384 kernel)


def check_declared(name: str, config: dict[str, Any], datasets: dict[str, list[h5py.Dataset]],
                   paths: dict[str, list[str]], max_model_mb: int) -> None:
    """Refuse, from the HDF5 headers alone, a file whose weights would not fit the server's model
    budget (judged as validate judges a graph: weights × 4 for gradients and Adam's two slots,
    graph/budget.py), or whose weights are not the size its config gives each layer (the layer's
    netcanvas parameter count, from the config converted without weights). Integer arrays (Keras 3
    seed-generator states, counters) are not weights and are not counted."""
    floats = {k: [d for d in v if d.dtype.kind == "f"] for k, v in datasets.items()}
    total = sum(prod(d.shape) for v in floats.values() for d in v)
    need = total * 4 * 4
    if need > max_model_mb * MB:
        layer, big = max(((k, d) for k, v in floats.items() for d in v), key=lambda kd: prod(kd[1].shape))
        raise ImportFailed(
            f"{name} declares {total:,} weight values: {fmt_bytes(need)} with gradients and Adam's state, over "
            f"this server's {max_model_mb:,} MB model budget (NETCANVAS_MAX_MODEL_MB). Its largest is layer "
            f"'{layer}' weight '{_short(big)}' {tuple(big.shape)}. Nothing was read: import a smaller model.")
    try:  # the layers as the config makes them, with fresh weights: the real conversion reports a refusal
        layers, b, _, _, _ = _convert_layers(name, config, None)
        graph = Graph.model_validate({"nodes": [{"id": s.id, "type": s.kind, "params": s.params} for s in b.specs],
                                      "edges": [{"source": v.node, "target": s.id, "source_port": v.port,
                                                 "target_port": i} for s in b.specs for i, v in enumerate(s.inputs)]})
    except (ImportFailed, ValidationError):
        return
    analysis = analyze(graph)
    expected: dict[str, int | None] = {}
    for spec in b.specs:
        counts = analysis.nodes[spec.id].counts if spec.id in analysis.nodes else None
        got = expected.get(spec.keras_layer, 0)
        expected[spec.keras_layer] = None if counts is None or got is None else got + counts.total
    for lay in layers:
        declared = [d for d in _layer_weights(floats, paths, lay)]
        have = sum(prod(d.shape) for d in declared)
        want = expected.get(lay.name)
        # an integer weight may count (Normalization's sample count) or not (a seed generator's state)
        every = sum(prod(d.shape) for d in _layer_weights(datasets, paths, lay))
        if lay.class_name == "InputLayer" or not declared or want is None or want in (have, every):
            continue
        shown = ", ".join(f"{_short(d)} {tuple(d.shape)}" for d in declared[:6])
        raise ImportFailed(
            f"{name}: layer '{lay.name}' ({lay.class_name}): the file declares weights {shown} = {have:,} values, "
            f"but the layer's configuration makes {want:,}: the weights do not belong to this model. Nothing was "
            "read: save the model again (model.save) and upload that file.")


def _short(d: h5py.Dataset) -> str:
    """The last two parts of the dataset's path: "dense/kernel:0" (Keras 2), "vars/0" (Keras 3)."""
    return "/".join(str(d.name).rsplit("/", 2)[-2:])


# ----------------------------------------------------------------------------------------------
# Keras layers → netcanvas nodes


def _from_keras(name: str, config: dict[str, Any], weights: dict[str, list[np.ndarray]] | None,
                source: str, paths: dict[str, list[str]] | None = None) -> Imported:
    layers, b, values, input_refs, output_refs = _convert_layers(name, config, weights, paths)
    frozen = [lay.name for lay in layers if lay.frozen and lay.class_name != "InputLayer"]
    imported = _finish(name, config, b, values, input_refs, output_refs, source, weights is not None)
    return _mark_frozen_and_group(imported, layers, b, frozen)


def _convert_layers(name: str, config: dict[str, Any], weights: dict[str, list[np.ndarray]] | None,
                    paths: dict[str, list[str]] | None = None
                    ) -> tuple[list[_KLayer], Builder, dict[str, list[Value] | None], Refs, Refs]:
    """Every Keras layer through its kind's from_keras, in topological order (one ImportFailed lists
    all that netcanvas refuses). With `weights` None the nodes get fresh weights (a model JSON)."""
    layers, input_refs, output_refs = _expand_nested(name, *_layers(name, config))
    if len(layers) > MAX_LAYERS:
        raise ImportFailed(f"{name} has {len(layers)} layers; netcanvas imports at most {MAX_LAYERS}.")
    index = keras_class_index()

    def kind_cls(class_name: str) -> type[Layer] | None:
        return index.get(class_name)

    by_name = {lay.name: lay for lay in layers}
    for lay in layers:
        for src, _ in lay.inputs:
            if src not in by_name:
                raise ImportFailed(f"{name}: layer '{lay.name}' reads '{src}', which is not in the model.")
    try:
        order = list(TopologicalSorter({lay.name: [s for s, _ in lay.inputs] for lay in layers}).static_order())
    except CycleError as err:
        raise ImportFailed(f"{name}: the layers form a cycle ({' → '.join(err.args[1])}).") from err

    consumers: dict[str, list[str]] = {lay.name: [] for lay in layers}
    for lay in layers:
        for src, _ in lay.inputs:
            consumers[src].append(lay.name)
    outputs = {o for o, _ in output_refs}

    # Every layer is tried, so that one refusal lists all there is to change: classes netcanvas lacks,
    # then settings it cannot express (layers downstream of a refused one cannot be tried).
    unsupported: dict[str, list[str]] = {}
    refused: list[str] = []
    b = Builder(name)
    values: dict[str, list[Value] | None] = {}
    for lname in order:
        lay = by_name[lname]
        if lay.class_name == "InputLayer":
            values[lname] = _input(b, lay)
            continue
        cls = kind_cls(lay.class_name)
        if cls is None:
            unsupported.setdefault(lay.class_name, []).append(lname)
            values[lname] = None
            continue
        ins = []
        for src, t in lay.inputs:
            got = values[src]
            if got is None:
                break
            if t >= len(got):
                raise ImportFailed(f"{name}: layer '{lname}' reads output {t} of '{src}', which has {len(got)}.")
            ins.append(got[t])
        else:
            if not ins:
                raise ImportFailed(f"{name}: layer '{lname}' has no input.")
            lw = None if weights is None else _layer_weights(weights, paths or {}, lay)
            ok = perm_ok(lname, consumers, outputs, lambda c: kind_cls(by_name[c].class_name))
            try:
                values[lname] = _convert(name, cls, lay, ImportNode(b, lname, lay.class_name, lay.cfg, lw, ins, ok,
                                                                    lay.call_kwargs))
            except ImportFailed as err:
                refused.append(str(err).removeprefix(f"{name}: "))
                values[lname] = None
            continue
        values[lname] = None
    if unsupported or refused:
        raise ImportFailed(_refusal(name, unsupported, refused))
    return layers, b, values, input_refs, output_refs


def _mark_frozen_and_group(imported: Imported, layers: list[_KLayer], b: Builder, frozen: list[str]) -> Imported:
    if frozen:  # Keras's trainable=False becomes the nodes' own flag: training further leaves them as they are
        frozen_layers = set(frozen)
        frozen_ids = {s.id for s in b.specs if s.keras_layer in frozen_layers}
        imported.graph = imported.graph.model_copy(update={"nodes": [
            n.model_copy(update={"trainable": False}) if n.id in frozen_ids else n for n in imported.graph.nodes]})
        shown = ", ".join(frozen[:5]) + (f" and {len(frozen) - 5} more" if len(frozen) > 5 else "")
        imported.notes.append(
            f"{len(frozen)} layer(s) were frozen (trainable=False) in Keras: {shown}. They stay frozen here: "
            "training further leaves their weights as they are; unfreeze them on the canvas to fine-tune.")
    # nested models become blocks, big flat ones are grouped by Keras's naming (export/import_blocks.py)
    owned = {lay.name: lay for lay in layers if lay.owner is not None}
    nested = {s.id: owned[s.keras_layer].owner or "" for s in b.specs if s.keras_layer in owned}
    inner_ids = {s.id: owned[s.keras_layer].weight_key + s.id.removeprefix(s.keras_layer)
                 for s in b.specs if s.keras_layer in owned and s.id.startswith(s.keras_layer)}
    return group_imported(imported, nested, inner_ids)


UNSUPPORTED_HINTS = {
    "Lambda": "a Lambda layer is serialised Python code, which netcanvas never runs from a file; rebuild it "
              "with netcanvas layers (Activation, Rescaling, Reshape, Permute, the merge layers…)",
    "TFOpLambda": "it is a TensorFlow operation recorded as code; rebuild it with netcanvas layers",
}


def _refusal(name: str, unsupported: dict[str, list[str]], refused: list[str]) -> str:
    """One sentence per problem: each unsupported class once, with its count and first names."""
    parts = []
    for cls, names in sorted(unsupported.items(), key=lambda kv: -len(kv[1])):
        shown = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
        hint = f" ({UNSUPPORTED_HINTS[cls]})" if cls in UNSUPPORTED_HINTS else ""
        parts.append(f"{cls} ×{len(names)}: {shown}{hint}")
    if not parts and len(refused) == 1:
        return f"{name}: {refused[0]}"
    msg = ""
    if parts:
        msg = f"{name} has layers netcanvas does not support: {'; '.join(parts)}."
    if refused:
        lead = "Next, netcanvas would refuse" if parts else f"{name} cannot be imported"
        more = f" (and {len(refused) - 5} more)" if len(refused) > 5 else ""
        msg += (" " if msg else "") + f"{lead}: " + "; ".join(refused[:5]) + more
    return msg


def _convert(name: str, cls: type[Layer], lay: _KLayer, n: ImportNode) -> list[Value]:
    """One Keras layer through its kind's from_keras; unexpected config shapes become a sentence."""
    try:
        refuse_training_terms(n)
        return cls.from_keras(n)
    except ImportFailed:
        raise
    except (KeyError, IndexError, TypeError, ValueError) as err:
        raise ImportFailed(f"{name}: layer '{lay.name}' ({lay.class_name}): its configuration or weights are "
                           f"not what netcanvas expects ({type(err).__name__}: {err}).") from err


def _finish(name: str, config: dict[str, Any], b: Builder, values: dict[str, list[Value] | None],
            input_refs: Refs, output_refs: Refs, source: str, has_weights: bool) -> Imported:
    def value(ref: tuple[str, int]) -> Value:
        got = values[ref[0]]
        assert got is not None
        return got[ref[1]]

    for ref in output_refs:
        if value(ref).perm is not None:  # cannot happen: perm_ok excludes outputs
            raise ImportFailed(f"{name}: output '{ref[0]}' cannot be reordered.")
    return _assemble(name, config, b, [value(r) for r in input_refs], [value(r) for r in output_refs],
                     source, has_weights)


def _input(b: Builder, lay: _KLayer) -> list[Value]:
    return REGISTRY["Input"].from_keras(ImportNode(b, lay.name, lay.class_name, lay.cfg, None, [], False))




def _assemble(name: str, config: dict[str, Any], b: Builder, inputs: list[Value], outputs: list[Value],
              source: str, has_weights: bool) -> Imported:
    title = (config.get("config") or {}).get("name") if isinstance(config.get("config"), dict) else None
    # No positions: the canvas lays the graph out (wrapping long chains into readable rows).
    nodes = [{"id": s.id, "type": s.kind, "params": s.params} for s in b.specs]
    edges = [{"source": v.node, "target": s.id, "source_port": v.port, "target_port": i}
             for s in b.specs for i, v in enumerate(s.inputs)]
    out_ids = []
    for v in outputs:
        if v.port != 0:
            raise ImportFailed(f"{name}: output {v.port + 1} of '{v.node}' is a model output; netcanvas uses "
                               "the first output of a layer as a model output.")
        out_ids.append(v.node)
    graph = Graph.model_validate({"name": title or name.rsplit(".", 1)[0], "nodes": nodes, "edges": edges,
                                  "outputs": out_ids})
    analysis = analyze(graph)
    if not analysis.ok:
        raise ImportFailed(f"{name}: the imported graph has problems: {GraphError(analysis)}")
    if [i for i in analysis.inputs] != [v.node for v in inputs]:
        # keep Keras's input order: it is the order predict() takes the inputs in
        graph = graph.model_copy(update={"nodes": _inputs_first(graph, [v.node for v in inputs])})
        analysis = analyze(graph)
    module = compile_graph(analysis)
    if has_weights:
        names = module_names(analysis.order)
        subs = dict(module.named_children())  # Inputs are placeholders, not submodules
        for spec in b.specs:
            if spec.load is None:
                continue
            sub = subs[names[spec.id]]
            spec.load(sub)
            missing = [k for k, t in sub.state_dict(keep_vars=True).items()
                       if id(t) not in b.filled and not k.endswith("num_batches_tracked")]
            if missing:
                raise ImportFailed(f"{name}: layer '{spec.keras_layer}': no weights in the file for "
                                   f"{spec.kind} {', '.join(missing[:5])}.")
        unloaded = [s.id for s in b.specs if s.load is None and names[s.id] in subs and subs[names[s.id]].state_dict()]
        if unloaded:
            raise ImportFailed(f"{name}: no weights in the file for {', '.join(unloaded[:5])}.")
    return Imported(graph=graph, state_dict=module.state_dict(), source=source, has_weights=has_weights)


def _inputs_first(graph: Graph, order: list[str]) -> list[Any]:
    rank = {nid: i for i, nid in enumerate(order)}
    inputs = sorted((n for n in graph.nodes if n.id in rank), key=lambda n: rank[n.id])
    return inputs + [n for n in graph.nodes if n.id not in rank]


# ----------------------------------------------------------------------------------------------
# isolation: HDF5 and zip parsing run in C libraries; a crafted file must not take the server down


def import_model_isolated(filename: str, data: bytes | Path, timeout_s: float = 300.0,
                          target: Callable[..., Imported] = import_model,
                          max_model_mb: int | None = None) -> Imported:
    """`import_model` in a short-lived spawned process for HDF5 and zip files (C readers): a file
    that crashes or hangs the reader costs that process, not the server. Raises ImportFailed as
    import_model does. `data` may be the path the upload was streamed to: the reader opens it there
    (nothing big crosses the process boundary)."""
    import concurrent.futures as cf
    import functools
    import multiprocessing as mp

    name = filename or "the upload"
    if max_model_mb is not None:
        target = functools.partial(target, max_model_mb=max_model_mb)
    if isinstance(data, Path):
        with data.open("rb") as fh:
            head = fh.read(len(HDF5_MAGIC))
    else:
        head = data[:len(HDF5_MAGIC)]
    if not head.startswith((HDF5_MAGIC, b"PK\x03\x04")):  # JSON or not a model: Python's own parsers
        return target(filename, data)
    pool = cf.ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn"))
    try:
        future = pool.submit(target, filename, data)
        try:
            return future.result(timeout=timeout_s)
        except cf.TimeoutError as err:
            raise ImportFailed(f"{name} took longer than {timeout_s:.0f} s to read; it is not imported.") from err
        except cf.process.BrokenProcessPool as err:
            raise ImportFailed(f"{name} made the model reader crash: the file is damaged or not a model "
                               "file.") from err
    finally:
        for proc in list(getattr(pool, "_processes", {}).values()):  # a hung reader: stop it
            if proc.is_alive():
                proc.kill()
        pool.shutdown(wait=False, cancel_futures=True)
