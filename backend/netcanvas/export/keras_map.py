"""The one table between netcanvas layer kinds and Keras layers, both ways.

`KERAS[kind]` says how a node of that kind becomes Keras layer(s) (`to_keras`, with its weights
converted from the PyTorch state_dict and its layout turned channels-last) and how a Keras layer
of class `keras_classes` comes back as a node (`from_keras`). The layer registry stays the
source of truth for parameters; this module only adds the Keras side. A kind missing here has
no Keras counterpart, and export names it in its error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..kerasio.importing import ImportNode
from ..kerasio.layout import (
    flatten_perm,
    is_image,
    keras_axis,
    netcanvas_axis,
    to_channels_first_dims,
    to_channels_last_dims,
    to_netcanvas_shape,
)
from ..kerasio.model import KerasExportError, KerasModelBuilder, KTensor, nested
from ..layers import Layer, Shape
from ..layers.base import resolve_axis


@dataclass
class ExportNode:
    """One netcanvas node while it is being written into a Keras model."""

    b: KerasModelBuilder
    id: str
    name: str  # Python-safe name (the torch submodule name): the Keras layer name
    layer: Layer
    inputs: list[KTensor]
    input_shapes: list[Shape]
    output_shapes: list[Shape]
    sd: dict[str, np.ndarray]  # this node's state_dict entries, prefix stripped
    # May this node's output carry a Flatten permutation (see KTensor.perm)?
    perm_ok: bool = False

    def add(self, class_name: str, config: dict[str, Any], *, weights: list[tuple[str, np.ndarray]] = (),
            inputs: list[KTensor] | None = None, out_shapes: list[Shape] | None = None,
            suffix: str = "", merge: bool = False, call_kwargs: dict | None = None) -> list[KTensor]:
        return self.b.add(
            class_name, self.name + suffix, config, self.inputs if inputs is None else inputs,
            self.output_shapes if out_shapes is None else out_shapes,
            weights=[(f"{self.name}{suffix}/{w}", a) for w, a in weights],
            merge=merge, call_kwargs=call_kwargs, node_id=self.id,
        )

    def plain_inputs(self) -> list[KTensor]:
        """The inputs, refusing a permuted flat vector (only Dense and element-wise layers take one)."""
        for t in self.inputs:
            if t.perm is not None:
                raise KerasExportError(
                    f"Node '{self.id}' ({self.layer.kind()}) reads a flattened image in a way the Keras "
                    "export cannot reorder."
                )
        return self.inputs

    def fail(self, why: str) -> KerasExportError:
        return KerasExportError(f"Node '{self.id}' ({self.layer.kind()}) cannot be exported to Keras: {why}")


@dataclass(frozen=True)
class KerasMapping:
    kind: str
    keras_classes: tuple[str, ...]
    to_keras: Callable[[ExportNode], list[KTensor]]
    # Passes a Flatten permutation through unchanged (element-wise layers).
    elementwise: bool = False
    from_keras: Callable[..., Any] | None = None
    notes: str = ""


KERAS: dict[str, KerasMapping] = {}


def mapping(kind: str, keras_classes: tuple[str, ...] | str, **kw: Any) -> Callable:
    classes = (keras_classes,) if isinstance(keras_classes, str) else keras_classes

    def deco(fn: Callable[[ExportNode], list[KTensor]]) -> Callable:
        KERAS[kind] = KerasMapping(kind, classes, fn, **kw)
        return fn

    return deco


def from_keras(kind: str) -> Callable:
    """Registers the importer of an already mapped kind."""

    def deco(fn: Callable) -> Callable:
        m = KERAS[kind]
        KERAS[kind] = KerasMapping(m.kind, m.keras_classes, m.to_keras, m.elementwise, fn, m.notes)
        return fn

    return deco


def np32(a: Any) -> np.ndarray:
    return np.asarray(a, dtype=np.float32)


# --------------------------------------------------------------------------------------------
# core


@mapping("Input", "InputLayer")
def _input(n: ExportNode) -> list[KTensor]:
    return [n.b.add_input(n.name, n.output_shapes[0], n.layer.dtype, n.id)]


def _elementwise_out(n: ExportNode, outs: list[KTensor]) -> list[KTensor]:
    for o in outs:
        o.perm = n.inputs[0].perm
    return outs


# Keras's activation layers (ReLU, Softmax, …) import as an Activation node; export writes Activation.
@mapping("Activation", ("Activation", "ReLU", "Softmax", "ELU", "LeakyReLU"), elementwise=True)
def _activation(n: ExportNode) -> list[KTensor]:
    return _elementwise_out(n, n.add("Activation", {"activation": n.layer.activation}))


@mapping("Dropout", "Dropout", elementwise=True)
def _dropout(n: ExportNode) -> list[KTensor]:
    return _elementwise_out(n, n.add("Dropout", {"rate": n.layer.rate}))


@mapping("Flatten", "Flatten")
def _flatten(n: ExportNode) -> list[KTensor]:
    (_x,) = n.plain_inputs()
    shape = n.input_shapes[0]
    if not is_image(shape):
        return n.add("Flatten", {})
    if n.perm_ok:
        # Keras flattens H·W·C; the Dense layers reading this get their kernel rows reordered.
        (out,) = n.add("Flatten", {})
        out.perm = flatten_perm(shape)
        return [out]
    # Read by something that cannot reorder: put the tensor back to (C, H, W) first. (A KTensor
    # describes its Keras tensor by the netcanvas shape whose channels-last form it has.)
    rank = len(shape)
    return n.add("Flatten", {}, inputs=n.add(
        "Permute", {"dims": list(to_channels_first_dims(rank))}, suffix="_channels_first",
        out_shapes=[to_netcanvas_shape(shape)]))


# --------------------------------------------------------------------------------------------
# merge


@mapping("Concatenate", "Concatenate")
def _concatenate(n: ExportNode) -> list[KTensor]:
    rank = len(n.input_shapes[0])
    axis = keras_axis(resolve_axis(n.layer.axis, rank), rank)
    return n.add("Concatenate", {"axis": axis}, inputs=n.plain_inputs(), merge=True)


# --------------------------------------------------------------------------------------------
# convolution (torch weights: Conv1d (out, in, k), Conv2d (out, in, kh, kw), ConvTranspose2d
# (in, out, kh, kw); Keras: (k, in, out), (kh, kw, in, out), transposed (kh, kw, out, in))


def _size(v: int | list[int], n: int) -> list[int]:
    return [v] * n if isinstance(v, int) else list(v)


def _conv_config(layer: Layer, rank: int) -> dict[str, Any]:
    return {
        "filters": layer.filters, "kernel_size": _size(layer.kernel_size, rank),
        "strides": _size(layer.strides, rank), "padding": layer.padding, "data_format": "channels_last",
        "dilation_rate": _size(layer.dilation_rate, rank), "activation": layer.activation,
        "use_bias": layer.use_bias,
    }


def _conv_weights(n: ExportNode, axes: tuple[int, ...]) -> list[tuple[str, np.ndarray]]:
    weights = [("kernel", n.sd["conv.weight"].transpose(axes))]
    if n.layer.use_bias:
        weights.append(("bias", n.sd["conv.bias"]))
    return weights


@mapping("Conv1D", "Conv1D")
def _conv1d(n: ExportNode) -> list[KTensor]:
    n.plain_inputs()
    return n.add("Conv1D", _conv_config(n.layer, 1), weights=_conv_weights(n, (2, 1, 0)))


@mapping("Conv2D", "Conv2D")
def _conv2d(n: ExportNode) -> list[KTensor]:
    n.plain_inputs()
    return n.add("Conv2D", _conv_config(n.layer, 2), weights=_conv_weights(n, (2, 3, 1, 0)))


@mapping("Conv2DTranspose", "Conv2DTranspose")
def _conv2d_transpose(n: ExportNode) -> list[KTensor]:
    n.plain_inputs()
    return n.add("Conv2DTranspose", _conv_config(n.layer, 2), weights=_conv_weights(n, (2, 3, 1, 0)))


# --------------------------------------------------------------------------------------------
# pooling


def _pool(class_name: str, rank: int) -> Callable[[ExportNode], list[KTensor]]:
    def to_keras(n: ExportNode) -> list[KTensor]:
        n.plain_inputs()
        pool = _size(n.layer.pool_size, rank)
        strides = pool if n.layer.strides is None else _size(n.layer.strides, rank)
        cfg = {"pool_size": pool, "strides": strides, "padding": n.layer.padding, "data_format": "channels_last"}
        return n.add(class_name, cfg)

    return to_keras


for _kind, _rank in (("MaxPooling1D", 1), ("AveragePooling1D", 1), ("MaxPooling2D", 2), ("AveragePooling2D", 2)):
    mapping(_kind, _kind)(_pool(_kind, _rank))


def _global_pool(class_name: str) -> Callable[[ExportNode], list[KTensor]]:
    def to_keras(n: ExportNode) -> list[KTensor]:
        n.plain_inputs()
        return n.add(class_name, {"data_format": "channels_last", "keepdims": n.layer.keepdims})

    return to_keras


for _kind in ("GlobalAveragePooling1D", "GlobalMaxPooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling2D"):
    mapping(_kind, _kind)(_global_pool(_kind))


# --------------------------------------------------------------------------------------------
# normalization


def _norm_axis(n: ExportNode) -> int:
    rank = len(n.input_shapes[0])
    return keras_axis(resolve_axis(n.layer.axis, rank), rank)


@mapping("BatchNormalization", "BatchNormalization")
def _batch_norm(n: ExportNode) -> list[KTensor]:
    n.plain_inputs()
    cfg = {"axis": _norm_axis(n), "momentum": n.layer.momentum, "epsilon": n.layer.epsilon,
           "center": True, "scale": True}
    weights = [("gamma", n.sd["bn.weight"]), ("beta", n.sd["bn.bias"]),
               ("moving_mean", n.sd["bn.running_mean"]), ("moving_variance", n.sd["bn.running_var"])]
    return n.add("BatchNormalization", cfg, weights=weights)


@mapping("LayerNormalization", "LayerNormalization")
def _layer_norm(n: ExportNode) -> list[KTensor]:
    n.plain_inputs()
    cfg = {"axis": _norm_axis(n), "epsilon": n.layer.epsilon, "center": True, "scale": True}
    return n.add("LayerNormalization", cfg, weights=[("gamma", n.sd["norm.weight"]), ("beta", n.sd["norm.bias"])])


# --------------------------------------------------------------------------------------------
# element-wise merges, embedding


for _kind in ("Add", "Subtract", "Multiply", "Average", "Maximum"):
    mapping(_kind, _kind)(lambda n, _k=_kind: n.add(_k, {}, inputs=n.plain_inputs(), merge=True))


@mapping("Embedding", "Embedding")
def _embedding(n: ExportNode) -> list[KTensor]:
    n.plain_inputs()
    cfg = {"input_dim": n.layer.input_dim, "output_dim": n.layer.output_dim}
    return n.add("Embedding", cfg, weights=[("embeddings", n.sd["embedding.weight"])])


# --------------------------------------------------------------------------------------------
# recurrent: torch (weight_ih (gates·u, in), weight_hh (gates·u, u), bias_ih, bias_hh) →
# Keras kernel (in, gates·u), recurrent_kernel (u, gates·u), bias. LSTM gates are i, f, g, o in
# both; Keras's LSTM/SimpleRNN keep one bias (torch's two summed). GRU: torch's gates r, z, n
# become Keras's z, r, h; Keras's reset_after GRU keeps both biases as a (2, 3·u) array.


def _gru_order(units: int) -> np.ndarray:
    r, z, h = (np.arange(units) + i * units for i in range(3))
    return np.concatenate([z, r, h])


def rnn_weights(kind: str, sd: dict[str, np.ndarray], units: int, use_bias: bool, suffix: str = "",
                prefix: str = "rnn.") -> list[tuple[str, np.ndarray]]:
    w_ih, w_hh = sd[f"{prefix}weight_ih_l0{suffix}"], sd[f"{prefix}weight_hh_l0{suffix}"]
    order = _gru_order(units) if kind == "GRU" else np.arange(w_ih.shape[0])
    out = [("kernel", w_ih[order].T), ("recurrent_kernel", w_hh[order].T)]
    if use_bias:
        b_ih, b_hh = sd[f"{prefix}bias_ih_l0{suffix}"][order], sd[f"{prefix}bias_hh_l0{suffix}"][order]
        out.append(("bias", np.stack([b_ih, b_hh]) if kind == "GRU" else b_ih + b_hh))
    return out


def rnn_config(kind: str, layer: Layer, return_sequences: bool, return_state: bool = False) -> dict[str, Any]:
    cfg: dict[str, Any] = {"units": layer.units, "activation": layer.activation, "use_bias": layer.use_bias,
                           "return_sequences": return_sequences, "return_state": return_state}
    if kind in ("LSTM", "GRU"):
        cfg["recurrent_activation"] = "sigmoid"
    if kind == "GRU":
        cfg["reset_after"] = True
    return cfg


def _recurrent(kind: str) -> Callable[[ExportNode], list[KTensor]]:
    def to_keras(n: ExportNode) -> list[KTensor]:
        n.plain_inputs()
        lay = n.layer
        cfg = rnn_config(kind, lay, lay.return_sequences, lay.return_state)
        return n.add(kind, cfg, weights=rnn_weights(kind, n.sd, lay.units, lay.use_bias))

    return to_keras


for _kind in ("SimpleRNN", "LSTM", "GRU"):
    mapping(_kind, _kind)(_recurrent(_kind))


@mapping("Bidirectional", "Bidirectional")
def _bidirectional(n: ExportNode) -> list[KTensor]:
    n.plain_inputs()
    lay = n.layer
    inner = {"name": f"{n.name}_{lay.layer.lower()}", "trainable": True, "dtype": "float32",
             **rnn_config(lay.layer, lay, lay.return_sequences, lay.return_state)}
    weights = []
    for direction, suffix in (("forward", ""), ("backward", "_reverse")):
        weights += [(f"{direction}_{w}", a) for w, a in rnn_weights(lay.layer, n.sd, lay.units, lay.use_bias, suffix)]
    cfg = {"layer": nested(lay.layer, inner), "merge_mode": lay.merge_mode}
    return n.add("Bidirectional", cfg, weights=weights)


# --------------------------------------------------------------------------------------------
# reshaping: Reshape and Permute are meant in netcanvas's (channels-first) layout


def _keras_pos(i: int, rank: int) -> int:
    """0-based axis of the Keras tensor holding netcanvas axis i (batch excluded)."""
    if rank != 3:
        return i
    return rank - 1 if i == 0 else i - 1


@mapping("Reshape", "Reshape")
def _reshape(n: ExportNode) -> list[KTensor]:
    (x,) = n.plain_inputs()
    src, target = n.input_shapes[0], n.output_shapes[0]
    want = [-1 if d is None else d for d in n.layer.target_shape]
    if is_image(src) and src[0] != 1:  # back to (C, H, W) order so the values are read as in torch
        (x,) = n.add("Permute", {"dims": list(to_channels_first_dims(len(src)))}, inputs=[x],
                     out_shapes=[to_netcanvas_shape(src)], suffix="_channels_first")
    if is_image(target) and target[0] != 1:
        (y,) = n.add("Reshape", {"target_shape": want}, inputs=[x], out_shapes=[to_netcanvas_shape(target)],
                     suffix="_reshape")
        return n.add("Permute", {"dims": list(to_channels_last_dims(len(target)))}, inputs=[y])
    # one channel: (1, H, W) and (H, W, 1) hold the values in the same order
    keras_target = list(want[1:]) + [want[0]] if is_image(target) else want
    return n.add("Reshape", {"target_shape": keras_target}, inputs=[x])


@mapping("Permute", "Permute")
def _permute(n: ExportNode) -> list[KTensor]:
    n.plain_inputs()
    rank = len(n.input_shapes[0])
    dims = [0] * rank
    for j, d in enumerate(n.layer.dims):
        dims[_keras_pos(j, rank)] = _keras_pos(d - 1, rank) + 1
    return n.add("Permute", {"dims": dims})


@mapping("RepeatVector", "RepeatVector")
def _repeat_vector(n: ExportNode) -> list[KTensor]:
    n.plain_inputs()
    return n.add("RepeatVector", {"n": n.layer.n})


@mapping("ZeroPadding2D", "ZeroPadding2D")
def _zero_padding(n: ExportNode) -> list[KTensor]:
    n.plain_inputs()
    (top, bottom), (left, right) = n.layer.sides()
    return n.add("ZeroPadding2D", {"padding": [[top, bottom], [left, right]], "data_format": "channels_last"})


@mapping("UpSampling2D", "UpSampling2D")
def _upsampling(n: ExportNode) -> list[KTensor]:
    n.plain_inputs()
    cfg = {"size": _size(n.layer.size, 2), "interpolation": n.layer.interpolation, "data_format": "channels_last"}
    return n.add("UpSampling2D", cfg)


# ============================================================================================
# Keras → netcanvas (`from_keras`): each gets an ImportNode (keras_import.py) holding the Keras
# layer's config `cfg`, its weights in Keras order, and its inputs as netcanvas values; it adds
# node(s) with `n.node(kind, params, state)` and returns their outputs. `state` is a function
# (called only when the file has weights: a model JSON has none) giving the torch state_dict
# entries of the node, prefix excluded. Options netcanvas cannot
# express are refused with `n.fail(...)`, never dropped silently.

ACTIVATIONS = {
    "linear", "relu", "sigmoid", "tanh", "softmax", "elu", "selu", "gelu", "leaky_relu", "softplus",
    "softsign", "swish", "hard_sigmoid", "exponential",
}
_ACTIVATION_ALIASES = {"silu": "swish", None: "linear"}


def keras_activation(n: Any, value: Any, what: str = "activation") -> str:
    if isinstance(value, dict):  # a serialized function: {"class_name": "function", "config": "relu"}
        value = value.get("config") if isinstance(value.get("config"), str) else value.get("class_name")
    name = _ACTIVATION_ALIASES.get(value, value)
    if name not in ACTIVATIONS:
        raise n.fail(f"{what} '{value}' is not one netcanvas has ({', '.join(sorted(ACTIVATIONS))})")
    return name


def _compact(v: Any) -> Any:
    """Keras's [3, 3] → 3 (netcanvas sizes take an int or one per axis)."""
    if isinstance(v, (list, tuple)):
        v = list(v)
        return v[0] if v and all(x == v[0] for x in v) else v
    return v


