"""netcanvas graph + PyTorch weights → Keras 3's native `.keras` file, written without Keras.

The same Keras model as model.h5 (`build_keras_model`, channels-last), in the zip Keras 3's
`model.save("model.keras")` writes (keras/src/saving/saving_lib.py):

    metadata.json      {"keras_version", "date_saved"}
    config.json        the serialized Functional model + "build_config" + "compile_config"
    model.weights.h5   one group per saveable object, its variables as datasets "vars/0", "vars/1", …

In model.weights.h5 a Functional model's layers sit under `layers/<key>` where the key is the
snake_case of the layer's class with a counter for repeats (`dense`, `dense_1`, …) in
`model.layers` order, not the layer's name. A layer's own variables are `vars/<i>` in
trainable-then-non-trainable order (BatchNormalization: gamma, beta, moving_mean,
moving_variance). Layers built from sub-layers keep their variables in those: `LSTM` in
`lstm/cell/vars`, `Bidirectional` in `forward_layer/…` and `backward_layer/…` (each the wrapped
RNN's own layout), `TimeDistributed` in `layer/…`, `MultiHeadAttention` in `query_dense`,
`key_dense`, `value_dense`, `output_dense`. `SUBLAYERS` below holds that structure per Keras
class; the flat weight list each layer kind gives (Keras's `layer.weights` order, as the .h5
holds it) is cut into those groups, so kinds need to give nothing more.

The optimizer's variables are not written (see keras_compile): loading warns that it skips them,
as it does for a model Keras saved compiled but untrained.
"""

from __future__ import annotations

import datetime
import io
import json
import re
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import torch

from ..graph.analyze import Analysis, analyze
from ..graph.schema import Graph
from ..kerasio.errors import KerasExportError
from ..kerasio.model import KerasLayer, KerasModelBuilder
from ..training.settings import TrainSettings
from .keras_compile import compile_config
from .keras_h5 import KERAS_VERSION, build_keras_model

# (path below the layer's group, how many of its variables are there, the sub-object's name), in
# weight order; a sub-object without variables (MultiHeadAttention's softmax) has a count of 0.
Split = list[tuple[str, int, str]]

# Keras's RNN layers keep their variables in their cell (`layer.cell`), named after the cell class.
RNN_CELLS = {"SimpleRNN": "simple_rnn_cell", "LSTM": "lstm_cell", "GRU": "gru_cell",
             "ConvLSTM1D": "conv_lstm_cell", "ConvLSTM2D": "conv_lstm_cell", "ConvLSTM3D": "conv_lstm_cell"}
# Aliases Keras accepts as class_name, by the class they make (the saving key uses the class's own name).
ALIASES = {
    "Convolution1D": "Conv1D", "Convolution2D": "Conv2D", "Convolution3D": "Conv3D",
    "Convolution1DTranspose": "Conv1DTranspose", "Convolution2DTranspose": "Conv2DTranspose",
    "Convolution3DTranspose": "Conv3DTranspose", "SeparableConvolution1D": "SeparableConv1D",
    "SeparableConvolution2D": "SeparableConv2D", "MaxPool1D": "MaxPooling1D", "MaxPool2D": "MaxPooling2D",
    "MaxPool3D": "MaxPooling3D", "AvgPool1D": "AveragePooling1D", "AvgPool2D": "AveragePooling2D",
    "AvgPool3D": "AveragePooling3D", "GlobalAvgPool1D": "GlobalAveragePooling1D",
    "GlobalAvgPool2D": "GlobalAveragePooling2D", "GlobalAvgPool3D": "GlobalAveragePooling3D",
    "GlobalMaxPool1D": "GlobalMaxPooling1D", "GlobalMaxPool2D": "GlobalMaxPooling2D",
    "GlobalMaxPool3D": "GlobalMaxPooling3D", "GroupQueryAttention": "GroupedQueryAttention",
}


