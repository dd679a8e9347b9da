import numpy as np
import pytest
import torch
from nc_export_cases import CASES, outputs_list, trained_like
from test_codegen_torch import load_source
from test_keras_h5 import keras_predict

from netcanvas.export.codegen_keras import keras_source
from netcanvas.export.keras_h5 import build_keras_model, export_h5

# Keras (torch backend) converts tensors with np.array(x), which torch 2.13 warns about
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")


@pytest.mark.parametrize("case", sorted(CASES))
def test_generated_keras_builds_the_same_model(case, keras, tmp_path):
    a, m, xs = trained_like(CASES[case]())
    src = keras_source(a)
    model = load_source(src, f"keras_{case}").build_model()
    want = build_keras_model(a, m.state_dict())
    assert sum(int(np.prod(w.shape)) for w in model.weights) == want.param_count()
    # Keras's counts equal netcanvas's (recurrent layers keep one bias, as Keras's do)
    counts = a.counts
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert (trainable, model.count_params()) == (counts.trainable, counts.total)
    if case in ("cnn", "rnn", "branches", "seq2seq"):  # the h5 weights load into the generated model
        export_h5(a, m.state_dict(), tmp_path / "model.h5")
        model.load_weights(tmp_path / "model.h5")
        with torch.no_grad():
            expected = outputs_list(m(*xs))
        got = keras_predict(keras, model, [x.numpy() for x in xs])
        assert max(float(np.abs(g - w).max()) for g, w in zip(got, expected, strict=True)) <= 1e-4


def test_keras_source_reads_like_keras():
    src = keras_source(CASES["cnn"]() if "cnn" in CASES else CASES["mlp"]())
    assert "from keras import layers" in src and "def build_model() -> keras.Model:" in src
    assert "layers.Dense(units=6, activation='relu', use_bias=True, name='dense_7')(" in src


def test_code_for_a_huge_graph_allocates_no_weights():
    # 3·222·222·64 → 4096 → 4096: ~13e9 parameters (52 GB) if code generation built real weights
    from nc_export_cases import chain

    from netcanvas.export.codegen_torch import pytorch_source

    g = chain("big", [3, 224, 224], [("Conv2D", {"filters": 64, "kernel_size": 3}), ("Flatten", {}),
                                     ("Dense", {"units": 4096}), ("Dense", {"units": 4096})])
    assert "nn.Linear(in_features=3154176, out_features=4096" in pytorch_source(g)
    assert "layers.Dense(units=4096" in keras_source(g)