def _require(n: Any, cfg: dict[str, Any], **expected: Any) -> None:
    for key, want in expected.items():
        have = cfg.get(key, want)
        if have != want and not (isinstance(want, tuple) and have in want):
            shown = want if not isinstance(want, tuple) else " or ".join(map(repr, want))
            raise n.fail(f"{key}={have!r} is not supported (netcanvas needs {shown})")


@from_keras("Input")
def _input_from(n: Any) -> Any:
    raise AssertionError("InputLayer is handled by keras_import")


@from_keras("Activation")
def _activation_from(n: Any) -> Any:
    cfg = n.cfg
    if n.class_name == "ReLU":
        _require(n, cfg, max_value=None, negative_slope=(0, 0.0), threshold=(0, 0.0))
        act = "relu"
    elif n.class_name == "Softmax":
        rank = len(n.inputs[0].shape)
        if _nc_axis(n, cfg.get("axis", -1), rank) - 1 != resolve_axis(None, rank):
            raise n.fail("softmax over an axis other than the features is not supported")
        act = "softmax"
    elif n.class_name == "ELU":
        _require(n, cfg, alpha=(1, 1.0))
        act = "elu"
    elif n.class_name == "LeakyReLU":
        slope = cfg.get("negative_slope", cfg.get("alpha", 0.3))
        if abs(float(slope) - 0.2) > 1e-9:
            raise n.fail(f"negative_slope={slope} is not supported (netcanvas's leaky_relu uses 0.2)")
        act = "leaky_relu"
    else:
        act = keras_activation(n, cfg.get("activation"))
    return n.passthrough(n.node("Activation", {"activation": act}))


