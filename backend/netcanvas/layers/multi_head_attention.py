"""MultiHeadAttention: num_heads scaled dot-product attentions over learned projections of the
query, key and value sequences, concatenated and projected back — Keras 3's layer exactly.

Ports: query (T, dim), value (S, dim_v), key (S, dim_k), optional (defaults to the value).
Output (T, output_shape or dim); with return_attention_scores a second port carries the
weights of every head, (num_heads, T, S). Module: `.query`, `.key`, `.value`,
`.attention_output` (torch Linear). Keras's EinsumDense kernels are (dim, num_heads, key_dim) and
(num_heads, value_dim, dim): a Linear's weight is that kernel flattened to (dim, heads·key_dim)
and transposed; biases (num_heads, key_dim) are flattened.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from pydantic import Field, PositiveInt
from torch import nn

from ..kerasio.layout import to_channels_first_dims, to_channels_last_dims, to_netcanvas_shape
from ..kerasio.model import placeholder
from .attention import MASKED, read_call_kwargs
from .base import Layer, ParamCount, Shape, ShapeError, fmt, known, register, required
from .initializers import glorot_

if TYPE_CHECKING:
    from ..kerasio.exporting import ExportNode
    from ..kerasio.importing import ImportNode, Value
    from ..kerasio.model import KTensor


class MultiHeadAttentionModule(nn.Module):
    def __init__(self, dims: tuple[int, int, int], num_heads: int, key_dim: int, value_dim: int, out_dim: int,
                 use_bias: bool, dropout: float, causal: bool, sliding_window: int | None, return_scores: bool):
        super().__init__()
        dq, dv, dk = dims
        self.query = glorot_(nn.Linear(dq, num_heads * key_dim, bias=use_bias))
        self.key = glorot_(nn.Linear(dk, num_heads * key_dim, bias=use_bias))
        self.value = glorot_(nn.Linear(dv, num_heads * value_dim, bias=use_bias))
        self.attention_output = glorot_(nn.Linear(num_heads * value_dim, out_dim, bias=use_bias))
        self.num_heads = num_heads
        self.key_dim = key_dim
        self.value_dim = value_dim
        self.dropout = dropout
        self.causal = causal
        self.sliding_window = sliding_window
        self.return_scores = return_scores

    def forward(self, query: torch.Tensor, value: torch.Tensor,
                key: torch.Tensor | None = None) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        if key is None:
            key = value
        b, t, s = query.shape[0], query.shape[1], value.shape[1]
        q = self.query(query).reshape(b, t, self.num_heads, self.key_dim) * (1.0 / math.sqrt(self.key_dim))
        k = self.key(key).reshape(b, s, self.num_heads, self.key_dim)
        v = self.value(value).reshape(b, s, self.num_heads, self.value_dim)
        scores = torch.einsum("bsnk,btnk->bnts", k, q)
        if self.causal or self.sliding_window is not None:
            rows = torch.arange(t, device=scores.device).unsqueeze(-1)
            cols = torch.arange(s, device=scores.device)
            allowed = rows >= cols if self.causal else torch.ones(t, s, dtype=torch.bool, device=scores.device)
            if self.sliding_window is not None:
                allowed = allowed & ((rows - cols).abs() < self.sliding_window)
            scores = scores - (~allowed).to(scores.dtype) * MASKED  # Keras's masked Softmax
        weights = torch.softmax(scores, dim=-1)
        mixed = torch.einsum("bnts,bsnv->btnv", F.dropout(weights, self.dropout, self.training), v)
        out = self.attention_output(mixed.reshape(b, t, self.num_heads * self.value_dim))
        if self.return_scores:
            return out, weights  # Keras returns the weights before dropout
        return out


def _keras_array(n: ExportNode, t: torch.Tensor, shape: tuple[int, ...], transpose: bool) -> np.ndarray:
    """A Linear's weight (transposed) or bias in the EinsumDense's shape; a placeholder stays one."""
    a = n.array(t)
    if placeholder(a):
        return np.broadcast_to(np.zeros((), np.float32), shape)
    return (a.T if transpose else a).reshape(shape)


SUPPORTED_AXES = (None, [1], [-2], 1, -2)  # attention over the time axis, as Keras resolves None


@register
class MultiHeadAttention(Layer):
    """Multi-head attention (Transformers): num_heads attentions over projected query, key and value."""

    family = "attention"
    min_inputs = 2
    max_inputs = 3
    keras_classes = ("MultiHeadAttention",)
    input_names = ("query", "value", "key")
    output_names = ("out", "scores")  # scores with return_attention_scores
    # Keras's call(query, value, key): tensors it may receive by name, in port order.
    keras_call_inputs: ClassVar[tuple[str, ...]] = ("query", "value", "key")
    examples = (
        ({"num_heads": 2, "key_dim": 3}, [(4, 5), (6, 3)]),
        ({"num_heads": 3, "key_dim": 2, "value_dim": 4, "use_bias": False}, [(4, 5), (6, 3), (6, 2)]),
        ({"num_heads": 1, "key_dim": 4, "output_shape": 7, "use_causal_mask": True}, [(5, 6), (5, 6)]),
        ({"num_heads": 2, "key_dim": 2, "return_attention_scores": True, "dropout": 0.1}, [(3, 4), (5, 4)]),
        ({"num_heads": 2, "key_dim": 3, "sliding_window": 2, "use_causal_mask": True}, [(6, 4), (6, 4)]),
    )
    notes = ("Inputs on ports query, value and (optional) key, sequences (time, features). Keras's call "
             "arguments use_causal_mask and return_attention_scores are params; the scores (port 2) are "
             "(num_heads, T, S), which export and import move to and from Keras's layout (a Permute). "
             "attention_axes must be the time axis (Keras's default), output_shape one size; use_gate, "
             "masks (query_mask, value_mask, key_mask, attention_mask), regularizers and constraints "
             "are refused. flash_attention only picks torch's kernel and is not kept.")

    num_heads: PositiveInt = required(2)
    key_dim: PositiveInt = required(16)
    value_dim: PositiveInt | None = None
    dropout: float = Field(0.0, ge=0.0, lt=1.0)
    use_bias: bool = True
    output_shape: PositiveInt | None = None
    sliding_window: PositiveInt | None = None
    use_causal_mask: bool = False
    return_attention_scores: bool = False

    def _dims(self, inputs: list[Shape]) -> tuple[int, int, int]:
        names = ("query", "value", "key")
        for name, s in zip(names, inputs, strict=False):
            if len(s) != 2:
                raise ShapeError(
                    f"MultiHeadAttention expects sequences (time, features) on each input, got {name} {fmt(s)}: "
                    + ("reshape the image to (positions, channels) first, e.g. Reshape then Permute."
                       if len(s) == 3 else "add a Reshape to (time, features) first."))
            if s[1] is None:
                raise ShapeError(f"MultiHeadAttention needs a known feature size on the {name}, got {fmt(s)}.")
        v = inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        if k[0] != v[0]:  # a variable length (None) against a fixed one fits only that one length
            raise ShapeError(f"MultiHeadAttention: key {fmt(k)} and value {fmt(v)} must have the same number "
                             "of time steps" + (" (a variable length on both, or the same fixed length)."
                                                if None in (k[0], v[0]) else "."))
        dq, dv, dk = inputs[0][1], v[1], k[1]
        assert dq is not None and dv is not None and dk is not None
        return dq, dv, dk

    @property
    def _value_dim(self) -> int:
        return self.value_dim or self.key_dim

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        dq, _, _ = self._dims(inputs)
        t, s = inputs[0][0], inputs[1][0]
        out: list[Shape] = [(t, self.output_shape or dq)]
        if self.return_attention_scores:
            out.append((self.num_heads, t, s))
        return out

    def build(self, inputs: list[Shape]) -> nn.Module:
        dims = self._dims(inputs)
        return MultiHeadAttentionModule(dims, self.num_heads, self.key_dim, self._value_dim,
                                        self.output_shape or dims[0], self.use_bias, self.dropout,
                                        self.use_causal_mask, self.sliding_window, self.return_attention_scores)

    def param_count(self, inputs: list[Shape]) -> ParamCount:
        dq, dv, dk = self._dims(inputs)
        h, kd, vd, out = self.num_heads, self.key_dim, self._value_dim, self.output_shape or dq
        kernels = (dq + dk) * h * kd + dv * h * vd + h * vd * out
        biases = (2 * h * kd + h * vd + out) if self.use_bias else 0
        return ParamCount(kernels + biases)

    def macs(self, inputs: list[Shape], outputs: list[Shape]) -> int:
        # the four projections, then per head the scores q·kᵀ (T·S·key_dim) and scores·v (T·S·value_dim)
        dq, dv, dk = self._dims(inputs)
        t, s = known(inputs[0][:1]), known(inputs[1][:1])
        h, kd, vd, out = self.num_heads, self.key_dim, self._value_dim, self.output_shape or dq
        projections = t * dq * h * kd + s * dk * h * kd + s * dv * h * vd + t * h * vd * out
        return projections + h * t * s * (kd + vd)

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        n.plain_inputs()
        m: Any = n.module
        h, kd, vd = self.num_heads, self.key_dim, self._value_dim
        dq, dv, dk = self._dims(n.input_shapes)
        out = self.output_shape or dq
        weights: list[tuple[str, Any]] = []
        for name, lin, fan_in, width in (("query", m.query, dq, kd), ("key", m.key, dk, kd), ("value", m.value, dv, vd)):
            weights.append((f"{name}/kernel", _keras_array(n, lin.weight, (fan_in, h, width), True)))
            if self.use_bias:
                weights.append((f"{name}/bias", _keras_array(n, lin.bias, (h, width), False)))
        weights.append(("attention_output/kernel", _keras_array(n, m.attention_output.weight, (h, vd, out), True)))
        if self.use_bias:
            weights.append(("attention_output/bias", m.attention_output.bias))
        cfg: dict[str, Any] = {"num_heads": h, "key_dim": kd, "value_dim": vd, "dropout": self.dropout,
                               "use_bias": self.use_bias,
                               "output_shape": None if self.output_shape is None else [self.output_shape],
                               "attention_axes": None}
        if self.sliding_window is not None:  # a Keras 3.12+ option: older Keras would not read the key
            cfg["sliding_window"] = self.sliding_window
        kwargs = {k: True for k in ("use_causal_mask", "return_attention_scores") if getattr(self, k)}
        shapes = list(n.output_shapes)
        if self.return_attention_scores:  # Keras's (heads, T, S) is not the channels-last of netcanvas's
            shapes[1] = to_netcanvas_shape(tuple(shapes[1]))
        outs = n.add("MultiHeadAttention", cfg, weights=weights, out_shapes=shapes, call_kwargs=kwargs)
        if self.return_attention_scores:
            outs[1] = n.add("Permute", {"dims": list(to_channels_last_dims(3))}, inputs=[outs[1]],
                            out_shapes=[n.output_shapes[1]], suffix="_scores")[0]
        return outs

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        cfg = n.cfg
        if cfg.get("use_gate"):
            raise n.fail("use_gate=True is not supported")
        axes = cfg.get("attention_axes")
        if axes not in SUPPORTED_AXES:
            raise n.fail(f"attention_axes={axes!r} is not supported (netcanvas attends over the time axis)")
        shape = cfg.get("output_shape")
        if isinstance(shape, list):
            if len(shape) != 1:
                raise n.fail(f"output_shape={shape!r} (several axes) is not supported: use one size")
            shape = shape[0]
        params = {"num_heads": cfg["num_heads"], "key_dim": cfg["key_dim"], "value_dim": cfg.get("value_dim"),
                  "dropout": float(cfg.get("dropout", 0.0)), "use_bias": bool(cfg.get("use_bias", True)),
                  "output_shape": shape, "sliding_window": cfg.get("sliding_window"),
                  **read_call_kwargs(n, cls.keras_call_inputs)}
        if params["value_dim"] == params["key_dim"]:
            params["value_dim"] = None  # Keras saves the value_dim it defaulted to the key_dim
        use_bias = params["use_bias"]

        def load(m: Any) -> None:
            i = 0
            for lin in (m.query, m.key, m.value, m.attention_output):
                kernel = n.weight(i)
                n.set(lin.weight, kernel.reshape(lin.in_features, lin.out_features).T, "kernel")
                i += 1
                if use_bias:
                    n.set(lin.bias, n.weight(i).reshape(-1), "bias")
                    i += 1

        outs = n.node("MultiHeadAttention", params, load)
        if params.get("return_attention_scores"):
            # netcanvas's (heads, T, S) → the tensor whose channels-last form is Keras's (heads, T, S)
            outs[1] = n.node("Permute", {"dims": list(to_channels_first_dims(3))}, inputs=[outs[1]],
                             suffix="_scores")[0]
        return outs