def to_snake_case(name: str) -> str:
    """keras.src.utils.naming.to_snake_case."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _join(*parts: str) -> str:
    return "/".join(p for p in parts if p)


def _attention(prefix: str) -> Callable[[dict[str, Any], int], Split]:
    def split(cfg: dict[str, Any], n: int) -> Split:
        per = 2 if cfg.get("use_bias", True) else 1
        dense = [(f"{prefix}{p}_dense", per, name) for p, name in
                 (("query", "query"), ("key", "key"), ("value", "value"), ("output", "attention_output"))]
        return [*dense, ("_softmax", 0, "softmax"), ("_dropout_layer", 0, "dropout")]

    return split


def _nested(cfg: dict[str, Any], key: str) -> tuple[str, dict[str, Any]]:
    inner = cfg[key]
    return inner["class_name"], inner.get("config", {})


def _inside(path: str, name: str, class_name: str, config: dict[str, Any], n: int) -> Split:
    """A sub-layer at `path`: its own group, then its own parts below it."""
    return [(path, 0, name)] + [(_join(path, p), k, nm) for p, k, nm in split_weights(class_name, config, n)
                                if p or k]


def _bidirectional(cfg: dict[str, Any], n: int) -> Split:
    if n % 2:
        raise KerasExportError(f"Bidirectional {cfg.get('name')!r} has an odd number of weights ({n}).")
    fc, fcfg = _nested(cfg, "layer")
    bc, bcfg = _nested(cfg, "backward_layer") if cfg.get("backward_layer") else (fc, fcfg)
    backward_name = bcfg.get("name", "") if cfg.get("backward_layer") else f"backward_{fcfg.get('name', '')}"
    return _inside("forward_layer", f"forward_{fcfg.get('name', '')}", fc, fcfg, n // 2) + \
        _inside("backward_layer", backward_name, bc, bcfg, n // 2)


def _wrapper(cfg: dict[str, Any], n: int) -> Split:
    c, ccfg = _nested(cfg, "layer")
    return _inside("layer", ccfg.get("name", ""), c, ccfg, n)


def _rnn(cell: str) -> Callable[[dict[str, Any], int], Split]:
    return lambda cfg, n: [("cell", n, cell)]


SUBLAYERS: dict[str, Callable[[dict[str, Any], int], Split]] = {
    **{c: _rnn(cell) for c, cell in RNN_CELLS.items()},
    "Bidirectional": _bidirectional,
    "TimeDistributed": _wrapper,
    "MultiHeadAttention": _attention(""),
    "GroupedQueryAttention": _attention("_"),
}


def split_weights(class_name: str, config: dict[str, Any], n: int) -> Split:
    """Where a layer's `n` weights (Keras's flat order) go below its group: [(path, count, name)],
    the layer's own variables at path ""."""
    class_name = ALIASES.get(class_name, class_name)
    if class_name not in SUBLAYERS:
        return [("", n, config.get("name", ""))]
    parts = SUBLAYERS[class_name](config, n)
    if sum(k for _, k, _ in parts) != n:
        raise KerasExportError(f"{class_name} {config.get('name')!r} has {n} weights where Keras keeps "
                               f"{sum(k for _, k, _ in parts)}.")
    return parts


def layer_keys(layers: list[KerasLayer]) -> list[str]:
    """Each layer's group under `layers/` (saving_lib._save_container_state's naming)."""
    used: dict[str, int] = {}
    keys = []
    for lay in layers:
        base = to_snake_case(ALIASES.get(lay.class_name, lay.class_name))
        if base in used:
            used[base] += 1
            keys.append(f"{base}_{used[base]}")
        else:
            used[base] = 0
            keys.append(base)
    return keys


def weights_h5(model: KerasModelBuilder) -> bytes:
    """model.weights.h5 as Keras's H5IOStore writes it."""
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        f.create_group("layers")
        layers = model.keras_order()
        for key, lay in zip(layer_keys(layers), layers, strict=True):
            group = f.create_group(f"layers/{key}")
            group.create_group("vars").attrs["name"] = lay.name
            arrays = [a for _, a in lay.weights]
            i = 0
            for sub, count, name in split_weights(lay.class_name, lay.config, len(arrays)):
                target = group.require_group(_join(sub, "vars"))
                if sub:
                    target.attrs["name"] = name
                for j in range(count):
                    target.create_dataset(str(j), data=np.asarray(arrays[i], order="C"))  # 0-d stays 0-d
                    i += 1
        f.create_group("vars").attrs["name"] = model.name
    return buf.getvalue()


def keras_config(model: KerasModelBuilder, compile_cfg: dict[str, Any] | None) -> dict[str, Any]:
    # The .keras loader imports `module` and takes `class_name` from it: Functional lives here.
    cfg = {**model.model_config(), "module": "keras.src.models.functional", "build_config": {"input_shape": None}}
    if compile_cfg is not None:
        cfg["compile_config"] = compile_cfg
    return cfg


def write_keras(model: KerasModelBuilder, path: str | Path, compile_cfg: dict[str, Any] | None = None) -> None:
    """The .keras zip; members stored uncompressed, in Keras's order."""
    metadata = {"keras_version": KERAS_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    weights = weights_h5(model)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("metadata.json", json.dumps(metadata))
        zf.writestr("config.json", json.dumps(keras_config(model, compile_cfg)))
        zf.writestr("model.weights.h5", weights)


def export_keras(graph: Graph | Analysis, state_dict: Mapping[str, torch.Tensor], path: str | Path,
                 settings: TrainSettings | None = None) -> None:
    """model.keras for `graph` with `state_dict`'s weights, compiled with the run's `settings`
    (None: an uncompiled model, as for an imported one)."""
    analysis = graph if isinstance(graph, Analysis) else analyze(graph)
    model = build_keras_model(analysis, state_dict)
    write_keras(model, path, compile_config(settings, analysis) if settings is not None else None)