@from_keras("Dropout")
def _dropout_from(n: Any) -> Any:
    return n.passthrough(n.node("Dropout", {"rate": float(n.cfg.get("rate", 0.5))}))


@from_keras("Flatten")
def _flatten_from(n: Any) -> Any:
    (x,) = n.inputs
    if not is_image(x.shape):
        return n.node("Flatten", {})
    if n.perm_ok:  # only Dense layers read it: their kernel rows get reordered
        (out,) = n.node("Flatten", {})
        out.perm = flatten_perm(x.shape)
        return [out]
    rank = len(x.shape)
    hwc = n.node("Permute", {"dims": list(to_channels_last_dims(rank))}, suffix="_channels_last")
    return n.node("Flatten", {}, inputs=hwc)


@from_keras("Concatenate")
def _concatenate_from(n: Any) -> Any:
    rank = len(n.inputs[0].shape)
    return n.node("Concatenate", {"axis": _nc_axis(n, n.cfg.get("axis", -1), rank)})


def _nc_axis(n: Any, axis: Any, rank: int) -> int:
    if isinstance(axis, list):
        if len(axis) != 1:
            raise n.fail(f"axis={axis} (several axes) is not supported")
        axis = axis[0]
    try:
        return netcanvas_axis(int(axis), rank)
    except ValueError as err:
        raise n.fail(str(err)) from err


