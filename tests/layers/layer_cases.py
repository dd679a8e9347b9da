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

from netcanvas.layers import REGISTRY, ShapeError

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


def conv_case(kind: str) -> Callable[[Draw], Case]:
    """Convolutions (plain, transposed, depthwise, separable) on sequences (…1D…) or images:
    channels a multiple of `groups`, a "valid" input at least the dilated kernel, sequences of a
    variable length; a transposed "same" with output_padding 0 that would be empty is skipped."""
    rank = 1 if "1D" in kind else 2

    def make(draw: Draw) -> Case:
        p = draw_params(draw, kind)
        valid = p.get("padding") == "valid" and "Transpose" not in kind
        lo = span(p, "kernel_size", rank) if valid else (1,) * rank
        channels = draw(st.integers(1, 4)) * p.get("groups", 1)
        spatial = dims(draw, rank, lo)
        c = case(p, [(*spatial, channels)], (0,), draw) if rank == 1 else case(p, [(channels, *spatial)])
        try:
            REGISTRY[kind].model_validate(p).output_shapes(c.concrete)
        except ShapeError:
            assume(False)
        return c
    return make


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


def cropping(kind: str) -> Callable[[Draw], Case]:
    """Inputs longer than what is cropped (Keras keeps at least one step, row or column)."""
    def make(draw: Draw) -> Case:
        p = draw_params(draw, kind)
        kept = [a + b + 1 for a, b in REGISTRY[kind].model_validate(p).sides()]
        if kind.endswith("1D"):
            return case(p, [(*dims(draw, 1, tuple(kept)), draw(st.integers(1, 4)))], (0,), draw)
        return case(p, [(draw(st.integers(1, 4)), *dims(draw, 2, tuple(kept)))])
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


def axes_case(kind: str, adapt: bool = False) -> Callable[[Draw], Case]:
    """LayerNormalization, UnitNormalization, Normalization: axis None, one axis or several;
    Normalization also [] (Keras's axis=None) and a given mean/variance (a number, or one per
    index of its one kept axis). A sequence's time axis may be variable when it is not kept."""
    def make(draw: Draw) -> Case:
        shape = any_shape(draw)
        rank = len(shape)
        form = draw(st.sampled_from(["one", "several", "none"] if adapt else ["one", "several"]))
        if form == "one":
            axis: Any = axis_for(draw, rank)
        elif form == "several":
            axis = sorted(draw(st.sets(st.integers(1, rank), min_size=1, max_size=rank)))
        else:
            axis = []
        kept = {(a if a is not None else (1 if rank == 3 else rank)) % (rank + 1)
                for a in (axis if isinstance(axis, list) else [axis])}
        fixed: dict[str, Any] = {"axis": axis}
        if adapt:
            given = draw(st.sampled_from(["adapt", "number", "list"]))
            if given == "number":
                fixed["mean"], fixed["variance"] = draw(st.floats(-2, 2)), draw(st.floats(0.1, 3))
            elif given == "list" and len(kept) == 1:
                size = shape[next(iter(kept)) - 1]
                fixed["mean"] = draw(st.lists(st.floats(-2, 2), min_size=size, max_size=size))
                fixed["variance"] = draw(st.lists(st.floats(0.1, 3), min_size=size, max_size=size))
            else:
                fixed["mean"] = fixed["variance"] = None
        var = (0,) if rank == 2 and 1 not in kept else ()
        return case(draw_params(draw, kind, **fixed), [shape], var, draw)
    return make


def augmentation(kind: str) -> Callable[[Draw], Case]:
    """Images of any size (RandomCrop's target may be larger or smaller than the image)."""
    def make(draw: Draw) -> Case:
        return case(draw_params(draw, kind), [(draw(st.integers(1, 3)), *dims(draw, 2, 1, 5))])
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


def noise_shape_case(kind: str) -> Callable[[Draw], Case]:
    """Dropout / AlphaDropout: a noise_shape (batch first) of None, 1 or the axis's size per axis."""
    def make(draw: Draw) -> Case:
        shape = any_shape(draw)
        c = case({}, [shape], (0,) if len(shape) == 2 else (), draw)
        ns = None
        if draw(st.booleans()):
            ns = [draw(st.sampled_from([None, 1]))] + [
                draw(st.sampled_from([None, 1] if d is None else [None, 1, d])) for d in c.declared[0]]
        c.params = draw_params(draw, kind, noise_shape=ns)
        return c
    return make


def prelu(draw: Draw) -> Case:
    """Shared axes drawn among the input's; a variable-length axis must be shared."""
    shape = any_shape(draw)
    c = case({}, [shape], (0,) if len(shape) == 2 else (), draw)
    shared = sorted(set(draw(st.lists(st.integers(1, len(shape)), max_size=len(shape)))))
    shared = sorted(set(shared) | {i + 1 for i, d in enumerate(c.declared[0]) if d is None})
    c.params = draw_params(draw, "PReLU", shared_axes=shared or draw(st.sampled_from([None, []])))
    return c


def softmax(draw: Draw) -> Case:
    shape = any_shape(draw)
    return case(draw_params(draw, "Softmax", axis=axis_for(draw, len(shape))), [shape],
                (0,) if len(shape) == 2 else (), draw)


