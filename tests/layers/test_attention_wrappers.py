"""Attention, AdditiveAttention, MultiHeadAttention and TimeDistributed beyond their examples:
models built in Keras the ways Keras users write them (tensors by name, scores as an output,
TimeDistributed over channels-last video) import with Keras's predictions; refusals are by name."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netcanvas.export.keras_import import import_model
from netcanvas.graph.compile import compile_graph
from netcanvas.kerasio.errors import ImportFailed
from netcanvas.layers import REGISTRY, ShapeError

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")


def _imported(keras, model, tmp_path, ext: str):
    path = tmp_path / f"model.{ext}"
    model.save(path)
    imp = import_model(path.name, path.read_bytes())
    m = compile_graph(imp.graph)
    m.load_state_dict(imp.state_dict, strict=True)
    return imp, m.eval()


def _outputs(out) -> list[np.ndarray]:
    outs = out if isinstance(out, (tuple, list)) else [out]
    return [np.asarray(o.detach().cpu() if hasattr(o, "detach") else o) for o in outs]


def _randomize(model, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    model.set_weights([rng.standard_normal(w.shape).astype("float32") * 0.5 for w in model.get_weights()])


@pytest.mark.parametrize("ext", ["keras", "h5"])
def test_multi_head_attention_by_name_with_scores_as_an_output(keras, tmp_path, ext):
    q, v, k = keras.Input((4, 6)), keras.Input((5, 3)), keras.Input((5, 2))
    out, scores = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=2, name="mha")(
        query=q, value=v, key=k, return_attention_scores=True, use_causal_mask=True)
    model = keras.Model([q, v, k], [out, scores])
    _randomize(model)
    rng = np.random.default_rng(1)
    xs = [rng.standard_normal((2, *s)).astype("float32") for s in ((4, 6), (5, 3), (5, 2))]
    want = _outputs(model(xs))

    imp, m = _imported(keras, model, tmp_path, ext)
    node = next(n for n in imp.graph.nodes if n.id == "mha")
    assert node.params["use_causal_mask"] and node.params["return_attention_scores"]
    with torch.no_grad():
        got = [o.numpy() for o in m(*[torch.tensor(x) for x in xs])]
    # the scores are (heads, T, S) in both; netcanvas's output is their channels-first form
    assert np.abs(got[0] - want[0]).max() <= 1e-5
    assert np.abs(np.moveaxis(got[1], 1, -1) - want[1]).max() <= 1e-5


def test_attention_call_arguments_come_back(keras, tmp_path):
    q, v = keras.Input((5, 4)), keras.Input((6, 4))
    a, w = keras.layers.Attention(use_scale=True, score_mode="concat")([q, v], use_causal_mask=True,
                                                                        return_attention_scores=True)
    b = keras.layers.AdditiveAttention()([q, v, keras.layers.Dense(4)(v)], use_causal_mask=True)
    model = keras.Model([q, v], [a, keras.layers.Flatten()(w), b])  # netcanvas outputs are first outputs
    _randomize(model)
    rng = np.random.default_rng(2)
    xs = [rng.standard_normal((3, 5, 4)).astype("float32"), rng.standard_normal((3, 6, 4)).astype("float32")]
    want = _outputs(model(xs))
    _, m = _imported(keras, model, tmp_path, "keras")
    with torch.no_grad():
        got = [o.numpy() for o in m(*[torch.tensor(x) for x in xs])]
    for g, w_ in zip(got, want, strict=True):
        assert np.abs(g - w_).max() <= 1e-5


@pytest.mark.parametrize("ext", ["keras", "h5"])
def test_time_distributed_over_a_channels_last_video(keras, tmp_path, ext):
    x = keras.Input((3, 8, 7, 2))  # (T, H, W, C)
    y = keras.layers.TimeDistributed(keras.layers.Conv2D(3, 3, activation="relu"))(x)
    feats = keras.layers.TimeDistributed(keras.layers.Flatten())(y)
    model = keras.Model(x, [keras.layers.LSTM(4)(feats), y])
    _randomize(model)
    xs = np.random.default_rng(3).standard_normal((2, 3, 8, 7, 2)).astype("float32")
    want = _outputs(model(xs))
    imp, m = _imported(keras, model, tmp_path, ext)
    kinds = [n.type for n in imp.graph.nodes]
    assert kinds.count("TimeDistributed") >= 2 and "Permute" in kinds
    with torch.no_grad():
        got = [o.numpy() for o in m(torch.tensor(xs))]
    assert got[1].shape == want[1].shape == (2, 3, 6, 5, 3)  # rank 4 steps: identical in both layouts
    for g, w in zip(got, want, strict=True):
        assert np.abs(g - w).max() <= 1e-4


def test_time_distributed_batch_normalization_trains_per_step_as_keras(keras):
    layer = REGISTRY["TimeDistributed"].model_validate(
        {"layer": {"type": "BatchNormalization", "params": {"momentum": 0.5}}})
    m = layer.build([(3, 4)]).train()
    x = (np.random.default_rng(4).standard_normal((5, 3, 4)) * np.arange(1, 4)[None, :, None]).astype("float32")
    kl = keras.layers.TimeDistributed(keras.layers.BatchNormalization(momentum=0.5))
    want = np.asarray(kl(x, training=True).detach())
    got = m(torch.tensor(x)).detach().numpy()
    assert np.abs(got - want).max() <= 1e-4  # each step normalized by its own batch statistics
    moving = np.asarray(kl.layer.moving_mean.value.detach())
    assert np.abs(m.layer.bn.running_mean.numpy() - moving).max() <= 1e-5


def _keras_file(keras, tmp_path, make) -> bytes:
    model = make()
    model.save(tmp_path / "m.keras")
    return (tmp_path / "m.keras").read_bytes()


def test_refused_options_are_named(keras, tmp_path):
    def gated():
        q = keras.Input((4, 6))
        return keras.Model(q, keras.layers.MultiHeadAttention(2, 3, use_gate=True)(q, q))

    with pytest.raises(ImportFailed, match="use_gate=True"):
        import_model("m.keras", _keras_file(keras, tmp_path, gated))

    def shaped():
        q = keras.Input((4, 6))
        return keras.Model(q, keras.layers.MultiHeadAttention(2, 3, output_shape=(2, 3))(q, q))

    with pytest.raises(ImportFailed, match="output_shape"):
        import_model("m.keras", _keras_file(keras, tmp_path, shaped))

    def embedded():
        x = keras.Input((3, 5), dtype="int32")
        return keras.Model(x, keras.layers.TimeDistributed(keras.layers.Embedding(10, 4))(x))

    with pytest.raises(ImportFailed, match="Embedding reads token ids"):
        import_model("m.keras", _keras_file(keras, tmp_path, embedded))


def test_time_distributed_params_and_shapes_speak_plainly():
    td = REGISTRY["TimeDistributed"]
    for kind, why in (("Concatenate", "one input"), ("Input", "where data enters"), ("Embedding", "token ids"),
                      ("Nope", "not a netcanvas layer kind")):
        with pytest.raises(ValueError, match=why):
            td.model_validate({"layer": {"type": kind, "params": {}}})
    with pytest.raises(ValueError, match="units"):
        td.model_validate({"layer": {"type": "Dense", "params": {"units": 0}}})
    dense = td.model_validate({"layer": {"type": "Dense", "params": {"units": 3}}})
    assert dense.layer.params == {"units": 3, "activation": "linear", "use_bias": True}  # stored in full
    assert dense.output_shapes([(None, 5)]) == [(None, 3)]
    with pytest.raises(ShapeError, match=r"needs a sequence \(time, \.\.\.\), got \(5,\)"):
        dense.output_shapes([(5,)])
    conv = td.model_validate({"layer": {"type": "Conv2D", "params": {"filters": 2, "kernel_size": 3}}})
    assert conv.output_shapes([(4, 1, 8, 8)]) == [(4, 2, 6, 6)]
    with pytest.raises(ShapeError, match=r"each time step, \(8,\)"):
        conv.output_shapes([(4, 8)])


def test_attention_shapes_speak_plainly():
    att = REGISTRY["Attention"]()
    assert att.output_shapes([(None, 4), (7, 3), (7, 4)]) == [(None, 3)]
    with pytest.raises(ShapeError, match=r"query has 4 features and the value has 3.*Dense\(4\)"):
        att.output_shapes([(5, 4), (7, 3)])
    with pytest.raises(ShapeError, match="same number of time steps"):
        att.output_shapes([(5, 4), (7, 3), (6, 4)])
    with pytest.raises(ShapeError, match="sequences"):
        REGISTRY["MultiHeadAttention"](num_heads=2, key_dim=4).output_shapes([(1, 28, 28), (5, 4)])
    mha = REGISTRY["MultiHeadAttention"](num_heads=2, key_dim=4, return_attention_scores=True, output_shape=5)
    assert mha.output_shapes([(6, 3), (None, 2)]) == [(6, 5), (2, 6, None)]


def test_a_transformer_block_exports_to_keras_with_the_scores_read_downstream(keras, tmp_path):
    from kind_examples import randomize

    from netcanvas.export.keras_h5 import build_keras_model, write_h5
    from netcanvas.graph.analyze import analyze
    from netcanvas.graph.schema import Graph

    nodes = [
        {"id": "x", "type": "Input", "params": {"shape": [6, 8]}},
        {"id": "mha", "type": "MultiHeadAttention",
         "params": {"num_heads": 2, "key_dim": 4, "use_causal_mask": True, "return_attention_scores": True}},
        {"id": "add", "type": "Add", "params": {}},
        {"id": "norm", "type": "LayerNormalization", "params": {}},
        {"id": "ff", "type": "TimeDistributed", "params": {"layer": {"type": "Dense", "params": {"units": 3}}}},
        {"id": "flat", "type": "Flatten", "params": {}},  # reads the scores (heads, T, S) as an image
        {"id": "head", "type": "Dense", "params": {"units": 2}},
    ]
    edges = [("x", "mha", 0, 0), ("x", "mha", 0, 1), ("mha", "add", 0, 0), ("x", "add", 0, 1), ("add", "norm", 0, 0),
             ("norm", "ff", 0, 0), ("mha", "flat", 1, 0), ("flat", "head", 0, 0)]
    graph = Graph.model_validate({
        "name": "block", "nodes": nodes, "outputs": ["ff", "head"],
        "edges": [{"source": s, "target": t, "source_port": sp, "target_port": tp} for s, t, sp, tp in edges]})
    a = analyze(graph)
    assert a.ok, a.problems
    m = compile_graph(a)
    randomize(m, 5)
    m.eval()
    x = torch.randn(3, 6, 8, generator=torch.Generator().manual_seed(6))
    with torch.no_grad():
        want = [o.numpy() for o in m(x)]
    write_h5(build_keras_model(a, m.state_dict()), tmp_path / "block.h5")
    km = keras.models.load_model(tmp_path / "block.h5", compile=False)
    got = _outputs(km(x.numpy(), training=False))
    for g, w in zip(got, want, strict=True):
        assert np.abs(g - w).max() <= 1e-4


def test_tf_keras_2_multi_head_attention_reads_value_and_key_by_name():
    import json

    def inp(name, shape):
        return {"class_name": "InputLayer", "name": name, "inbound_nodes": [],
                "config": {"batch_input_shape": [None, *shape], "dtype": "float32", "name": name}}

    config = {"class_name": "Functional", "config": {"name": "tf2", "layers": [
        inp("q", (4, 6)), inp("v", (5, 3)), inp("k", (5, 2)),
        {"class_name": "MultiHeadAttention", "name": "mha",
         "config": {"name": "mha", "num_heads": 2, "key_dim": 3, "value_dim": 3, "dropout": 0.0, "use_bias": True,
                    "output_shape": None, "attention_axes": [1], "kernel_regularizer": None},
         "inbound_nodes": [[["q", 0, 0, {"value": ["v", 0, 0], "key": ["k", 0, 0], "use_causal_mask": True}]]]},
    ], "input_layers": [["q", 0, 0], ["v", 0, 0], ["k", 0, 0]], "output_layers": [["mha", 0, 0]]}}
    imp = import_model("tf2.json", json.dumps(config).encode())
    sources = sorted((e.target_port, e.source) for e in imp.graph.edges if e.target == "mha")
    assert sources == [(0, "q"), (1, "v"), (2, "k")]
    assert next(n for n in imp.graph.nodes if n.id == "mha").params["use_causal_mask"] is True