def _merge_from(kind: str) -> Callable:
    return lambda n: n.node(kind, {})


for _kind in ("Add", "Subtract", "Multiply", "Average", "Maximum"):
    from_keras(_kind)(_merge_from(_kind))


@from_keras("Embedding")
def _embedding_from(n: Any) -> Any:
    _require(n, n.cfg, mask_zero=False)
    params = {"input_dim": n.cfg["input_dim"], "output_dim": n.cfg["output_dim"]}
    return n.node("Embedding", params, lambda: {"embedding.weight": n.weights[0]})


def _channels_last(n: Any) -> None:
    _require(n, n.cfg, data_format=("channels_last", None))


def _conv_from(kind: str, axes: tuple[int, ...]) -> Callable:
    def from_keras_(n: Any) -> Any:
        cfg = n.cfg
        _channels_last(n)
        _require(n, cfg, groups=1, output_padding=None)
        params = {
            "filters": cfg["filters"], "kernel_size": _compact(cfg["kernel_size"]),
            "strides": _compact(cfg.get("strides", 1)), "padding": cfg.get("padding", "valid"),
            "dilation_rate": _compact(cfg.get("dilation_rate", 1)),
            "activation": keras_activation(n, cfg.get("activation")), "use_bias": cfg.get("use_bias", True),
        }

        def state() -> dict[str, np.ndarray]:
            out = {"conv.weight": n.weights[0].transpose(axes)}
            if params["use_bias"]:
                out["conv.bias"] = n.weights[1]
            return out

        return n.node(kind, params, state)

    return from_keras_


