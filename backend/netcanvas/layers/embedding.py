"""Embedding: token ids → learned vectors (Keras's Embedding, `mask_zero` included)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
from pydantic import PositiveInt
from torch import nn

from .base import Layer, ParamCount, Shape, ShapeError, fmt, register, required
from .initializers import embedding_

if TYPE_CHECKING:
    from ..kerasio.exporting import ExportNode
    from ..kerasio.importing import ImportNode, Value
    from ..kerasio.model import KTensor


class EmbeddingModule(nn.Module):
    def __init__(self, input_dim: int, output_dim: int):
        super().__init__()
        self.embedding = embedding_(nn.Embedding(input_dim, output_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.embedding(x.long())


@register
class Embedding(Layer):
    """Turns token ids (integers below input_dim) into learned vectors: (time,) → (time, output_dim)."""

    keras_classes = ("Embedding",)
    token_inputs = True
    dtypes = "int"
    examples = (
        ({"input_dim": 10, "output_dim": 3}, [(5,)]),
        ({"input_dim": 7, "output_dim": 4, "mask_zero": True}, [(None,)]),
    )
    notes = ("mask_zero=True masks the steps whose id is 0 for the layers after it, as in Keras: recurrent "
             "layers skip them, GlobalAveragePooling1D leaves them out (see graph/compile.py). Keras 2's "
             "input_length is accepted on import; regularizers, constraints, LoRA and sparse are refused.")

    input_dim: PositiveInt = required(1000)
    output_dim: PositiveInt = required(32)
    mask_zero: bool = False

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        (x,) = inputs
        if len(x) == 3:
            raise ShapeError(f"Embedding expects token ids (time,), got the image {fmt(x)}: use Flatten and "
                             "Dense for images.")
        return [x + (self.output_dim,)]

    def build(self, inputs: list[Shape]) -> nn.Module:
        return EmbeddingModule(self.input_dim, self.output_dim)

    def param_count(self, inputs: list[Shape]) -> ParamCount:
        return ParamCount(self.input_dim * self.output_dim)

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        n.plain_inputs()
        cfg = {"input_dim": self.input_dim, "output_dim": self.output_dim, "mask_zero": self.mask_zero}
        module: Any = n.module
        return n.add("Embedding", cfg, weights=[("embeddings", module.embedding.weight)])

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        cfg = n.cfg
        for key in ("lora_rank", "sparse"):
            if cfg.get(key):
                raise n.fail(f"{key}={cfg[key]!r} is not supported")
        if cfg.get("quantization_config") is not None:
            raise n.fail("quantization_config is not supported")
        length = cfg.get("input_length")  # Keras 2: the sequence length, which the Input already says
        (x,) = n.inputs
        if length is not None and len(x.shape) == 1 and x.shape[0] not in (None, int(length)):
            raise n.fail(f"input_length={length} disagrees with its input {fmt(x.shape)}")

        def load(m: Any) -> None:
            n.set(m.embedding.weight, n.weight(0), "embeddings")

        params = {"input_dim": int(cfg["input_dim"]), "output_dim": int(cfg["output_dim"]),
                  "mask_zero": bool(cfg.get("mask_zero", False))}
        _token_ids_input(n)
        return n.node("Embedding", params, load)


def _token_ids_input(n: ImportNode) -> None:
    """Keras's Embedding casts what it reads to int, so Keras models often declare a float32 Input of
    token ids (keras.Input's default dtype); netcanvas's Embedding reads int64 (graph/analyze.py): the
    Input it reads (through layers that only move ids, such as Reshape) becomes int64."""
    from .base import REGISTRY

    specs = {s.id: s for s in n.b.specs}
    spec = specs.get(n.inputs[0].node) if n.inputs else None
    while spec is not None and spec.kind != "Input" and REGISTRY[spec.kind].dtypes == "same" and len(spec.inputs) == 1:
        spec = specs.get(spec.inputs[0].node)
    if spec is not None and spec.kind == "Input" and spec.params.get("dtype") == "float32":
        spec.params["dtype"] = "int64"
