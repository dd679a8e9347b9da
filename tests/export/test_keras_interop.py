"""Keras interop shared by the kinds: every parameter reaches the Keras round trip; layouts; activations."""

from netcanvas.kerasio.layout import (
    flatten_perm,
    keras_axis,
    netcanvas_axis,
    to_keras_shape,
    to_netcanvas_shape,
)
from netcanvas.layers import REGISTRY, keras_class_index


def test_every_parameter_of_every_kind_is_exercised_by_its_examples():
    """Each parameter takes a non-default value in some example, so the Keras round trip
    (tests/layers/test_keras_roundtrip.py) checks that export writes it and import reads it back."""
    gaps = {}
    for kind, cls in REGISTRY.items():
        if kind == "Input":  # every example graph starts with Inputs of both dtypes and many shapes
            continue
        for name, field in cls.model_fields.items():
            default = object() if field.is_required() else field.get_default(call_default_factory=True)
            if not any(name in p and p[name] != default for p, _ in cls.examples):
                gaps.setdefault(kind, []).append(name)
    assert not gaps, f"parameters no example sets: {gaps}"


def test_every_kind_has_a_keras_side_and_one_kind_per_keras_class():
    assert [k for k, cls in REGISTRY.items() if not cls.keras_classes] == []
    index = keras_class_index()  # asserts that no Keras class is claimed twice
    assert len(index) == sum(len(cls.keras_classes) for cls in REGISTRY.values())


def test_layouts():
    assert to_keras_shape((3, 28, 28)) == (28, 28, 3) and to_netcanvas_shape((28, 28, 3)) == (3, 28, 28)
    assert to_keras_shape((5, 4)) == (5, 4)
    for rank in (1, 2, 3, 4):
        for i in range(rank):
            assert netcanvas_axis(keras_axis(i, rank), rank) == i + 1
    assert keras_axis(0, 3) == -1 and keras_axis(1, 3) == 1
    # (C=2, H=1, W=2): netcanvas flattens c0h0w0 c0h0w1 c1h0w0 c1h0w1; Keras h0w0c0 h0w0c1 h0w1c0 h0w1c1
    assert flatten_perm((2, 1, 2)).tolist() == [0, 2, 1, 3]


def test_activations_equal_keras_over_a_wide_range(keras):
    import typing

    import torch

    from netcanvas.layers.activations import ActivationName, activation_module

    x = torch.linspace(-6, 6, 241).reshape(1, -1)
    diffs = {a: float((keras.activations.get(a)(x) - activation_module(a)(x)).abs().max())
             for a in typing.get_args(ActivationName)}
    wrong = {a: d for a, d in diffs.items() if d > 1e-6}
    assert not wrong, wrong