from_keras("Conv1D")(_conv_from("Conv1D", (2, 1, 0)))
from_keras("Conv2D")(_conv_from("Conv2D", (3, 2, 0, 1)))
from_keras("Conv2DTranspose")(_conv_from("Conv2DTranspose", (3, 2, 0, 1)))


def _pool_from(kind: str) -> Callable:
    def from_keras_(n: Any) -> Any:
        _channels_last(n)
        cfg = n.cfg
        pool = _compact(cfg.get("pool_size", 2))
        strides = cfg.get("strides")
        params = {"pool_size": pool, "strides": None if strides is None else _compact(strides),
                  "padding": cfg.get("padding", "valid")}
        return n.node(kind, params)

    return from_keras_


def _global_pool_from(kind: str) -> Callable:
    def from_keras_(n: Any) -> Any:
        _channels_last(n)
        return n.node(kind, {"keepdims": bool(n.cfg.get("keepdims", False))})

    return from_keras_


for _kind in ("MaxPooling1D", "AveragePooling1D", "MaxPooling2D", "AveragePooling2D"):
    from_keras(_kind)(_pool_from(_kind))
for _kind in ("GlobalAveragePooling1D", "GlobalMaxPooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling2D"):
    from_keras(_kind)(_global_pool_from(_kind))


