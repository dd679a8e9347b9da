"""Frozen nodes (Node.trainable false) through every export and the Keras import.

- model.h5 and model.keras load in Keras with those layers trainable=False (a wrapper's inner
  layers too), the same trainable / total counts as netcanvas, and the same predictions.
- The generated PyTorch code freezes those modules (requires_grad False; a frozen
  BatchNormalization stays in inference mode under model.train()); the generated Keras code
  passes trainable=False.
- Keras import keeps trainable=False: a layer's own flag and every layer of a frozen nested base.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from nc_export_cases import chain, outputs_list, trained_like
from test_codegen_torch import load_source
from test_keras_h5 import keras_predict

from netcanvas.export.codegen_keras import keras_source
from netcanvas.export.codegen_torch import pytorch_source
from netcanvas.export.keras_h5 import export_h5
from netcanvas.export.keras_import import import_model
from netcanvas.export.keras_native import export_keras
from netcanvas.graph.analyze import analyze
from netcanvas.graph.schema import Graph

pytestmark = [
    pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword"),
    pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer"),
]


def freeze(g: Graph, *ids: str) -> Graph:
    return g.model_copy(update={"nodes": [n.model_copy(update={"trainable": n.id not in ids}) for n in g.nodes]})


def frozen_cnn() -> Graph:  # ids: conv2d_0, batchnormalization_1, flatten_2, dense_3, dense_4
    g = chain("frozen-cnn", [3, 8, 8], [
        ("Conv2D", {"filters": 4, "kernel_size": 3, "activation": "relu"}), ("BatchNormalization", {}),
        ("Flatten", {}), ("Dense", {"units": 6, "activation": "relu"}), ("Dense", {"units": 3, "activation": "softmax"})])
    return freeze(g, "in", "conv2d_0", "batchnormalization_1", "dense_3")  # "Freeze everything above": the Input too


def frozen_rnn() -> Graph:  # a frozen wrapper: Keras builds its inner layers from their own configs
    g = chain("frozen-rnn", [5, 3], [("Bidirectional", {"layer": "LSTM", "units": 4}), ("Dense", {"units": 2})])
    return freeze(g, "bidirectional_0")


def frozen_steps() -> Graph:  # a frozen BatchNormalization inside a wrapper
    g = chain("frozen-steps", [4, 6], [("TimeDistributed", {"layer": {"type": "BatchNormalization", "params": {}}}),
                                      ("Flatten", {}), ("Dense", {"units": 2})])
    return freeze(g, "timedistributed_0")


CASES = {"cnn": frozen_cnn, "rnn": frozen_rnn, "steps": frozen_steps}


def keras_counts(model) -> tuple[int, int]:
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights), model.count_params()


def keras_flags(model) -> dict[str, bool]:
    """Each layer's trainable flag by name, inside nested models too (a block may export as one)."""
    out: dict[str, bool] = {}
    for lay in model.layers:
        if hasattr(lay, "layers") and type(lay).__name__ in ("Functional", "Sequential", "Model"):
            out.update(keras_flags(lay))
        elif type(lay).__name__ != "InputLayer":
            out[lay.name] = lay.trainable
    return out


@pytest.mark.parametrize("fmt", ["h5", "keras"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_exports_load_in_keras_with_the_frozen_layers_frozen(case, fmt, keras, tmp_path):
    a, m, xs = trained_like(CASES[case]())
    path = tmp_path / f"model.{fmt}"
    (export_h5 if fmt == "h5" else export_keras)(a, m.state_dict(), path)
    km = keras.models.load_model(path, compile=False)
    for nid, info in a.nodes.items():
        if info.layer is not None and info.layer.kind() != "Input":
            assert km.get_layer(nid).trainable is info.trainable, nid
    assert keras_counts(km) == (a.counts.trainable, a.counts.total)
    assert a.counts.trainable < a.counts.total - 12  # something real is frozen (not only moving statistics)
    with torch.no_grad():
        want = outputs_list(m(*xs))
    got = keras_predict(keras, km, [x.numpy() for x in xs])
    assert max(float(np.abs(g - w).max()) for g, w in zip(got, want, strict=True)) <= 1e-4


def test_generated_pytorch_freezes_those_modules_and_keeps_a_frozen_batch_norm_in_inference_mode():
    a, m, xs = trained_like(frozen_cnn())
    src = pytorch_source(a)
    assert "self.conv2d_0.requires_grad_(False)" in src and "self.dense_4.requires_grad_(False)" not in src
    model = getattr(load_source(src, "generated_frozen_cnn"), type(m).__name__)()
    model.load_state_dict(m.state_dict(), strict=True)
    frozen = {"conv2d_0", "batchnormalization_1", "dense_3"}
    for name, p in model.named_parameters():
        assert p.requires_grad == (name.split(".")[0] not in frozen), name
    stats = model.batchnormalization_1.bn.running_mean.clone()
    model.eval()
    with torch.no_grad():
        inference = model(*xs)
    model.train()  # no Dropout here: training mode changes nothing when the BatchNormalization is frozen
    assert torch.equal(model(*xs), inference)
    assert torch.equal(model.batchnormalization_1.bn.running_mean, stats)


@pytest.mark.parametrize("case", sorted(CASES))
def test_generated_keras_code_passes_trainable_false(case, keras):
    a, _, _ = trained_like(CASES[case]())
    src = keras_source(a)
    assert "trainable=False" in src
    model = load_source(src, f"keras_frozen_{case}").build_model()
    assert keras_counts(model) == (a.counts.trainable, a.counts.total)
    for nid, info in a.nodes.items():
        if info.layer is not None and info.layer.kind() != "Input":
            assert model.get_layer(nid).trainable is info.trainable, nid


@pytest.mark.parametrize("fmt", ["h5", "keras"])
def test_keras_import_keeps_trainable_false_of_a_layer_and_of_a_frozen_nested_base(fmt, keras, tmp_path):
    L = keras.layers
    inp = keras.Input((6, 6, 2))
    x = L.Conv2D(3, 3, name="base_conv")(inp)
    base = keras.Model(inp, L.BatchNormalization(name="base_bn")(x), name="base")
    base.trainable = False  # the transfer-learning pattern: freeze the base, train a new head
    mid = L.Dense(5, name="mid")
    mid.trainable = False  # a layer's own flag
    model = keras.Sequential([keras.Input((6, 6, 2)), base, L.Flatten(name="flat"), mid, L.Dense(2, name="head")])
    path = tmp_path / f"transfer.{fmt}"
    model.save(path)
    imp = import_model(path.name, path.read_bytes())
    a = analyze(imp.graph)  # the nested base may come in as a block: its layers' ids are "base/…"
    flags = {nid.rpartition("/")[2]: info.trainable for nid, info in a.nodes.items() if nid not in a.inputs}
    assert flags == {"base_conv": False, "base_bn": False, "flat": True, "mid": False, "head": True}
    assert (a.counts.trainable, a.counts.total) == keras_counts(model) == (12, 57 + 12 + 245 + 12)
    assert imp.notes and "3 layer(s) were frozen (trainable=False) in Keras: base_conv, base_bn, mid" in imp.notes[0]
    # and back out: the exported model has the same layers frozen
    export_h5(a, imp.state_dict, tmp_path / "again.h5")
    again = keras.models.load_model(tmp_path / "again.h5", compile=False)
    assert keras_counts(again) == keras_counts(model)
    assert keras_flags(again) == keras_flags(model) == flags