def dot(draw: Draw) -> Case:
    """Two vectors or sequences whose contracted axes have the same size."""
    ranks = (draw(st.sampled_from([1, 2])), draw(st.sampled_from([1, 2])))
    k = draw(st.integers(1, 4))
    if draw(st.booleans()) and ranks[0] == ranks[1]:
        ax = draw(st.sampled_from([i for i in range(-ranks[0], ranks[0] + 1) if i != 0]))
        pair = (ax % (ranks[0] + 1),) * 2
        axes: int | list[int] = ax
    else:
        pair = tuple(draw(st.integers(1, r)) for r in ranks)
        axes = list(pair)
    shapes = [tuple(k if i + 1 == a else draw(st.integers(1, 4)) for i in range(r)) for r, a in zip(ranks, pair)]
    return case(draw_params(draw, "Dot", axes=axes), shapes)



def attention(kind: str) -> Callable[[Draw], Case]:
    """query (Tq, d), value (Tv, dv), optional key (Tv, d): the query and key features agree
    (Attention, AdditiveAttention); MultiHeadAttention projects each, so any sizes."""
    def make(draw: Draw) -> Case:
        p = draw_params(draw, kind)
        tq, tv = draw(st.integers(1, 5)), draw(st.integers(1, 5))
        dq, dv = draw(st.integers(1, 4)), draw(st.integers(1, 4))
        with_key = draw(st.booleans())
        dk = draw(st.integers(1, 4)) if kind == "MultiHeadAttention" else dq
        if not with_key and kind != "MultiHeadAttention":
            dv = dq  # the value is the key
        shapes = [(tq, dq), (tv, dv)] + ([(tv, dk)] if with_key else [])
        return case(p, shapes, (0,), draw)
    return make


# Kinds TimeDistributed wraps in the harness: their own cases, given a time axis in front.
WRAPPABLE = ("Dense", "Activation", "Dropout", "Flatten", "Conv1D", "Conv2D", "MaxPooling2D",
             "BatchNormalization", "LayerNormalization", "GlobalAveragePooling1D", "SimpleRNN")


def time_distributed(draw: Draw) -> Case:
    kind = draw(st.sampled_from([k for k in WRAPPABLE if k in INPUTS]))
    inner = INPUTS[kind](draw)
    assume(len(REGISTRY[kind].model_validate(inner.params).output_shapes(inner.declared)) == 1)  # no return_state
    steps = draw(st.integers(1, 3))
    declared_steps = None if draw(st.booleans()) else steps
    p = draw_params(draw, "TimeDistributed", layer={"type": kind, "params": inner.params})
    return Case(p, [(steps, *s) for s in inner.concrete], [(declared_steps, *s) for s in inner.declared])


INPUTS: dict[str, Callable[[Draw], Case]] = {
    "Input": input_case,
    "Dense": dense,
    "Activation": same_shape("Activation", (0,)),
    "Dropout": noise_shape_case("Dropout"),
    "AlphaDropout": noise_shape_case("AlphaDropout"),
    **{k: same_shape(k, (0,)) for k in ("ReLU", "LeakyReLU", "ELU", "GaussianNoise", "GaussianDropout")},
    "PReLU": prelu,
    "Softmax": softmax,
    "SpatialDropout1D": sequence_case("SpatialDropout1D"),
    "SpatialDropout2D": image_case("SpatialDropout2D"),
    "Flatten": flatten,
    "Reshape": reshape,
    "Permute": permute,
    "RepeatVector": repeat_vector,
    "Embedding": embedding,
    **{k: conv_case(k) for k in ("Conv1D", "Conv2D", "Conv1DTranspose", "Conv2DTranspose", "DepthwiseConv1D",
                                 "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D")},
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
    "ZeroPadding1D": sequence_case("ZeroPadding1D"),
    "UpSampling1D": sequence_case("UpSampling1D"),
    "Cropping1D": cropping("Cropping1D"),
    "Cropping2D": cropping("Cropping2D"),
    "BatchNormalization": normalization("BatchNormalization"),
    "LayerNormalization": axes_case("LayerNormalization"),
    "UnitNormalization": axes_case("UnitNormalization"),
    "Normalization": axes_case("Normalization", adapt=True),
    "Rescaling": same_shape("Rescaling", (0,)),
    **{k: augmentation(k) for k in ("RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation",
                                    "RandomContrast", "RandomBrightness", "RandomCrop")},
    "SimpleRNN": sequence_case("SimpleRNN"),
    "LSTM": sequence_case("LSTM"),
    "GRU": sequence_case("GRU"),
    "Bidirectional": sequence_case("Bidirectional"),
    "Masking": sequence_case("Masking"),
    "Concatenate": concatenate,
    "Add": elementwise("Add"),
    "Subtract": elementwise("Subtract"),
    "Multiply": elementwise("Multiply"),
    "Average": elementwise("Average"),
    "Maximum": elementwise("Maximum"),
    "Minimum": elementwise("Minimum"),
    "Dot": dot,
    "Attention": attention("Attention"),
    "AdditiveAttention": attention("AdditiveAttention"),
    "MultiHeadAttention": attention("MultiHeadAttention"),
    "TimeDistributed": time_distributed,
}


def from_examples(kind: str) -> Callable[[Draw], Case]:
    """A kind without a hand-written strategy: one of its own `examples` (variable lengths run at 5),
    so a new kind needs nothing here to be under the contract."""
    cls = REGISTRY[kind]

    def make(draw: Draw) -> Case:
        params, shapes = draw(st.sampled_from(list(cls.examples)))
        full = cls.model_validate(params).model_dump(mode="json")
        concrete = [tuple(5 if d is None else d for d in s) for s in shapes]
        return Case(full, concrete, [tuple(s) for s in shapes],
                    int_inputs=int(full.get("input_dim", 10)) if cls.token_inputs else None)

    return make


def case_for(kind: str) -> Callable[[Draw], Case] | None:
    if kind in INPUTS:
        return INPUTS[kind]
    return from_examples(kind) if REGISTRY[kind].examples else None
