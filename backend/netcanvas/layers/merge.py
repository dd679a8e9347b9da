"""Layers that join several tensors: Concatenate, Add, Subtract, Multiply, Average, Maximum,
Minimum, Dot.

Keras merges are called on a list of tensors. Concatenate's `axis` counts the batch axis and is
in netcanvas's layout (None: the feature axis, channels for images); export and import map it.
The element-wise merges need inputs of the same shape (Keras also broadcasts a size-1 axis;
such a file is refused at import by its shapes). A variable length (None) matches only None: against
a fixed size the module would run for that one length only (and a size 1 would broadcast to the
variable length), so the merge refuses it with the fix.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

import torch
from pydantic import field_validator
from torch import nn

from ..kerasio.config import nc_axis
from ..kerasio.layout import keras_axis
from .base import DtypeRule, Layer, Shape, ShapeError, fmt, register, required, resolve_axis

if TYPE_CHECKING:
    from ..kerasio.exporting import ExportNode
    from ..kerasio.importing import ImportNode, Value
    from ..kerasio.model import KTensor


class InputsDiffer(ShapeError):
    """A merge's refusal that points at some of its inputs. `template` holds {0}, {1}, … for input 1,
    2, …: alone they read "input 2"; once graph analysis knows the nodes, "input 2 (from 'dense_3')"."""

    def __init__(self, template: str, n_inputs: int = 0, field: str | None = None):
        self.template = template
        self.n_inputs = n_inputs
        super().__init__(template.format(*(f"input {k + 1}" for k in range(n_inputs))), field)

    def naming(self, sources: list[str]) -> str:
        if len(sources) != self.n_inputs:
            return self.message
        return self.template.format(*(f"input {k + 1} (from '{src}')" for k, src in enumerate(sources)))


def _pair(inputs: list[Shape], differs: Callable[[Shape, Shape], bool]) -> tuple[int, int]:
    """(k, ref): the first input k that `differs` from an earlier input ref, which is compared first."""
    for k in range(1, len(inputs)):
        for ref in range(k):
            if differs(inputs[k], inputs[ref]):
                return k, ref
    raise AssertionError("no two inputs differ")  # the callers checked that two do


def rank_differs(kind: str, needs: str, inputs: list[Shape]) -> InputsDiffer:
    k, ref = _pair(inputs, lambda a, b: len(a) != len(b))
    return InputsDiffer(f"{kind} needs inputs of the same {needs}: {{{k}}} is {fmt(inputs[k])}, {{{ref}}} is "
                        f"{fmt(inputs[ref])}; they differ in rank. Flatten or Reshape one branch so both have "
                        f"{len(inputs[ref])} dimensions.", len(inputs))


def size_differs(head: str, inputs: list[Shape], i: int, fix: str) -> InputsDiffer:
    """Dimension i has two known sizes: name the input that differs from the one before it."""
    k, ref = _pair(inputs, lambda a, b: None not in (a[i], b[i]) and a[i] != b[i])
    return InputsDiffer(f"{head}: {{{k}}} is {fmt(inputs[k])}, {{{ref}}} is {fmt(inputs[ref])}; dimension {i + 1} "
                        f"differs ({inputs[k][i]} and {inputs[ref][i]}). {fix}", len(inputs))


def variable_meets_fixed(kind: str, inputs: list[Shape], i: int) -> InputsDiffer:
    """Why a merge refuses a variable length (None) against a fixed size on the same dimension: the
    module only runs when every sequence has exactly that length (a size 1 would broadcast to any
    length, which Keras infers as None): one of the two shapes must say so."""
    shown = ", ".join(fmt(s) for s in inputs)
    var = next(k for k, s in enumerate(inputs) if s[i] is None)
    fixed = next(k for k, s in enumerate(inputs) if s[i] is not None)
    size = inputs[fixed][i]
    fit = ("netcanvas's merges do not stretch a size 1 to another length" if size == 1 else
           f"they only fit for sequences of exactly {size} steps")
    return InputsDiffer(f"{kind} joins {shown}: dimension {i + 1} is a variable length (None) in {{{var}}} and "
                        f"{size} in {{{fixed}}}, and {fit}. Give the variable-length Input the fixed length {size}, "
                        "or make both branches variable.", len(inputs))


class ConcatenateModule(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim  # batch axis counted

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return torch.cat(xs, dim=self.dim)


@register
class Concatenate(Layer):
    """Joins its inputs along `axis` (default: the feature axis — channels for images)."""

    family = "merge"
    min_inputs = 2
    max_inputs = None
    keras_classes = ("Concatenate",)
    dtypes = "same"
    examples = (
        ({}, [(3,), (5,)]),
        ({}, [(2, 4, 4), (3, 4, 4)]),  # images: stacks channels (Keras's axis -1)
        ({"axis": 2}, [(2, 3, 4), (2, 1, 4), (2, 2, 4)]),  # images: along the height
        ({"axis": 1}, [(2, 3), (4, 3)]),  # sequences: along time
        ({"axis": -1}, [(None, 3), (None, 2)]),
    )
    notes = ("`axis` is in netcanvas's layout (None: the feature axis, channels for images = Keras's -1 on "
             "(H, W, C)); export and import map it.")

    axis: int | None = None

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        ranks = {len(s) for s in inputs}
        if len(ranks) != 1:
            raise rank_differs("Concatenate", "rank", inputs)
        rank = ranks.pop()
        axis = resolve_axis(self.axis, rank)
        on = f"axis {self.axis}" if self.axis is not None else f"the feature axis (axis {axis + 1})"
        for i in range(rank):
            if i == axis:
                continue
            sizes = {s[i] for s in inputs}
            if len(sizes - {None}) > 1:
                raise size_differs(f"Concatenate on {on} needs the other axes equal", inputs, i,
                                   f"Make dimension {i + 1} the same size on every branch (the same pooling, "
                                   "strides or padding), or concatenate along that axis.")
            if None in sizes and len(sizes) > 1:
                raise variable_meets_fixed("Concatenate", inputs, i)
        parts = [s[axis] for s in inputs]
        known = [p for p in parts if p is not None]
        joined = sum(known) if len(known) == len(parts) else None
        first = inputs[0]
        return [tuple(joined if i == axis else first[i] for i in range(rank))]

    def build(self, inputs: list[Shape]) -> nn.Module:
        return ConcatenateModule(resolve_axis(self.axis, len(inputs[0])) + 1)

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        rank = len(n.input_shapes[0])
        axis = keras_axis(resolve_axis(self.axis, rank), rank)
        return n.add("Concatenate", {"axis": axis}, inputs=n.plain_inputs(), merge=True)

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        rank = len(n.inputs[0].shape)
        axis = nc_axis(n, n.cfg.get("axis", -1), rank)
        return n.node("Concatenate", {"axis": None if axis - 1 == resolve_axis(None, rank) else axis})


class AddModule(nn.Module):
    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return sum(xs[1:], xs[0])


class SubtractModule(nn.Module):
    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return a - b


class MultiplyModule(nn.Module):
    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return math.prod(xs[1:], start=xs[0])


class AverageModule(nn.Module):
    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return sum(xs[1:], xs[0]) / len(xs)


class MaximumModule(nn.Module):
    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return functools.reduce(torch.maximum, xs)


class MinimumModule(nn.Module):
    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return functools.reduce(torch.minimum, xs)


class Elementwise(Layer):
    """Shared rule: every input has the same shape (None matches any length)."""

    family = "merge"
    min_inputs = 2
    max_inputs: ClassVar[int | None] = None
    module: ClassVar[type[nn.Module]] = AddModule
    dtypes: ClassVar[DtypeRule] = "same"  # ints add, multiply, compare as ints; Average divides: floats
    examples = (
        ({}, [(4,), (4,)]),
        ({}, [(2, 3, 3), (2, 3, 3), (2, 3, 3)]),
        ({}, [(None, 3), (None, 3)]),
    )

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        kind = self.kind()
        if len({len(s) for s in inputs}) != 1:
            raise rank_differs(kind, "shape", inputs)
        out = []
        for i, sizes in enumerate(zip(*inputs)):
            known = set(sizes) - {None}
            if len(known) > 1:
                raise size_differs(f"{kind} needs inputs of the same shape", inputs, i,
                                   "Make the branches end in the same size (e.g. the same Dense units or Conv "
                                   "filters), or join them with Concatenate instead.")
            if known and None in sizes:
                raise variable_meets_fixed(kind, inputs, i)
            out.append(known.pop() if known else None)
        return [tuple(out)]

    def build(self, inputs: list[Shape]) -> nn.Module:
        return self.module()

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        return n.add(self.kind(), {}, inputs=n.plain_inputs(), merge=True)

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        return n.node(cls.kind(), {})


@register
class Add(Elementwise):
    """Sums its inputs element-wise (residual connections); all inputs have the same shape."""

    keras_classes = ("Add",)


@register
class Subtract(Elementwise):
    """First input minus the second, element-wise; exactly two inputs of the same shape."""

    keras_classes = ("Subtract",)
    max_inputs = 2
    module = SubtractModule
    examples = (({}, [(4,), (4,)]), ({}, [(2, 3, 3), (2, 3, 3)]), ({}, [(None, 3), (None, 3)]))


@register
class Multiply(Elementwise):
    """Multiplies its inputs element-wise (gating); all inputs have the same shape."""

    keras_classes = ("Multiply",)
    module = MultiplyModule


@register
class Average(Elementwise):
    """Mean of its inputs element-wise; all inputs have the same shape."""

    keras_classes = ("Average",)
    module = AverageModule
    dtypes = "float"


@register
class Maximum(Elementwise):
    """Largest of its inputs element-wise; all inputs have the same shape."""

    keras_classes = ("Maximum",)
    module = MaximumModule


@register
class Minimum(Elementwise):
    """Smallest of its inputs element-wise; all inputs have the same shape."""

    keras_classes = ("Minimum",)
    module = MinimumModule


class DotModule(nn.Module):
    """Keras's batch_dot as an einsum (`equation`), after an optional L2 normalization of each
    input along its contracted axis (`axes`, batch counted)."""

    def __init__(self, equation: str, axes: tuple[int, int], normalize: bool, unsqueeze: bool):
        super().__init__()
        self.equation = equation
        self.axes = axes
        self.normalize = normalize
        self.unsqueeze = unsqueeze

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        if self.normalize:  # Keras: x · min(1 / ‖x‖, 1 / 1e-7)
            a = a * torch.clamp(torch.rsqrt(torch.sum(a * a, dim=self.axes[0], keepdim=True)), max=1e7)
            b = b * torch.clamp(torch.rsqrt(torch.sum(b * b, dim=self.axes[1], keepdim=True)), max=1e7)
        out = torch.einsum(self.equation, a, b)
        return out.unsqueeze(-1) if self.unsqueeze else out


@register
class Dot(Layer):
    """Dot product of two vectors or sequences along `axes` (e.g. attention scores between two sequences)."""

    family = "merge"
    min_inputs = 2
    max_inputs = 2
    keras_classes = ("Dot",)
    examples = (
        ({"axes": 1}, [(4,), (4,)]),
        ({"axes": -1, "normalize": True}, [(4,), (4,)]),  # cosine similarity
        ({"axes": 2}, [(3, 4), (5, 4)]),  # (T1, F)·(T2, F) → (T1, T2)
        ({"axes": [1, 1]}, [(3, 4), (3, 2)]),  # over time → (4, 2)
        ({"axes": [1, 2], "normalize": True}, [(4,), (3, 4)]),
        ({"axes": [2, 1]}, [(None, 4), (4, 3)]),
    )
    notes = ("`axes` count the batch axis, as Keras's do (an int: the same axis of both inputs; negative "
             "axes count from the end of each). Inputs are vectors or sequences, whose layout is the same in "
             "Keras; flatten or pool images first.")

    axes: int | list[int] = required(-1)
    normalize: bool = False

    @field_validator("axes")
    @classmethod
    def _two_axes(cls, v: Any) -> Any:
        if isinstance(v, list) and len(v) != 2:
            raise ValueError("axes is one int or a list of two (one per input)")
        return v

    def _axes(self, a: Shape, b: Shape) -> tuple[int, int]:
        pair = (self.axes, self.axes) if isinstance(self.axes, int) else tuple(self.axes)
        out = []
        for ax, s in zip(pair, (a, b)):
            full = len(s) + 1
            if not -full <= ax < full or ax % full == 0:
                raise ShapeError(f"Dot axes {self.axes}: axis {ax} does not exist for an input {fmt(s)} "
                                 f"(valid: 1..{len(s)} or -{len(s)}..-1; axis 0 is the batch).", "axes")
            out.append(ax % full)
        return out[0], out[1]

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        a, b = inputs
        for k, s in enumerate((a, b)):
            if len(s) not in (1, 2):
                raise InputsDiffer(f"Dot takes vectors (features,) or sequences (time, features), but {{{k}}} is "
                                   f"{fmt(s)}: add a Flatten or a global pooling before it for images.", 2)
        i, j = self._axes(a, b)
        if a[i - 1] != b[j - 1]:
            raise InputsDiffer(f"Dot multiplies axis {i} of {{0}} {fmt(a)} with axis {j} of {{1}} {fmt(b)}, which "
                               f"differ ({a[i - 1]} and {b[j - 1]}): pick axes of the same size.", 2, "axes")
        out = tuple(d for k, d in enumerate(a) if k != i - 1) + tuple(d for k, d in enumerate(b) if k != j - 1)
        return [out or (1,)]

    def build(self, inputs: list[Shape]) -> nn.Module:
        a, b = inputs
        i, j = self._axes(a, b)
        left = "b" + "".join("k" if k == i else "i" for k in range(1, len(a) + 1))
        right = "b" + "".join("k" if k == j else "j" for k in range(1, len(b) + 1))
        out = "b" + left[1:].replace("k", "") + right[1:].replace("k", "")
        return DotModule(f"{left},{right}->{out}", (i, j), self.normalize, out == "b")

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        return n.add("Dot", {"axes": self.axes, "normalize": self.normalize}, inputs=n.plain_inputs(), merge=True)

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        axes = n.cfg["axes"]
        return n.node("Dot", {"axes": list(axes) if isinstance(axes, (list, tuple)) else int(axes),
                              "normalize": bool(n.cfg.get("normalize", False))})
