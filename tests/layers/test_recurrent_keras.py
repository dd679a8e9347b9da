"""Recurrent layers against Keras itself: initial states on extra ports (seq2seq) and masks.

Each Keras model is built here, saved (.keras and .h5), imported, and must predict as Keras does
(≤ 1e-4); the imported graph is exported back to .h5 and Keras's load of it predicts the same.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netcanvas.export.keras_h5 import build_keras_model, write_h5
from netcanvas.export.keras_import import import_model
from netcanvas.graph.analyze import analyze
from netcanvas.graph.compile import compile_graph

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword",
                                        "ignore:Layer .* does not support masking")


def _outputs(out):
    return [o.detach().cpu().numpy() for o in (out if isinstance(out, (list, tuple)) else [out])]


def _check(keras, km, xs, tmp_path, suffix="keras"):
    want = _outputs(km(xs if len(xs) > 1 else xs[0], training=False))
    path = tmp_path / f"model.{suffix}"
    km.save(path)
    imp = import_model(path.name, path.read_bytes())
    m = compile_graph(imp.graph)
    m.load_state_dict(imp.state_dict, strict=True)
    with torch.no_grad():
        got = _outputs(m.eval()(*[torch.as_tensor(x) for x in xs]))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape
        assert float(np.abs(g - w).max()) <= 1e-4
    # and back: netcanvas's export of the imported graph loads in Keras with the same predictions
    write_h5(build_keras_model(analyze(imp.graph), m.state_dict()), tmp_path / "back.h5")
    again = keras.models.load_model(tmp_path / "back.h5", compile=False)
    for g, w in zip(_outputs(again(xs if len(xs) > 1 else xs[0], training=False)), want):
        assert float(np.abs(g - w).max()) <= 1e-4
    return imp


@pytest.mark.parametrize("suffix", ["keras", "h5"])
def test_seq2seq_initial_state_from_an_encoder(keras, tmp_path, suffix):
    L = keras.layers
    enc_in, dec_in = keras.Input((5, 3)), keras.Input((6, 2))
    _, h, c = L.LSTM(4, return_state=True, name="encoder")(enc_in)
    seq = L.LSTM(4, return_sequences=True, name="decoder")(dec_in, initial_state=[h, c])
    out = L.Dense(3, activation="softmax")(seq)
    km = keras.Model([enc_in, dec_in], out)
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(2, 5, 3)).astype("float32"), rng.normal(size=(2, 6, 2)).astype("float32")]
    imp = _check(keras, km, xs, tmp_path, suffix)
    decoder = next(n for n in imp.graph.nodes if n.id == "decoder")
    ports = sorted((e.target_port, e.source, e.source_port) for e in imp.graph.edges if e.target == "decoder")
    assert decoder.type == "LSTM" and [p[0] for p in ports] == [0, 1, 2]
    assert ports[1:] == [(1, "encoder", 1), (2, "encoder", 2)]


def test_gru_and_bidirectional_initial_states(keras, tmp_path):
    L = keras.layers
    x, s = keras.Input((4, 3)), keras.Input((3,))
    g = L.GRU(3, return_sequences=True, reset_after=False)(x, initial_state=[s])
    b = L.Bidirectional(L.SimpleRNN(3))(g, initial_state=[s, s])
    km = keras.Model([x, s], b)
    rng = np.random.default_rng(1)
    _check(keras, km, [rng.normal(size=(2, 4, 3)).astype("float32"), rng.normal(size=(2, 3)).astype("float32")],
           tmp_path)


def _token_ids():
    # padding at the end, and a zero in the middle of the first sequence
    return np.array([[3, 1, 0, 4, 2, 0, 0], [5, 6, 2, 1, 0, 0, 0], [1, 2, 3, 4, 5, 6, 1]], dtype="int32")


def test_embedding_mask_through_recurrent_layers_and_pooling(keras, tmp_path):
    L = keras.layers
    ids = keras.Input((7,), dtype="int32")
    e = L.Embedding(8, 4, mask_zero=True)(ids)
    d = L.Dropout(0.3)(L.Dense(5, activation="tanh")(e))
    seq = L.LSTM(3, return_sequences=True)(d)
    seq = L.Bidirectional(L.GRU(2, return_sequences=True), merge_mode="concat")(seq)
    back = L.SimpleRNN(3, go_backwards=True, return_sequences=True)(seq)
    pooled = L.GlobalAveragePooling1D()(back)
    last = L.GRU(2, reset_after=False)(seq)
    km = keras.Model(ids, L.Concatenate()([pooled, last]))
    _check(keras, km, [_token_ids()], tmp_path)


def test_masking_layer_and_mask_kept_through_merges(keras, tmp_path):
    L = keras.layers
    x = keras.Input((6, 2))
    m = L.Masking(mask_value=0.0)(x)
    a = L.LSTM(3, return_sequences=True)(m)
    b = L.SimpleRNN(3, return_sequences=True)(m)
    added = L.Add()([a, b])
    joined = L.Concatenate()([added, m])
    pooled = L.GlobalAveragePooling1D()(joined)
    state = L.Bidirectional(L.LSTM(2), merge_mode="sum")(joined)
    km = keras.Model(x, [pooled, state])
    rng = np.random.default_rng(2)
    xs = rng.normal(size=(3, 6, 2)).astype("float32")
    xs[0, 4:] = 0.0
    xs[1, 1] = 0.0
    xs[2, :2] = 0.0
    _check(keras, km, [xs], tmp_path)


def test_refused_options_are_named(keras, tmp_path):
    L = keras.layers
    x = keras.Input((4, 3), batch_size=2)
    for layer, name in ((L.LSTM(2, stateful=True), "stateful"),
                        (L.GRU(2, kernel_regularizer="l2"), "kernel_regularizer")):
        km = keras.Model(x, layer(x))
        km.save(tmp_path / "m.keras")
        with pytest.raises(ValueError, match=name):
            import_model("m.keras", (tmp_path / "m.keras").read_bytes())


def test_old_state_dict_with_two_lstm_biases_loads_with_the_same_outputs():
    from netcanvas.layers import REGISTRY

    torch.manual_seed(0)
    old = torch.nn.LSTM(4, 3, batch_first=True)
    layer = REGISTRY["LSTM"].model_validate({"units": 3, "return_sequences": True})
    m = layer.build([(6, 4)]).eval()
    m.load_state_dict({f"rnn.{k}": v for k, v in old.state_dict().items()}, strict=True)
    x = torch.randn(2, 6, 4)
    with torch.no_grad():
        torch.testing.assert_close(m(x), old(x)[0])
    assert "rnn.bias_hh_l0" not in m.state_dict()


def test_dropout_in_training_is_random_per_sequence_and_off_in_eval():
    from netcanvas.layers import REGISTRY

    layer = REGISTRY["GRU"].model_validate({"units": 3, "dropout": 0.5, "recurrent_dropout": 0.5})
    m = layer.build([(5, 4)])
    x = torch.randn(4, 5, 4)
    m.eval()
    with torch.no_grad():
        a, b = m(x), m(x)
    torch.testing.assert_close(a, b)
    m.train()
    torch.manual_seed(1)
    with torch.no_grad():
        c, d = m(x), m(x)
    assert not torch.allclose(c, d) and not torch.allclose(c, a)
