import numpy as np
import pytest
import torch
from nc_export_cases import CASES, outputs_list, to_channels_first, to_channels_last, trained_like

from netcanvas.export.keras_h5 import build_keras_model, export_h5
from netcanvas.kerasio.errors import KerasExportError

# Keras (torch backend) converts tensors with np.array(x), which torch 2.13 warns about
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")

MAX_DIFF: dict[str, float] = {}


def keras_predict(keras, model, xs: list[np.ndarray]) -> list[np.ndarray]:
    xs = [to_channels_last(x) for x in xs]
    out = model(xs[0] if len(xs) == 1 else xs, training=False)
    outs = out if isinstance(out, (list, tuple)) else [out]
    return [to_channels_first(o.detach().cpu().numpy()) for o in outs]


@pytest.mark.parametrize("case", sorted(CASES))
def test_h5_loads_in_keras_and_predicts_the_same(case, keras, tmp_path):
    a, m, xs = trained_like(CASES[case]())
    with torch.no_grad():
        want = outputs_list(m(*xs))
    path = tmp_path / "model.h5"
    export_h5(a, m.state_dict(), path)
    km = keras.models.load_model(path, compile=False)
    got = keras_predict(keras, km, [x.numpy() for x in xs])
    assert len(got) == len(want)
    diff = max(float(np.abs(g - w).max()) for g, w in zip(got, want, strict=True))
    for g, w in zip(got, want, strict=True):
        assert g.shape == w.shape
    MAX_DIFF[case] = diff
    print(f"{case}: max abs diff {diff:.2e}")
    assert diff <= 1e-4
    assert sum(int(np.prod(w.shape)) for w in km.weights) == build_keras_model(a, m.state_dict()).param_count()


def test_unsupported_layer_is_named(monkeypatch):
    from netcanvas.layers import REGISTRY

    monkeypatch.setattr(REGISTRY["Dropout"], "keras_classes", ())  # as if Dropout had no Keras side
    a, m, _ = trained_like(CASES["mlp"]())
    with pytest.raises(KerasExportError, match=r"Node 'dropout_1' is a Dropout.*no Keras counterpart"):
        build_keras_model(a, m.state_dict())
