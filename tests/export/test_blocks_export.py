"""A graph with blocks exports: .h5 and .keras flattened (layer names without "/") load in Keras with
the same predictions and the frozen copy frozen; generated PyTorch has one class per block; generated
Keras builds the same model; ONNX and .pt2 run the inlined graph."""

import numpy as np
import pytest
import torch
from nc_export_cases import outputs_list, randomize
from test_codegen_torch import load_source
from test_keras_h5 import keras_predict

from block_cases import inception_graph
from netcanvas.export.codegen_keras import keras_source
from netcanvas.export.codegen_torch import pytorch_source
from netcanvas.export.keras_h5 import export_h5
from netcanvas.export.keras_native import export_keras
from netcanvas.graph.analyze import analyze
from netcanvas.graph.compile import compile_graph

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")


def trained_blocks():
    torch.manual_seed(0)
    a = analyze(inception_graph(second={"trainable": False}))
    assert a.ok, a.problems
    m = randomize(compile_graph(a), 0).eval()
    x = torch.randn(3, 3, 8, 8)
    with torch.no_grad():
        want = m(x).numpy()
    return a, m, x, want


@pytest.mark.parametrize("fmt", ["h5", "keras"])
def test_blocks_export_flattened_and_load_in_keras(keras, tmp_path, fmt):
    a, m, x, want = trained_blocks()
    path = tmp_path / f"model.{fmt}"
    (export_h5 if fmt == "h5" else export_keras)(a, m.state_dict(), path)
    model = keras.models.load_model(path, compile=False)
    (got,) = keras_predict(keras, model, [x.numpy()])
    assert float(np.abs(got - want).max()) <= 1e-4
    names = [lay.name for lay in model.layers]
    assert "mixed0_branch1x1" in names and "mixed1_cat" in names and not any("/" in n for n in names)
    frozen = {lay.name for lay in model.layers if not lay.trainable}
    assert "mixed1_branch1x1" in frozen and "mixed0_branch1x1" not in frozen
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert (trainable, model.count_params()) == (a.counts.trainable, a.counts.total)


def test_generated_pytorch_has_a_class_per_block_and_predicts_the_same():
    a, m, x, want = trained_blocks()
    src = pytorch_source(a)
    assert src.count("class Inception(nn.Module):") == 1  # linked copies share their class
    assert "self.mixed0 = Inception(branch1x1=" in src and "self.mixed1 = Inception(" in src
    assert "self.mixed1.branch1x1.requires_grad_(False)" in src
    mod = load_source(src, "blocks_model")
    model = getattr(mod, type(m).__name__)().eval()
    model.load_state_dict(m.state_dict(), strict=True)
    with torch.no_grad():
        got = model(x).numpy()
    assert float(np.abs(got - want).max()) <= 1e-5
    assert not any(p.requires_grad for p in model.mixed1.parameters())


def test_generated_keras_builds_the_same_model(keras, tmp_path):
    a, m, x, want = trained_blocks()
    model = load_source(keras_source(a), "keras_blocks").build_model()
    assert model.count_params() == a.counts.total
    export_h5(a, m.state_dict(), tmp_path / "model.h5")
    model.load_weights(tmp_path / "model.h5")
    (got,) = keras_predict(keras, model, [x.numpy()])
    assert float(np.abs(got - want).max()) <= 1e-4


def test_onnx_and_pt2_run_the_inlined_graph(tmp_path):
    from netcanvas.export.onnx import export_onnx
    from netcanvas.export.pt2 import export_pt2

    a, m, x, want = trained_blocks()
    export_pt2(a, m.state_dict(), tmp_path / "model.pt2")
    program = torch.export.load(tmp_path / "model.pt2")
    with torch.no_grad():
        got = outputs_list(program.module()(x))[0]
    assert float(np.abs(got - want).max()) <= 1e-5
    ort = pytest.importorskip("onnxruntime")
    export_onnx(a, m.state_dict(), tmp_path / "model.onnx")
    session = ort.InferenceSession(str(tmp_path / "model.onnx"), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {session.get_inputs()[0].name: x.numpy()})
    assert float(np.abs(got - want).max()) <= 1e-4
