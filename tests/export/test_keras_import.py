import io
import json
import pickle

import numpy as np
import pytest
import torch
from nc_export_cases import CASES, outputs_list, to_channels_first, to_channels_last, trained_like

from netcanvas.export.keras_h5 import build_keras_model, write_h5
from netcanvas.export.keras_import import ImportFailed, import_model
from netcanvas.graph.analyze import analyze
from netcanvas.graph.compile import compile_graph, example_inputs

# Keras (torch backend) converts tensors with np.array(x), which torch 2.13 warns about
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")


def run_imported(imp, xs):
    m = compile_graph(imp.graph)
    m.load_state_dict(imp.state_dict, strict=True)
    with torch.no_grad():
        return outputs_list(m.eval()(*xs))


@pytest.mark.parametrize("case", sorted(CASES))
def test_netcanvas_to_h5_and_back_predicts_the_same(case, tmp_path):
    a, m, xs = trained_like(CASES[case]())
    path = tmp_path / "model.h5"
    write_h5(build_keras_model(a, m.state_dict()), path)
    imp = import_model("model.h5", path.read_bytes())
    assert imp.source == "keras-h5"
    assert all(n.position is None for n in imp.graph.nodes)  # the canvas lays it out
    with torch.no_grad():
        want = outputs_list(m(*xs))
    got = run_imported(imp, xs)
    diff = max(float(np.abs(g - w).max()) for g, w in zip(got, want, strict=True))
    assert diff <= 1e-5, diff


def keras_models(keras):
    L = keras.layers
    out = {}
    # CNN: channels-last images, BN statistics, Flatten → Dense, Concatenate of image towers (axis -1)
    img = keras.Input((9, 8, 3), name="image")
    a = L.Conv2D(4, 3, padding="same", activation="relu", name="conv_a")(img)
    b = L.Conv2D(2, (1, 2), padding="same", name="conv_b")(img)
    x = L.Concatenate(name="towers")([a, b])
    x = L.BatchNormalization(name="bn")(x)
    x = L.MaxPooling2D(2, padding="same", name="pool")(x)
    x = L.Conv2DTranspose(3, 2, strides=2, name="up")(x)
    x = L.ZeroPadding2D(((1, 0), (0, 1)), name="pad")(x)
    f = L.Flatten(name="flat")(x)
    d = L.Dense(7, activation="tanh", name="hidden")(L.Dropout(0.2, name="drop")(f))
    g = L.GlobalAveragePooling2D(name="gap")(x)
    out["cnn"] = keras.Model(img, [L.Dense(3, activation="softmax", name="probs")(d), g], name="kcnn")
    # sequences: Embedding, LSTM/GRU/SimpleRNN, Bidirectional, Conv1D, merges
    tok = keras.Input((6,), dtype="int32", name="tokens")
    e = L.Embedding(11, 5, name="emb")(tok)
    s = L.LSTM(4, return_sequences=True, name="lstm")(e)
    s = L.Bidirectional(L.GRU(3, return_sequences=True), merge_mode="concat", name="bigru")(s)
    c = L.Conv1D(6, 2, padding="causal", name="conv1d")(e)
    s = L.Add(name="add")([s, c])
    s = L.LayerNormalization(name="ln")(s)
    r, h = L.SimpleRNN(2, return_state=True, name="srnn")(s)
    out["seq"] = keras.Model(tok, L.Concatenate(name="cat")([r, h, L.GlobalMaxPooling1D(name="gmp")(c)]),
                             name="kseq")
    # Sequential with Reshape / Permute
    out["sequential"] = keras.Sequential([
        keras.Input((12,)), L.Reshape((2, 3, 2)), L.Conv2D(2, 1), L.Permute((3, 1, 2)), L.Flatten(),
        L.Dense(4), L.ReLU(), L.Dense(3), L.LeakyReLU(negative_slope=0.2), L.Dense(4), L.ELU(),
        L.RepeatVector(2), L.GRU(2), L.Activation("sigmoid"), L.Dense(3), L.Softmax(),
    ], name="kseqential")
    for model in out.values():  # non-trivial BN statistics
        for layer in model.layers:
            if isinstance(layer, L.BatchNormalization):
                layer.moving_mean.assign(np.random.default_rng(0).normal(size=layer.moving_mean.shape))
                layer.moving_variance.assign(np.random.default_rng(1).uniform(0.5, 2, layer.moving_variance.shape))
    return out


def keras_inputs(model, rng):
    xs = []
    for t in model.inputs:
        shape = (3, *t.shape[1:])
        xs.append(rng.integers(0, 11, shape).astype("int32") if "int" in str(t.dtype)
                  else rng.normal(size=shape).astype("float32"))
    return xs