def _scale_center(n: Any, size: int) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """(the weights after gamma/beta, gamma, beta): absent ones are 1 and 0."""
    w = list(n.weights)
    gamma = w.pop(0) if n.cfg.get("scale", True) else np.ones(size, np.float32)
    beta = w.pop(0) if n.cfg.get("center", True) else np.zeros(size, np.float32)
    return w, gamma, beta


@from_keras("BatchNormalization")
def _batch_norm_from(n: Any) -> Any:
    _require(n, n.cfg, renorm=False, synchronized=False)
    rank = len(n.inputs[0].shape)
    axis = _nc_axis(n, n.cfg.get("axis", -1), rank)
    size = n.inputs[0].shape[axis - 1]
    params = {"axis": None if axis - 1 == resolve_axis(None, rank) else axis,
              "momentum": float(n.cfg.get("momentum", 0.99)), "epsilon": float(n.cfg.get("epsilon", 1e-3))}

    def state() -> dict[str, np.ndarray]:
        (mean, var), gamma, beta = _scale_center(n, size)
        return {"bn.weight": gamma, "bn.bias": beta, "bn.running_mean": mean, "bn.running_var": var}

    return n.node("BatchNormalization", params, state)


@from_keras("LayerNormalization")
def _layer_norm_from(n: Any) -> Any:
    _require(n, n.cfg, rms_scaling=False)
    rank = len(n.inputs[0].shape)
    axis = _nc_axis(n, n.cfg.get("axis", -1), rank)
    params = {"axis": None if axis - 1 == resolve_axis(None, rank) else axis,
              "epsilon": float(n.cfg.get("epsilon", 1e-3))}

    def state() -> dict[str, np.ndarray]:
        _, gamma, beta = _scale_center(n, n.inputs[0].shape[axis - 1])
        return {"norm.weight": gamma, "norm.bias": beta}

    return n.node("LayerNormalization", params, state)


