"""What every layer kind declares: Keras-named params, a shape rule, a torch builder, its Keras side.

A layer kind is a pydantic model (its fields are the layer's parameters, with Keras names and
defaults) registered once with `@register`, in its own module under `layers/` (a tight family may
share one). Everything else — the palette, validation, compile, code generation, export, import —
reads the registry. See docs/layers.md, "Adding a layer kind".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import torch
from pydantic import BaseModel, ConfigDict
from torch import nn

if TYPE_CHECKING:
    from ..kerasio.exporting import ExportNode
    from ..kerasio.importing import ImportNode, Value
    from ..kerasio.model import KTensor

# A shape excludes the batch axis; None is a variable length (a sequence of any length).
Shape = tuple[int | None, ...]
# What a kind computes on (Layer.dtypes).
DtypeRule = Literal["float", "int", "same", "cast"]

FAMILIES = (
    "input", "core", "reshaping", "convolution", "pooling", "recurrent", "normalization", "merge",
    "activation", "noise", "augmentation", "preprocessing", "attention", "wrapper",
)


class ShapeError(ValueError):
    """An input shape this layer cannot take; the message says the fix in a learner's words."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def naming(self, sources: list[str]) -> str:
        """The message with the nodes that feed input 1, 2, … named (`sources`: their ids, in input
        order), for graph analysis; a kind whose message points at one input says so (layers/merge.py)."""
        return self.message


@dataclass(frozen=True)
class ParamCount:
    """Parameters as Keras's model.summary() counts them."""

    trainable: int = 0
    non_trainable: int = 0

    @property
    def total(self) -> int:
        return self.trainable + self.non_trainable

    def __add__(self, other: ParamCount) -> ParamCount:
        return ParamCount(self.trainable + other.trainable, self.non_trainable + other.non_trainable)


def module_counts(module: nn.Module) -> ParamCount:
    """Keras's counts of a built module: parameters that learn are trainable; frozen parameters and
    persistent floating-point buffers (BatchNormalization's moving statistics, Normalization's
    mean and variance) are non-trainable. Integer buffers (num_batches_tracked) and non-persistent
    ones are not weights Keras would have."""
    trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
    frozen = sum(p.numel() for p in module.parameters() if not p.requires_grad)
    buffers = 0
    for mod in module.modules():
        skip = mod._non_persistent_buffers_set
        buffers += sum(b.numel() for name, b in mod.named_buffers(recurse=False)
                       if name not in skip and b is not None and b.is_floating_point())
    return ParamCount(trainable, frozen + buffers)


