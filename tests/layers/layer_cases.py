"""Hypothesis cases for every registered layer kind: random valid params and input shapes.

Params are drawn from each kind's JSON Schema (so new fields are covered), then adjusted where
validity depends on the input (axis, target_shape, dims…). Every kind needs an entry in INPUTS;
the harness fails for a registered kind without one.

A case is (params, concrete input shapes, declared input shapes): declared shapes may hold None
(a variable length) where the kind supports it; the module is built from the declared shapes, as
compile does, and run on tensors of the concrete shapes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st
from pydantic import ValidationError

from netcanvas.layers import REGISTRY

Shape = tuple[int | None, ...]
Draw = Callable[[st.SearchStrategy[Any]], Any]

# Upper bounds above each integer field's minimum; small enough to keep tensors tiny.
SPAN = {"units": 5, "filters": 5, "output_dim": 5, "input_dim": 20, "n": 4, "dilation_rate": 2,
        "strides": 2, "kernel_size": 3, "pool_size": 2, "size": 2, "padding": 2}


def from_schema(name: str, prop: dict[str, Any]) -> st.SearchStrategy[Any]:
    """A strategy for one property of a pydantic JSON Schema (the subset layers use)."""
    if "enum" in prop:
        return st.sampled_from(prop["enum"])
    if "const" in prop:
        return st.just(prop["const"])
    if "anyOf" in prop:
        return st.one_of([from_schema(name, p) for p in prop["anyOf"]])
    kind = prop.get("type")
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        lo = prop.get("minimum", prop.get("exclusiveMinimum", -3) + 1 if "exclusiveMinimum" in prop else -3)
        hi = prop.get("maximum", lo + SPAN.get(name, 4))
        return st.integers(lo, hi)
    if kind == "number":
        lo = prop.get("minimum", prop.get("exclusiveMinimum", 0.0))
        hi = prop.get("exclusiveMaximum", prop.get("maximum", 1.0))
        return st.floats(lo, hi, exclude_min="exclusiveMinimum" in prop,
                         exclude_max="exclusiveMaximum" in prop, allow_nan=False)
    if kind == "array":
        lo = prop.get("minItems", 1)
        return st.lists(from_schema(name, prop["items"]), min_size=lo, max_size=prop.get("maxItems", lo + 2))
    raise NotImplementedError(f"no strategy for {name}: {prop}")


def draw_params(draw: Draw, kind: str, **fixed: Any) -> dict[str, Any]:
    """Every field of `kind`, drawn from its schema unless fixed; invalid combinations are skipped."""
    cls = REGISTRY[kind]
    props = cls.model_json_schema()["properties"]
    params = {name: fixed[name] if name in fixed else draw(from_schema(name, prop)) for name, prop in props.items()}
    try:
        cls.model_validate(params)
    except ValidationError:
        assume(False)
    return params


def ntuple(v: int | list[int], n: int) -> tuple[int, ...]:
    return (v,) * n if isinstance(v, int) else tuple(v)


def span(p: dict[str, Any], field: str, n: int, dilation: bool = True) -> tuple[int, ...]:
    ks = ntuple(p[field], n)
    ds = ntuple(p.get("dilation_rate", 1), n) if dilation else (1,) * n
    return tuple((k - 1) * d + 1 for k, d in zip(ks, ds))


def dims(draw: Draw, n: int, lo: int | tuple[int, ...] = 1, extra: int = 6) -> tuple[int, ...]:
    los = ntuple(lo, n) if isinstance(lo, int) else lo
    return tuple(draw(st.integers(low, low + extra)) for low in los)


@dataclass
class Case:
    params: dict[str, Any]
    concrete: list[tuple[int, ...]]
    declared: list[Shape]
    int_inputs: int | None = None  # Embedding: token ids below this


def case(params: dict, concrete: list[tuple[int, ...]], variable: tuple[int, ...] = (), draw: Draw | None = None,
         **kw: Any) -> Case:
    """Declared shapes: the axes in `variable` may become None (drawn)."""
    declared: list[Shape] = []
    make_none = bool(draw(st.booleans())) if draw and variable else False
    for s in concrete:
        declared.append(tuple(None if make_none and i in variable else d for i, d in enumerate(s)))
    return Case(params, concrete, declared, **kw)


def any_shape(draw: Draw, ranks: tuple[int, ...] = (1, 2, 3)) -> tuple[int, ...]:
    return dims(draw, draw(st.sampled_from(ranks)), 1, 4)


def axis_for(draw: Draw, rank: int) -> int | None:
    return draw(st.sampled_from([None, *range(1, rank + 1), *range(-rank, 0)]))


# --- one function per kind (or family): (draw) -> Case ---------------------------------------


def input_case(draw: Draw) -> Case:
    shape = list(any_shape(draw))
    p = draw_params(draw, "Input", shape=shape)
    return Case(p, [], [])


def same_shape(kind: str, variable: tuple[int, ...] = ()) -> Callable[[Draw], Case]:
    def make(draw: Draw) -> Case:
        shape = any_shape(draw)
        var = variable if len(shape) == 2 else ()
        return case(draw_params(draw, kind), [shape], var, draw)
    return make


def dense(draw: Draw) -> Case:
    shape = any_shape(draw, (1, 2))
    return case(draw_params(draw, "Dense"), [shape], (0,) if len(shape) == 2 else (), draw)


def flatten(draw: Draw) -> Case:
    return case(draw_params(draw, "Flatten"), [any_shape(draw)])


def reshape(draw: Draw) -> Case:
    shape = any_shape(draw)
    total = math.prod(shape)
    target, rest = [], total
    for _ in range(draw(st.integers(0, 2))):
        divisors = [d for d in range(1, rest + 1) if rest % d == 0]
        d = draw(st.sampled_from(divisors))
        target.append(d)
        rest //= d
    target.append(rest)
    target = draw(st.permutations(target))
    if draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    return case(draw_params(draw, "Reshape", target_shape=list(target)), [shape])


def permute(draw: Draw) -> Case:
    shape = any_shape(draw)
    order = draw(st.permutations(range(1, len(shape) + 1)))
    return case(draw_params(draw, "Permute", dims=list(order)), [shape], (0,) if len(shape) == 2 else (), draw)


def repeat_vector(draw: Draw) -> Case:
    return case(draw_params(draw, "RepeatVector"), [dims(draw, 1)])


def embedding(draw: Draw) -> Case:
    p = draw_params(draw, "Embedding")
    return case(p, [dims(draw, 1)], (0,), draw, int_inputs=p["input_dim"])


def conv1d(draw: Draw) -> Case:
    p = draw_params(draw, "Conv1D")
    lo = span(p, "kernel_size", 1) if p["padding"] == "valid" else (1,)
    return case(p, [(*dims(draw, 1, lo), draw(st.integers(1, 4)))], (0,), draw)


def image_case(kind: str, field: str | None = None, dilation: bool = True) -> Callable[[Draw], Case]:
    def make(draw: Draw) -> Case:
        p = draw_params(draw, kind)
        lo = span(p, field, 2, dilation) if field and p.get("padding") == "valid" else (1, 1)
        return case(p, [(draw(st.integers(1, 4)), *dims(draw, 2, lo))])
    return make


def pool1d(kind: str) -> Callable[[Draw], Case]:
    def make(draw: Draw) -> Case:
        p = draw_params(draw, kind)
        lo = span(p, "pool_size", 1, False) if p["padding"] == "valid" else (1,)
        return case(p, [(*dims(draw, 1, lo), draw(st.integers(1, 4)))], (0,), draw)
    return make


def sequence_case(kind: str) -> Callable[[Draw], Case]:
    def make(draw: Draw) -> Case:
        return case(draw_params(draw, kind), [dims(draw, 2)], (0,), draw)
    return make


def normalization(kind: str) -> Callable[[Draw], Case]:
    def make(draw: Draw) -> Case:
        shape = any_shape(draw)
        axis = axis_for(draw, len(shape))
        p = draw_params(draw, kind, axis=axis)
        feature = (axis if axis is not None else (1 if len(shape) == 3 else len(shape))) % (len(shape) + 1)
        var = (0,) if len(shape) == 2 and feature != 1 else ()
        return case(p, [shape], var, draw)
    return make


def concatenate(draw: Draw) -> Case:
    shape = any_shape(draw)
    axis = axis_for(draw, len(shape))
    i = (axis if axis is not None else (1 if len(shape) == 3 else len(shape))) % (len(shape) + 1) - 1
    n = draw(st.integers(2, 4))
    shapes = [tuple(draw(st.integers(1, 4)) if j == i else d for j, d in enumerate(shape)) for _ in range(n)]
    var = (0,) if len(shape) == 2 and i != 0 else ()
    return case(draw_params(draw, "Concatenate", axis=axis), shapes, var, draw)


def elementwise(kind: str) -> Callable[[Draw], Case]:
    def make(draw: Draw) -> Case:
        shape = any_shape(draw)
        n = 2 if REGISTRY[kind].max_inputs == 2 else draw(st.integers(2, 4))
        return case(draw_params(draw, kind), [shape] * n, (0,) if len(shape) == 2 else (), draw)
    return make


INPUTS: dict[str, Callable[[Draw], Case]] = {
    "Input": input_case,
    "Dense": dense,
    "Activation": same_shape("Activation", (0,)),
    "Dropout": same_shape("Dropout", (0,)),
    "Flatten": flatten,
    "Reshape": reshape,
    "Permute": permute,
    "RepeatVector": repeat_vector,
    "Embedding": embedding,
    "Conv1D": conv1d,
    "Conv2D": image_case("Conv2D", "kernel_size"),
    "Conv2DTranspose": image_case("Conv2DTranspose"),
    "MaxPooling1D": pool1d("MaxPooling1D"),
    "AveragePooling1D": pool1d("AveragePooling1D"),
    "MaxPooling2D": image_case("MaxPooling2D", "pool_size", dilation=False),
    "AveragePooling2D": image_case("AveragePooling2D", "pool_size", dilation=False),
    "GlobalAveragePooling1D": sequence_case("GlobalAveragePooling1D"),
    "GlobalMaxPooling1D": sequence_case("GlobalMaxPooling1D"),
    "GlobalAveragePooling2D": image_case("GlobalAveragePooling2D"),
    "GlobalMaxPooling2D": image_case("GlobalMaxPooling2D"),
    "ZeroPadding2D": image_case("ZeroPadding2D"),
    "UpSampling2D": image_case("UpSampling2D"),
    "BatchNormalization": normalization("BatchNormalization"),
    "LayerNormalization": normalization("LayerNormalization"),
    "SimpleRNN": sequence_case("SimpleRNN"),
    "LSTM": sequence_case("LSTM"),
    "GRU": sequence_case("GRU"),
    "Bidirectional": sequence_case("Bidirectional"),
    "Concatenate": concatenate,
    "Add": elementwise("Add"),
    "Subtract": elementwise("Subtract"),
    "Multiply": elementwise("Multiply"),
    "Average": elementwise("Average"),
    "Maximum": elementwise("Maximum"),
}