def rnn_state(kind: str, weights: list[np.ndarray], units: int, use_bias: bool, suffix: str = "",
              prefix: str = "rnn.") -> dict[str, np.ndarray]:
    """Keras kernel, recurrent_kernel(, bias) → torch's weight_ih/hh(, bias_ih/hh) (see rnn_weights)."""
    order = _gru_order(units) if kind == "GRU" else np.arange(weights[0].shape[1])
    state = {f"{prefix}weight_ih_l0{suffix}": weights[0].T[order],
             f"{prefix}weight_hh_l0{suffix}": weights[1].T[order]}
    if use_bias:
        b = weights[2]
        if kind == "GRU":
            b_ih, b_hh = b[0][order], b[1][order]
        else:
            b_ih, b_hh = b[order], np.zeros_like(b)
        state[f"{prefix}bias_ih_l0{suffix}"], state[f"{prefix}bias_hh_l0{suffix}"] = b_ih, b_hh
    return state


def _rnn_params(n: Any, kind: str, cfg: dict[str, Any]) -> dict[str, Any]:
    _require(n, cfg, go_backwards=False, stateful=False, time_major=False)
    if kind == "GRU":
        _require(n, cfg, reset_after=True)
    params: dict[str, Any] = {"units": cfg["units"], "use_bias": cfg.get("use_bias", True),
                              "return_sequences": bool(cfg.get("return_sequences", False))}
    act = keras_activation(n, cfg.get("activation", "tanh"))
    if kind == "SimpleRNN":
        if act not in ("tanh", "relu"):
            raise n.fail(f"SimpleRNN activation '{act}' is not supported (tanh or relu)")
        params["activation"] = act
    else:
        _require(n, {"activation": act}, activation="tanh")
        rec = keras_activation(n, cfg.get("recurrent_activation", "sigmoid"), "recurrent_activation")
        _require(n, {"recurrent_activation": rec}, recurrent_activation="sigmoid")
    return params


def _recurrent_from(kind: str) -> Callable:
    def from_keras_(n: Any) -> Any:
        params = _rnn_params(n, kind, n.cfg)
        params["return_state"] = bool(n.cfg.get("return_state", False))
        return n.node(kind, params, lambda: rnn_state(kind, n.weights, params["units"], params["use_bias"]))

    return from_keras_


for _kind in ("SimpleRNN", "LSTM", "GRU"):
    from_keras(_kind)(_recurrent_from(_kind))


@from_keras("Bidirectional")
def _bidirectional_from(n: Any) -> Any:
    inner = n.cfg["layer"]
    kind, cfg = inner["class_name"], inner["config"]
    if kind not in ("SimpleRNN", "LSTM", "GRU"):
        raise n.fail(f"it wraps a {kind}; netcanvas's Bidirectional wraps SimpleRNN, LSTM or GRU")
    if n.cfg.get("merge_mode", "concat") is None:
        raise n.fail("merge_mode=None (two separate outputs) is not supported")
    params = _rnn_params(n, kind, cfg)
    if kind != "SimpleRNN":
        params.pop("activation", None)
    params.update(layer=kind, merge_mode=n.cfg.get("merge_mode", "concat"),
                  return_state=bool(cfg.get("return_state", False)))

    def state() -> dict[str, np.ndarray]:
        half = len(n.weights) // 2
        out = rnn_state(kind, n.weights[:half], params["units"], params["use_bias"])
        out.update(rnn_state(kind, n.weights[half:], params["units"], params["use_bias"], "_reverse"))
        return out

    return n.node("Bidirectional", params, state)