class Layer(BaseModel):
    """Base of every layer kind. Subclasses set the ClassVars and the methods.

    The Keras side (optional; a kind with no `keras_classes` has no Keras counterpart and export
    names the node): `to_keras` writes the node into the Keras model being built, reading weights
    from the built module's attributes; `from_keras` (a classmethod) turns one Keras layer of a
    class in `keras_classes` back into node(s), loading weights into the built module's attributes.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    family: ClassVar[str] = "core"
    min_inputs: ClassVar[int] = 1
    max_inputs: ClassVar[int | None] = 1  # None: any number

    # Keras classes this kind exports to (the first) and imports from (all).
    keras_classes: ClassVar[tuple[str, ...]] = ()
    # Output keeps the input's element order (a Flatten permutation may pass through, kerasio.perm).
    elementwise: ClassVar[bool] = False
    # Reads a flat vector through a kernel whose rows can be reordered (Dense).
    absorbs_flat_perm: ClassVar[bool] = False
    # (params, input shapes) the contract harness and the Keras round trip draw from; shapes in
    # netcanvas's layout, batch excluded.
    examples: ClassVar[tuple[tuple[dict[str, Any], list[Shape]], ...]] = ()
    # Reads token ids (Embedding): the harness feeds integers below the `input_dim` param.
    token_inputs: ClassVar[bool] = False
    # The dtypes this kind's module computes on (graph/analyze.py follows them from the Inputs):
    # "float" (the default: float32 in, float32 out), "int" (int64 token ids in, float32 out:
    # Embedding), "same" (moves, pads or joins elements, which torch does on ints too: the output has
    # the inputs' dtype, and several inputs must agree), "cast" (either in, float32 out: Rescaling).
    dtypes: ClassVar[DtypeRule] = "float"
    # Port names the canvas shows (empty: numbered, as merges are); inputs beyond `min_inputs` optional.
    input_names: ClassVar[tuple[str, ...]] = ()
    output_names: ClassVar[tuple[str, ...]] = ()
    # What a Keras user should know about this kind in netcanvas (layout, refused options): docs/layers.md.
    notes: ClassVar[str] = ""

    @classmethod
    def kind(cls) -> str:
        return cls.__name__

    @classmethod
    def doc(cls) -> str:
        return (cls.__doc__ or "").strip().split("\n")[0]

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        """Output shape of each output port, from the input shapes (batch axis excluded).

        Raise ShapeError with a sentence a learner understands when the inputs do not fit.
        """
        raise NotImplementedError

    def build(self, inputs: list[Shape]) -> nn.Module:
        """The torch module; its forward takes the inputs positionally, in port order."""
        raise NotImplementedError

    def param_count(self, inputs: list[Shape]) -> ParamCount:
        """Keras's counts for this node. The default builds the module on the meta device (no
        memory); kinds with weights override it with the formula, which validation of big graphs
        needs to stay fast (the contract harness checks the formula against the built module).
        Built counts are memoised per (kind, params, input shapes): a canvas revalidates the same
        nodes on every edit."""
        key = (type(self), self.model_dump_json(), tuple(tuple(s) for s in inputs))
        got = _COUNTS.get(key)
        if got is None:
            with torch.device("meta"):
                got = module_counts(self.build(inputs))
            if len(_COUNTS) >= _COUNTS_MAX:
                _COUNTS.clear()
            _COUNTS[key] = got
        return got

    def macs(self, inputs: list[Shape], outputs: list[Shape]) -> int:
        """Multiply-adds for one sample, as keras-flops / torch's FlopCounterMode count them (flops =
        2·MACs of the matmuls and convolutions). Only layers with a kernel cost anything: elementwise
        and shape-only layers (activations, normalisation, pooling, merges, reshapes) count 0, as
        those counters do. A None length counts as 1 (graph/cost.py)."""
        return 0

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        raise NotImplementedError(f"{self.kind()} has no Keras counterpart")

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        raise NotImplementedError(f"{cls.kind()} cannot be imported from Keras")


REGISTRY: dict[str, type[Layer]] = {}
_COUNTS: dict[tuple[Any, ...], ParamCount] = {}
_COUNTS_MAX = 50_000


def register(cls: type[Layer]) -> type[Layer]:
    assert cls.family in FAMILIES, f"{cls.__name__}: unknown family {cls.family}"
    assert cls.kind() not in REGISTRY, f"{cls.kind()} registered twice"
    REGISTRY[cls.kind()] = cls
    return cls


def known(dims: tuple[int | None, ...]) -> int:
    """The product of sizes, a variable (None) length counted as 1: what MACs are counted at."""
    out = 1
    for d in dims:
        out *= d if d is not None else 1
    return out


def fmt(shape: Shape) -> str:
    """A shape as a learner reads it: (64, 4, 4), with None for variable lengths."""
    inner = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def feature_axis(rank: int) -> int:
    """Feature axis of netcanvas's own layout, counting the batch axis as Keras does.

    Images (C, H, W) keep features in channels (axis 1); vectors and sequences in the last axis.
    """
    return 1 if rank == 3 else rank


def resolve_axis(axis: int | None, rank: int, field: str = "axis") -> int:
    """A Keras axis (batch counted, negatives allowed, None = feature axis) → index into a shape
    without the batch axis."""
    if axis is None:
        axis = feature_axis(rank)
    full = rank + 1
    if not -full <= axis < full or axis % full == 0:
        raise ShapeError(
            f"axis {axis} does not exist for inputs of rank {rank} (valid: 1..{rank} or -{rank}..-1; "
            "axis 0 is the batch).",
            field,
        )
    return (axis % full) - 1


def expect_rank(layer: str, shape: Shape, ranks: tuple[int, ...], hint: str = "") -> None:
    if len(shape) not in ranks:
        want = " or ".join(str(r) for r in ranks)
        raise ShapeError(
            f"{layer} expects an input of rank {want} (batch axis excluded), got {fmt(shape)}."
            + (f" {hint}" if hint else "")
        )


def schema_entry(cls: type[Layer]) -> dict[str, Any]:
    """What /api/layers serves for one kind."""
    schema = cls.model_json_schema()
    defaults = {}
    for name, field in cls.model_fields.items():
        if not field.is_required():
            defaults[name] = field.get_default(call_default_factory=True)
        elif isinstance(field.json_schema_extra, dict) and "palette_default" in field.json_schema_extra:
            defaults[name] = field.json_schema_extra["palette_default"]
    return {
        "type": cls.kind(),
        "family": cls.family,
        "doc": cls.doc(),
        "min_inputs": cls.min_inputs,
        "max_inputs": cls.max_inputs,
        "input_names": list(cls.input_names),
        "output_names": list(cls.output_names),
        "params_schema": schema,
        "defaults": defaults,
    }


def required(example: Any, **kwargs: Any) -> Any:
    """A parameter Keras requires (Dense units); `example` is what a palette drop starts with."""
    from pydantic import Field

    return Field(..., json_schema_extra={"palette_default": example}, **kwargs)