@pytest.mark.parametrize("fmt", ["h5", "keras"])
def test_keras_models_import_and_predict_like_keras(keras, tmp_path, fmt):
    rng = np.random.default_rng(0)
    for name, model in keras_models(keras).items():
        path = tmp_path / f"{name}.{fmt}"
        model.save(path)
        xs = keras_inputs(model, rng)
        k_out = model(xs[0] if len(xs) == 1 else xs, training=False)
        k_out = [o.detach().numpy() for o in (k_out if isinstance(k_out, (list, tuple)) else [k_out])]
        imp = import_model(path.name, path.read_bytes())
        got = run_imported(imp, [torch.from_numpy(to_channels_first(x)).long() if x.dtype == np.int32
                                 else torch.from_numpy(to_channels_first(x)) for x in xs])
        for g, w in zip(got, k_out, strict=True):
            g = to_channels_last(g)
            assert g.shape == w.shape, name
            print(f"keras {name}.{fmt}: max abs diff {float(np.abs(g - w).max()):.2e}, output std {w.std():.2f}")
            assert float(np.abs(g - w).max()) <= 1e-4, (name, float(np.abs(g - w).max()))


def test_keras_json_imports_the_architecture(keras):
    model = keras_models(keras)["cnn"]
    imp = import_model("model.json", model.to_json().encode())
    assert imp.source == "keras-json" and not imp.has_weights
    a = analyze(imp.graph)
    assert a.ok and a.nodes["image"].output_shapes == [(3, 9, 8)]
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert (a.counts.trainable, a.total_params) == (trainable, model.count_params())  # Keras's summary() lines
    compile_graph(a)(*example_inputs(a))


def test_a_refusal_lists_each_unsupported_class_once_then_what_would_be_refused_next(keras, tmp_path):
    L = keras.layers
    vol = keras.Input((3, 3, 3, 1), name="vol")
    v = vol
    for i in range(5):
        v = L.Conv3D(1, 1, name=f"c3d_{i}")(v)
    v = L.Flatten()(v)
    lam = L.Lambda(lambda t: t * 2.0, name="double")(v)
    vec = keras.Input((4,), name="vec")
    w = L.Dense(3, kernel_regularizer="l2", name="reg")(vec)
    out = L.Concatenate()([lam, w])
    path = tmp_path / "m.keras"
    keras.Model([vol, vec], out).save(path)
    with pytest.raises(ImportFailed) as err:
        import_model("m.keras", path.read_bytes())
    msg = str(err.value)
    assert msg.startswith("m.keras has layers netcanvas does not support: Conv3D ×5: c3d_0, c3d_1, c3d_2, …; "
                          "Lambda ×1: double (a Lambda layer is serialised Python code"), msg
    assert msg.count("Conv3D") == 1
    # the layers that could be tried were, so the next refusal is told now, not after a second upload
    assert "Next, netcanvas would refuse: layer 'reg' (Dense): kernel_regularizer=" in msg, msg


def test_unsupported_options_are_named(keras, tmp_path):
    L = keras.layers
    x = keras.Input((5, 3))
    path = tmp_path / "m.keras"
    keras.Model(x, L.Dense(2, kernel_constraint="non_neg", name="pos")(x)).save(path)
    with pytest.raises(ImportFailed, match=r"m.keras: layer 'pos' \(Dense\): kernel_constraint=.* is not supported"):
        import_model("m.keras", path.read_bytes())


def test_netcanvas_bundle_imports_with_weights_only(tmp_path):
    from netcanvas.training.bundle import bundle_dict, save_bundle

    a, m, _xs = trained_like(CASES["mlp"]())
    save_bundle(tmp_path / "model.pt", bundle_dict(a.graph, m, settings=None, linear_outputs=["dense_4"],
                                                  output_activations=["softmax"], class_names=list("abcde")))
    imp = import_model("model.pt", (tmp_path / "model.pt").read_bytes())
    assert imp.source == "netcanvas" and imp.bundle["class_names"] == list("abcde")
    for k, v in m.state_dict().items():
        assert torch.equal(imp.state_dict[k], v)


class Evil:
    def __reduce__(self):
        return (print, ("pwned",))


@pytest.mark.parametrize(("name", "data", "message"), [
    ("empty.h5", b"", "empty.h5 is empty"),
    ("noise.h5", b"\x00\x01garbage" * 50, "noise.h5 is not a model file"),
    ("trunc.h5", b"\x89HDF\r\n\x1a\n" + b"\x00" * 100, "trunc.h5"),
    ("bad.json", b"{not json", "bad.json is not valid JSON"),
    ("graph.json", json.dumps({"format": "netcanvas.graph/1", "nodes": []}).encode(), "is a netcanvas graph"),
    ("zip.keras", b"PK\x03\x04" + b"\x00" * 60, "zip.keras"),
])
def test_corrupt_files_fail_with_their_name(name, data, message):
    with pytest.raises(ImportFailed, match=message):
        import_model(name, data)


def test_pickles_are_never_run(capsys):
    buf = io.BytesIO()
    torch.save({"format": "netcanvas.model/1", "x": Evil()}, buf)
    with pytest.raises(ImportFailed, match="evil.pt is not a loadable netcanvas model.pt"):
        import_model("evil.pt", buf.getvalue())
    assert "pwned" not in capsys.readouterr().out
    with pytest.raises(ImportFailed, match="raw.pkl is not a model file"):
        import_model("raw.pkl", pickle.dumps(Evil()))


