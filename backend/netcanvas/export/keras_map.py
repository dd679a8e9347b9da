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

from ..layers import Layer, Shape, fmt
from ..layers.base import resolve_axis
from .keras_model import KerasExportError, KerasModelBuilder, KTensor
from .layout import flatten_perm, is_image, keras_axis, to_channels_first_dims, to_netcanvas_shape


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


@mapping("Dense", "Dense")
def _dense(n: ExportNode) -> list[KTensor]:
    (x,) = n.inputs
    kernel = n.sd["linear.weight"].T  # (in, out)
    if x.perm is not None:
        kernel = kernel[x.perm]
    weights = [("kernel", kernel)]
    if n.layer.use_bias:
        weights.append(("bias", n.sd["linear.bias"]))
    cfg = {"units": n.layer.units, "activation": n.layer.activation, "use_bias": n.layer.use_bias}
    return n.add("Dense", cfg, weights=weights)


def _elementwise_out(n: ExportNode, outs: list[KTensor]) -> list[KTensor]:
    for o in outs:
        o.perm = n.inputs[0].perm
    return outs


@mapping("Activation", "Activation", elementwise=True)
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


def unsupported_message(node_id: str, kind: str, shape: Shape | None = None) -> str:
    where = f" (input {fmt(shape)})" if shape else ""
    return (f"Node '{node_id}' is a {kind}{where}, which has no Keras counterpart in netcanvas's Keras "
            "export; remove it or download model.onnx / model.pt instead.")


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
