"""Attention (Luong, dot or concat scores) and AdditiveAttention (Bahdanau): a query sequence
reads a value sequence, weighted by query·key scores — Keras 3's layers exactly.

Ports: query (Tq, dim), value (Tv, dim_v), key (Tv, dim), optional (Keras's [query, value, key]
list; the key defaults to the value). Output (Tq, dim_v); with return_attention_scores a second
port carries the attention weights (Tq, Tv). Keras's call arguments use_causal_mask and
return_attention_scores are params here; the Keras file keeps them in the call (inbound node).
Module: `.scale` (Attention: scalar; AdditiveAttention: (dim,)), `.concat_score_weight`
(Attention, score_mode="concat").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import torch
import torch.nn.functional as F
from pydantic import Field
from torch import nn

from .base import Layer, ParamCount, Shape, ShapeError, fmt, register

if TYPE_CHECKING:
    from ..kerasio.exporting import ExportNode
    from ..kerasio.importing import ImportNode, Value
    from ..kerasio.model import KTensor

# Keras's _apply_scores: masked scores get this subtracted (not -inf) before the softmax.
MASKED = 1.0e9


class AttentionModule(nn.Module):
    """Scores (dot, concat or additive) → causal mask → softmax → dropout → weights · value."""

    def __init__(self, score_mode: str, scale_shape: tuple[int, ...] | None, dropout: float, causal: bool,
                 return_scores: bool):
        super().__init__()
        self.score_mode = score_mode  # "dot", "concat" (Attention) or "additive"
        self.dropout = dropout
        self.causal = causal
        self.return_scores = return_scores
        if scale_shape is None:
            self.register_parameter("scale", None)
        else:
            self.scale = nn.Parameter(torch.ones(scale_shape))
            if scale_shape and not self.scale.is_meta:  # AdditiveAttention's (dim,): glorot_uniform,
                with torch.no_grad():  # Keras's fans of a vector are dim and dim
                    nn.init.uniform_(self.scale, -(3.0 / scale_shape[0]) ** 0.5, (3.0 / scale_shape[0]) ** 0.5)
        if score_mode == "concat":
            self.concat_score_weight = nn.Parameter(torch.ones(()))
        else:
            self.register_parameter("concat_score_weight", None)

    def forward(self, query: torch.Tensor, value: torch.Tensor,
                key: torch.Tensor | None = None) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        if key is None:
            key = value
        if self.score_mode == "dot":
            scores = torch.matmul(query, key.transpose(-2, -1))
            if self.scale is not None:
                scores = scores * self.scale
        else:
            pair = query.unsqueeze(-2) + key.unsqueeze(-3)  # (N, Tq, Tv, dim)
            if self.score_mode == "additive":
                scores = (torch.tanh(pair) * (1.0 if self.scale is None else self.scale)).sum(-1)
            else:
                if self.scale is not None:
                    pair = pair * self.scale
                scores = self.concat_score_weight * torch.tanh(pair).sum(-1)
        if self.causal:  # step i attends to steps j <= i
            rows = torch.arange(scores.shape[-2], device=scores.device).unsqueeze(-1)
            cols = torch.arange(scores.shape[-1], device=scores.device)
            scores = torch.where(rows >= cols, scores, scores - MASKED)
        weights = F.dropout(torch.softmax(scores, dim=-1), self.dropout, self.training)
        out = torch.matmul(weights, value)
        if self.return_scores:
            return out, weights  # Keras returns the weights after dropout
        return out


def _sequences(kind: str, inputs: list[Shape]) -> tuple[Shape, Shape, Shape]:
    names = ("query", "value", "key")
    for name, s in zip(names, inputs, strict=False):
        if len(s) != 2:
            raise ShapeError(
                f"{kind} expects sequences (time, features) on each input, got {name} {fmt(s)}: "
                + ("flatten the image or reshape it to (positions, channels) first." if len(s) == 3 else
                   "add a Reshape to (time, features) first." if len(s) == 1 else "reshape it to (time, features)."))
        if s[1] is None:
            raise ShapeError(f"{kind} needs a known feature size on the {name}, got {fmt(s)}.")
    q, v = inputs[0], inputs[1]
    k = inputs[2] if len(inputs) > 2 else v
    if k[0] != v[0]:  # a variable length (None) against a fixed one fits only that one length
        raise ShapeError(f"{kind}: key {fmt(k)} and value {fmt(v)} must have the same number of time steps"
                         + (" (a variable length on both, or the same fixed length)." if None in (k[0], v[0]) else "."))
    if q[1] != k[1]:
        which = "key" if len(inputs) > 2 else "value"
        also = "" if len(inputs) > 2 else " (the value is also the key when no key is wired)"
        raise ShapeError(
            f"{kind} compares the query with the key feature by feature, but the query has {q[1]} features "
            f"and the {which} has {k[1]}{also}: add a Dense({q[1]}) on the {which}, or a Dense({k[1]}) "
            "on the query.")
    return q, v, k


def _outputs(layer: Any, inputs: list[Shape]) -> list[Shape]:
    q, v, k = _sequences(layer.kind(), inputs)
    out: list[Shape] = [(q[0], v[1])]
    if layer.return_attention_scores:
        out.append((q[0], k[0]))
    return out


def _call_kwargs(layer: Any) -> dict[str, Any]:
    """The call arguments Keras keeps in the inbound node (only those that differ from False)."""
    return {k: True for k in ("use_causal_mask", "return_attention_scores") if getattr(layer, k)}


CALL_OPTIONS = ("use_causal_mask", "return_attention_scores")


def read_call_kwargs(n: ImportNode, tensors: tuple[str, ...] = ()) -> dict[str, bool]:
    """use_causal_mask / return_attention_scores from the inbound node; any other call argument
    that would change the result is refused by name (training=True would keep dropout on)."""
    kwargs = n.call_kwargs
    out = {}
    for key, value in kwargs.items():
        if key in CALL_OPTIONS:
            out[key] = bool(value)
        elif key in tensors or value is None or (key == "training" and value is False):
            continue
        else:
            raise n.fail(f"it is called with {key}={value!r}, which netcanvas does not support")
    return out


@register
class Attention(Layer):
    """Dot-product (Luong) attention: softmax(query · keyᵀ) · value, over (time, features) sequences."""

    family = "attention"
    min_inputs = 2
    max_inputs = 3
    keras_classes = ("Attention",)
    input_names = ("query", "value", "key")
    output_names = ("out", "scores")  # scores with return_attention_scores
    examples = (
        ({}, [(4, 3), (5, 3)]),
        ({"use_scale": True}, [(4, 3), (5, 2), (5, 3)]),  # a separate key
        ({"use_scale": True, "score_mode": "concat"}, [(3, 4), (6, 4)]),
        ({"score_mode": "concat", "use_causal_mask": True}, [(5, 3), (5, 3)]),
        ({"use_causal_mask": True, "return_attention_scores": True, "dropout": 0.2}, [(4, 3), (6, 2), (6, 3)]),
    )
    notes = ("Inputs on ports query, value and (optional) key, sequences (time, features); Keras's "
             "call arguments use_causal_mask and return_attention_scores are params (the scores are "
             "port 2, (Tq, Tv)). Keras masks (mask=[query_mask, value_mask], mask_zero Embeddings) are "
             "not supported. seed only picks dropout's random numbers and is not kept.")

    use_scale: bool = False
    score_mode: Literal["dot", "concat"] = "dot"
    dropout: float = Field(0.0, ge=0.0, lt=1.0)
    use_causal_mask: bool = False
    return_attention_scores: bool = False

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        return _outputs(self, inputs)

    def build(self, inputs: list[Shape]) -> nn.Module:
        _sequences(self.kind(), inputs)
        return AttentionModule(self.score_mode, () if self.use_scale else None, self.dropout,
                               self.use_causal_mask, self.return_attention_scores)

    def param_count(self, inputs: list[Shape]) -> ParamCount:
        _sequences(self.kind(), inputs)
        return ParamCount(int(self.use_scale) + int(self.score_mode == "concat"))

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        n.plain_inputs()
        m: Any = n.module
        weights = ([("scale", m.scale)] if self.use_scale else []) + (
            [("concat_score_weight", m.concat_score_weight)] if self.score_mode == "concat" else [])
        cfg = {"use_scale": self.use_scale, "score_mode": self.score_mode, "dropout": self.dropout, "seed": None}
        return n.add("Attention", cfg, weights=weights, merge=True, call_kwargs=_call_kwargs(self))

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        cfg = n.cfg
        params = {"use_scale": bool(cfg.get("use_scale", False)), "score_mode": cfg.get("score_mode", "dot"),
                  "dropout": float(cfg.get("dropout", 0.0)), **read_call_kwargs(n)}

        def load(m: Any) -> None:
            i = 0
            if params["use_scale"]:
                n.set(m.scale, n.weight(i), "scale")
                i += 1
            if params["score_mode"] == "concat":
                n.set(m.concat_score_weight, n.weight(i), "concat_score_weight")

        return n.node("Attention", params, load)


@register
class AdditiveAttention(Layer):
    """Additive (Bahdanau) attention: softmax(Σ scale·tanh(query + key)) · value, over sequences."""

    family = "attention"
    min_inputs = 2
    max_inputs = 3
    keras_classes = ("AdditiveAttention",)
    input_names = ("query", "value", "key")
    output_names = ("out", "scores")  # scores with return_attention_scores
    examples = (
        ({}, [(4, 3), (5, 3)]),
        ({"use_scale": False}, [(4, 3), (5, 2), (5, 3)]),
        ({"use_causal_mask": True, "return_attention_scores": True}, [(5, 4), (5, 4)]),
        ({"dropout": 0.3}, [(2, 6), (3, 5), (3, 6)]),
    )
    notes = ("Inputs on ports query, value and (optional) key, sequences (time, features); Keras's "
             "call arguments use_causal_mask and return_attention_scores are params (the scores are "
             "port 2, (Tq, Tv)). Keras masks are not supported.")

    use_scale: bool = True
    dropout: float = Field(0.0, ge=0.0, lt=1.0)
    use_causal_mask: bool = False
    return_attention_scores: bool = False

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        return _outputs(self, inputs)

    def _dim(self, inputs: list[Shape]) -> int:
        q, _, _ = _sequences(self.kind(), inputs)
        assert q[1] is not None
        return q[1]

    def build(self, inputs: list[Shape]) -> nn.Module:
        dim = self._dim(inputs)
        return AttentionModule("additive", (dim,) if self.use_scale else None, self.dropout,
                               self.use_causal_mask, self.return_attention_scores)

    def param_count(self, inputs: list[Shape]) -> ParamCount:
        return ParamCount(self._dim(inputs) if self.use_scale else 0)

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        n.plain_inputs()
        weights = [("scale", n.module.scale)] if self.use_scale else []
        cfg = {"use_scale": self.use_scale, "dropout": self.dropout, "seed": None}
        return n.add("AdditiveAttention", cfg, weights=weights, merge=True, call_kwargs=_call_kwargs(self))

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        cfg = n.cfg
        params = {"use_scale": bool(cfg.get("use_scale", True)), "dropout": float(cfg.get("dropout", 0.0)),
                  **read_call_kwargs(n)}

        def load(m: Any) -> None:
            if params["use_scale"]:
                n.set(m.scale, n.weight(0), "scale")

        return n.node("AdditiveAttention", params, load)
