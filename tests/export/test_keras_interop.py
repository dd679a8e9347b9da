"""The Keras table covers the registry, and knows every parameter it exports."""

from nc_export_cases import CASES

from netcanvas.export.keras_map import KERAS, keras_class_index
from netcanvas.kerasio.layout import (
    flatten_perm,
    keras_axis,
    netcanvas_axis,
    to_keras_shape,
    to_netcanvas_shape,
)
from netcanvas.layers import REGISTRY

# The parameters each mapping reads. A new parameter in the registry must be handled by the Keras
# export (or refused there) before this list grows: otherwise a download would ignore it.
HANDLED = {
    "Input": {"shape", "dtype"}, "Dense": {"units", "activation", "use_bias"}, "Activation": {"activation"},
    "Dropout": {"rate"}, "Flatten": set(), "Concatenate": {"axis"}, "Embedding": {"input_dim", "output_dim"},
    **{k: set() for k in ("Add", "Subtract", "Multiply", "Average", "Maximum")},
    **{k: {"filters", "kernel_size", "strides", "padding", "dilation_rate", "activation", "use_bias"}
       for k in ("Conv1D", "Conv2D", "Conv2DTranspose")},
    **{k: {"pool_size", "strides", "padding"}
       for k in ("MaxPooling1D", "AveragePooling1D", "MaxPooling2D", "AveragePooling2D")},
    **{k: {"keepdims"} for k in ("GlobalAveragePooling1D", "GlobalMaxPooling1D", "GlobalAveragePooling2D",
                                 "GlobalMaxPooling2D")},
    "BatchNormalization": {"axis", "momentum", "epsilon"}, "LayerNormalization": {"axis", "epsilon"},
    "SimpleRNN": {"units", "activation", "use_bias", "return_sequences", "return_state"},
    **{k: {"units", "activation", "recurrent_activation", "use_bias", "return_sequences", "return_state"}
       for k in ("LSTM", "GRU")},
    "Bidirectional": {"layer", "units", "activation", "use_bias", "return_sequences", "return_state", "merge_mode"},
    "Reshape": {"target_shape"}, "Permute": {"dims"}, "RepeatVector": {"n"}, "ZeroPadding2D": {"padding"},
    "UpSampling2D": {"size", "interpolation"},
}


def test_every_registered_kind_has_a_keras_mapping_that_knows_its_params():
    for kind, cls in REGISTRY.items():
        if kind not in KERAS:
            continue  # allowed: export names the node; but say so in the report below
        assert set(cls.model_fields) <= HANDLED.get(kind, set()), (
            f"{kind} has parameters the Keras export does not know: {set(cls.model_fields) - HANDLED[kind]}")
        assert KERAS[kind].from_keras is not None, f"{kind} exports to Keras but does not import back"
    own = {k for k, cls in REGISTRY.items() if cls.keras_classes}  # kinds that carry their Keras side
    assert set(REGISTRY) == set(KERAS) | own, f"no Keras counterpart: {sorted(set(REGISTRY) - set(KERAS) - own)}"


def test_every_mapped_kind_is_in_a_round_trip_case():
    used = {n.type for make in CASES.values() for n in make().nodes}
    assert set(KERAS) <= used, f"kinds without a round-trip test graph: {sorted(set(KERAS) - used)}"


def test_keras_class_index_is_one_to_one():
    index = keras_class_index()
    assert len(index) == sum(len(m.keras_classes) for m in KERAS.values())


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