def test_weights_only_h5_says_what_to_upload(keras, tmp_path):
    x = keras.Input((4,))
    model = keras.Model(x, keras.layers.Dense(2)(x))
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    with pytest.raises(ImportFailed, match="w.weights.h5"):
        import_model(path.name, path.read_bytes())


def keras2_style(config: dict) -> dict:
    """A Keras 3 functional config rewritten the way Keras 2 / tf.keras wrote .h5 files."""
    layers = []
    for lay in config["config"]["layers"]:
        cfg = dict(lay["config"])
        if lay["class_name"] == "InputLayer":
            cfg["batch_input_shape"] = cfg.pop("batch_shape")
        nodes = []
        for node in lay["inbound_nodes"]:
            args = node["args"][0] if node["args"] and isinstance(node["args"][0], list) else node["args"]
            nodes.append([[t["config"]["keras_history"][0], 0, t["config"]["keras_history"][2], {}] for t in args])
        layers.append({"class_name": lay["class_name"], "config": cfg, "name": lay["name"], "inbound_nodes": nodes})

    def refs(v):
        return [v] if isinstance(v[0], str) else v

    return {"class_name": "Functional", "config": {
        "name": config["config"]["name"], "layers": layers,
        "input_layers": refs(config["config"]["input_layers"]), "output_layers": refs(config["config"]["output_layers"]),
    }, "keras_version": "2.15.0", "backend": "tensorflow"}


@pytest.mark.parametrize("case", [c for c in ("cnn", "rnn", "branches") if c in CASES])
def test_keras2_style_h5_imports(case, tmp_path):
    import h5py

    a, m, xs = trained_like(CASES[case]())
    path = tmp_path / "k2.h5"
    write_h5(build_keras_model(a, m.state_dict()), path)
    with h5py.File(path, "r+") as f:
        f.attrs["model_config"] = json.dumps(keras2_style(json.loads(f.attrs["model_config"])))
        f.attrs["keras_version"] = "2.15.0"
        mw = f["model_weights"]
        for layer in mw.attrs["layer_names"]:
            g = mw[layer]
            names = [n.decode() if isinstance(n, bytes) else n for n in g.attrs["weight_names"]]
            g.attrs["weight_names"] = [f"{n}:0".encode() for n in names] if names else np.array([], "S1")
            for n in names:
                g.move(n, f"{n}:0")
    imp = import_model("k2.h5", path.read_bytes())
    with torch.no_grad():
        want = outputs_list(m(*xs))
    got = run_imported(imp, xs)
    assert max(float(np.abs(g - w).max()) for g, w in zip(got, want, strict=True)) <= 1e-5


def test_keras2_sequential_with_batch_input_shape(tmp_path):
    import h5py

    rng = np.random.default_rng(0)
    k1, b1, k2 = (rng.normal(size=s).astype("float32") for s in ((4, 3), (3,), (3, 2)))
    config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
        {"class_name": "Dense", "config": {"name": "d1", "units": 3, "activation": "relu", "use_bias": True,
                                           "batch_input_shape": [None, 4], "dtype": "float32"}},
        {"class_name": "Dropout", "config": {"name": "drop", "rate": 0.5}},
        {"class_name": "Dense", "config": {"name": "d2", "units": 2, "activation": "softmax", "use_bias": False}},
    ]}}
    path = tmp_path / "seq.h5"
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(config)
        mw = f.create_group("model_weights")
        mw.attrs["layer_names"] = [b"d1", b"drop", b"d2"]
        for name, ws in (("d1", {"kernel:0": k1, "bias:0": b1}), ("drop", {}), ("d2", {"kernel:0": k2})):
            g = mw.create_group(name)
            g.attrs["weight_names"] = [f"{name}/{w}".encode() for w in ws] if ws else np.array([], "S1")
            for w, arr in ws.items():
                g.create_dataset(f"{name}/{w}", data=arr)
    imp = import_model("seq.h5", path.read_bytes())
    x = rng.normal(size=(5, 4)).astype("float32")
    h = np.maximum(x @ k1 + b1, 0) @ k2
    want = np.exp(h) / np.exp(h).sum(axis=1, keepdims=True)
    (got,) = run_imported(imp, [torch.from_numpy(x)])
    assert np.abs(got - want).max() <= 1e-5


@pytest.mark.parametrize("make, where", [
    (lambda L: L.Activation("relu", activity_regularizer="l2", name="act"), "layer 'act' (Activation): activity_regularizer="),
    (lambda L: L.TimeDistributed(L.Dense(2, kernel_regularizer="l1"), name="td"), "its wrapped Dense: kernel_regularizer="),
    (lambda L: L.Bidirectional(L.LSTM(2, recurrent_constraint="non_neg"), name="bi"), "recurrent_constraint="),
])
def test_regularizers_and_constraints_are_refused_on_every_kind_and_inside_wrappers(keras, tmp_path, make, where):
    L = keras.layers
    x = keras.Input((3, 4))
    path = tmp_path / "m.keras"
    keras.Model(x, make(L)(x)).save(path)
    with pytest.raises(ImportFailed, match="is not supported") as err:
        import_model("m.keras", path.read_bytes())
    assert where in str(err.value), str(err.value)