@from_keras("Reshape")
def _reshape_from(n: Any) -> Any:
    (x,) = n.inputs
    target = [-1 if d is None else int(d) for d in n.cfg["target_shape"]]
    inputs = None
    if is_image(x.shape) and x.shape[0] != 1:  # to (H, W, C): the order Keras reads values in
        inputs = n.node("Permute", {"dims": list(to_channels_last_dims(len(x.shape)))}, suffix="_channels_last")
    if len(target) == 3 and target[-1] != 1:
        y = n.node("Reshape", {"target_shape": target}, inputs=inputs, suffix="_reshape")
        return n.node("Permute", {"dims": list(to_channels_first_dims(len(target)))}, inputs=y)
    nc_target = [target[-1], *target[:-1]] if len(target) == 3 else target
    return n.node("Reshape", {"target_shape": nc_target}, inputs=inputs)


@from_keras("Permute")
def _permute_from(n: Any) -> Any:
    rank = len(n.inputs[0].shape)
    kdims = [int(d) for d in n.cfg["dims"]]
    inv = {_keras_pos(i, rank): i for i in range(rank)}
    dims = [inv[kdims[_keras_pos(j, rank)] - 1] + 1 for j in range(rank)]
    return n.node("Permute", {"dims": dims})


@from_keras("RepeatVector")
def _repeat_vector_from(n: Any) -> Any:
    return n.node("RepeatVector", {"n": n.cfg["n"]})


@from_keras("ZeroPadding2D")
def _zero_padding_from(n: Any) -> Any:
    _channels_last(n)
    p = n.cfg.get("padding", 1)
    if isinstance(p, int):
        sides = [[p, p], [p, p]]
    elif isinstance(p[0], int):
        sides = [[p[0], p[0]], [p[1], p[1]]]
    else:
        sides = [list(p[0]), list(p[1])]
    return n.node("ZeroPadding2D", {"padding": sides})


@from_keras("UpSampling2D")
def _upsampling_from(n: Any) -> Any:
    _channels_last(n)
    interp = n.cfg.get("interpolation", "nearest")
    if interp not in ("nearest", "bilinear"):
        raise n.fail(f"interpolation '{interp}' is not supported (nearest or bilinear)")
    return n.node("UpSampling2D", {"size": _compact(n.cfg.get("size", 2)), "interpolation": interp})


def keras_class_index() -> dict[str, str]:
    """Keras class name → netcanvas kind (for import)."""
    return {cls: m.kind for m in KERAS.values() for cls in m.keras_classes}


def legacy_export(layer: Layer, node: Any) -> list[KTensor]:
    """Adapter for the kinds not yet moved into their own module (kerasio.exporting.ExportNode →
    this table's ExportNode, which reads a state_dict)."""
    from ..kerasio.exporting import array

    sd = {k: array(v) for k, v in node.module.state_dict().items()}
    old = ExportNode(b=node.b, id=node.id, name=node.name, layer=layer, inputs=node.inputs,
                     input_shapes=node.input_shapes, output_shapes=node.output_shapes, sd=sd,
                     perm_ok=node.perm_ok)
    return KERAS[layer.kind()].to_keras(old)


class LegacyImportNode(ImportNode):
    """Adapter for the kinds not yet moved: their importers return state_dict entries by key."""

    def node(self, kind: str, params: dict[str, Any], state: Any = None,  # type: ignore[override]
             inputs: list[Any] | None = None, suffix: str = "") -> list[Any]:
        fn = state if callable(state) or state is None else (lambda s=state: s)

        def load(module: Any) -> None:
            tensors = module.state_dict(keep_vars=True)
            for key, arr in fn().items():
                if key not in tensors:
                    raise self.fail(f"no weight '{key}' in netcanvas's {kind}")
                self.set(tensors[key], arr, key)

        return super().node(kind, params, None if fn is None else load, inputs, suffix)
