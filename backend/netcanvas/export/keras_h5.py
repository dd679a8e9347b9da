"""netcanvas graph + PyTorch weights → a Keras functional model in the legacy HDF5 format.

The file is written with h5py alone (no Keras import) in the layout Keras 3 itself writes: root
attributes `keras_version`, `backend`, `model_config`; group `model_weights` with `layer_names`;
one group per layer with `weight_names`. `keras.models.load_model("model.h5")` loads it.

The Keras model is channels-last (what Keras users, TensorFlow's CPU kernels and converters
expect): an image Input that is (C, H, W) in netcanvas takes (H, W, C) in Keras, and an image
output comes out (H, W, C). Predictions equal the PyTorch model's when the input is transposed:
`keras_model.predict(x.transpose(0, 2, 3, 1))` == `torch_model(x)` (transposed back for image
outputs). Vectors and sequences need no change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import h5py
import torch

from ..graph.analyze import Analysis, analyze
from ..graph.blocks import keras_names
from ..graph.compile import GraphError, compile_graph, module_names, node_modules
from ..graph.schema import Graph
from ..kerasio.errors import KerasExportError
from ..kerasio.exporting import ExportNode
from ..kerasio.h5attrs import write_names
from ..kerasio.model import KerasModelBuilder, KTensor
from ..kerasio.perm import perm_ok
from ..layers import REGISTRY, Layer, Shape, fmt
from ..training.settings import TrainSettings

KERAS_VERSION = "3.15.1"  # the Keras whose layout this writer follows (and the tests load with)


def has_keras(kind: str) -> bool:
    return bool(REGISTRY[kind].keras_classes)


def unsupported_message(node_id: str, kind: str, shape: Shape | None = None) -> str:
    where = f" (input {fmt(shape)})" if shape else ""
    return (f"Node '{node_id}' is a {kind}{where}, which has no Keras counterpart in netcanvas's Keras "
            "export; remove it or download model.onnx / model.pt instead.")


def unsupported_nodes(analysis: Analysis) -> list[str]:
    return [
        unsupported_message(nid, info.layer.kind(), info.input_shapes[0] if info.input_shapes else None)
        for nid, info in analysis.nodes.items()
        if info.layer is not None and not has_keras(info.layer.kind())
    ]


def build_keras_model(
    graph: Graph | Analysis, state_dict: Mapping[str, torch.Tensor] | None = None
) -> KerasModelBuilder:
    """The Keras model for `graph` with `state_dict`'s weights (fresh ones when None).

    Raises KerasExportError naming every node without a Keras counterpart, and GraphError when
    the graph itself has problems.
    """
    analysis = graph if isinstance(graph, Analysis) else analyze(graph)
    if not analysis.ok:
        raise GraphError(analysis)
    missing = unsupported_nodes(analysis)
    if missing:
        raise KerasExportError(" ".join(missing))
    if state_dict is None:  # the architecture only (code generation): no weights allocated
        with torch.device("meta"):
            module = compile_graph(analysis)
    else:
        module = compile_graph(analysis)
        module.load_state_dict(state_dict, strict=True)
    names = _layer_names(analysis)
    consumers: dict[str, list[str]] = {nid: [] for nid in analysis.nodes}
    for nid, info in analysis.nodes.items():
        for e in info.inputs:
            consumers[e.source].append(nid)

    def kind_of(nid: str) -> type[Layer] | None:
        layer = analysis.nodes[nid].layer
        return type(layer) if layer is not None else None

    subs = node_modules(module)  # Inputs are placeholders, not submodules; blocks' layers nest
    b = KerasModelBuilder(analysis.graph.name)
    values: dict[str, list[KTensor]] = {}
    outputs, perm_cache = set(analysis.outputs), dict[str, bool]()  # perm_ok's answers, shared
    for nid in analysis.order:
        info = analysis.nodes[nid]
        assert info.layer is not None
        node = ExportNode(
            b=b, id=nid, name=names[nid], layer=info.layer, module=subs.get(nid, torch.nn.Identity()),
            inputs=[values[e.source][e.source_port] for e in info.inputs],
            input_shapes=list(info.input_shapes or []), output_shapes=list(info.output_shapes or []),
            perm_ok=perm_ok(nid, consumers, outputs, kind_of, perm_cache),
        )
        values[nid] = info.layer.to_keras(node)
    for lay in b.layers:  # frozen nodes stay frozen in Keras (every layer a node became)
        frozen = lay.node_id in analysis.nodes and not analysis.nodes[lay.node_id].trainable
        if frozen:
            lay.trainable = False
    b.inputs = [values[nid][0] for nid in analysis.inputs]  # the graph's input order, as predict takes them
    for o in analysis.outputs:
        t = values[o][0]
        assert t.perm is None, o
        b.outputs.append(t)
    return b


def _layer_names(analysis: Analysis) -> dict[str, str]:
    """Node id → Keras layer name. Keras forbids "/": a layer inside a block keeps its own id where
    no other node has it, else its path (blocks.keras_names); Python-safe and unique either way."""
    if not analysis.blocks:
        return module_names(analysis.order)
    names: dict[str, str] = {}
    used: set[str] = set()
    for nid, cand in zip(analysis.order, keras_names(analysis.order), strict=True):
        base = name = module_names([cand])[cand]
        i = 1
        while name in used:
            i += 1
            name = f"{base}_{i}"
        used.add(name)
        names[nid] = name
    return names


def write_h5(model: KerasModelBuilder, path: str | Path, training_cfg: dict | None = None) -> None:
    """The legacy .h5 file; `training_cfg` (keras_compile.training_config) compiles it on load."""

    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = KERAS_VERSION
        f.attrs["backend"] = "torch"
        f.attrs["model_config"] = json.dumps(model.model_config())
        if training_cfg is not None:
            f.attrs["training_config"] = json.dumps(training_cfg)
        mw = f.create_group("model_weights")
        mw.attrs["keras_version"] = KERAS_VERSION
        mw.attrs["backend"] = "torch"
        layers = model.keras_order()  # Keras loads weights by position in this order
        write_names(mw.attrs, "layer_names", [lay.name for lay in layers])  # chunked past 3,000 layers
        for lay in layers:
            g = mw.create_group(lay.name)
            write_names(g.attrs, "weight_names", [w for w, _ in lay.weights])
            for w, arr in lay.weights:
                g.create_dataset(w, data=arr)
        write_names(mw.create_group("top_level_model_weights").attrs, "weight_names", [])


def export_h5(graph: Graph | Analysis, state_dict: Mapping[str, torch.Tensor], path: str | Path,
              settings: TrainSettings | None = None) -> None:
    """model.h5, compiled with the run's training `settings` (None: uncompiled, as for an import)."""
    from .keras_compile import training_config

    analysis = graph if isinstance(graph, Analysis) else analyze(graph)
    cfg = training_config(settings, analysis) if settings is not None else None
    write_h5(build_keras_model(analysis, state_dict), path, cfg)
