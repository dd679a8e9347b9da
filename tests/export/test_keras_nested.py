"""A Keras model used as a layer inside another (the transfer-learning pattern) imports as a block
(graph/blocks.py): its layers are inside it, predictions and weights equal Keras's, and re-export
(flattened) loads in Keras."""

import numpy as np
import pytest
import torch
from test_keras_import import run_imported

from netcanvas.export.keras_h5 import build_keras_model, write_h5
from netcanvas.export.keras_import import import_model
from netcanvas.graph.analyze import analyze
from netcanvas.graph.compile import compile_graph

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")


def nested_models(keras):
    L = keras.layers
    inp = keras.Input((8, 8, 3), name="base_in")
    x = L.Conv2D(4, 3, padding="same", activation="relu", name="block1_conv")(inp)
    x = L.BatchNormalization(name="block1_bn")(x)
    x = L.MaxPooling2D(2, name="block1_pool")(x)
    base = keras.Model(inp, x, name="base")
    for v in (base.get_layer("block1_bn").moving_mean, base.get_layer("block1_bn").moving_variance):
        v.assign(np.random.default_rng(3).uniform(0.5, 1.5, v.shape))
    # Sequential([base, Flatten(), Dense()]): the classic new head on a pretrained base
    head = keras.Sequential([keras.Input((8, 8, 3)), base, L.Flatten(name="flatten"),
                             L.Dense(5, activation="relu", name="fc"), L.Dense(3, activation="softmax",
                                                                            name="predictions")], name="transfer")
    # a functional model calling a nested Sequential and a nested functional model, names clashing
    inner = keras.Sequential([keras.Input((6,)), L.Dense(4, name="fc"), L.Dense(2, name="inner_out")], name="inner")
    a = keras.Input((6,), name="a")
    b = keras.Input((6,), name="b")
    merged = L.Concatenate(name="cat")([inner(a), L.Dense(2, name="fc")(b)])
    two = keras.Model([a, b], L.Dense(1, name="fc_top")(merged), name="two_inputs")
    return {"transfer": head, "two_inputs": two}


@pytest.mark.parametrize("fmt", ["h5", "keras"])
def test_nested_models_import_as_blocks_and_predict_like_keras(keras, tmp_path, fmt):
    rng = np.random.default_rng(0)
    for name, model in nested_models(keras).items():
        path = tmp_path / f"{name}.{fmt}"
        model.save(path)
        xs = [rng.normal(size=(3, *t.shape[1:])).astype("float32") for t in model.inputs]
        want = model(xs[0] if len(xs) == 1 else xs, training=False).detach().numpy()
        imp = import_model(path.name, path.read_bytes())
        kinds = [n.type for n in imp.graph.nodes]
        assert "Functional" not in kinds and "Sequential" not in kinds
        nested = {"transfer": "base", "two_inputs": "inner"}[name]
        assert {n.id: n.block for n in imp.graph.nodes if n.type == "Block"} == {nested: nested}
        assert imp.has_weights
        a = analyze(imp.graph)
        assert a.total_params == model.count_params(), name  # Keras's summary, nested layers included
        nc = [torch.from_numpy(np.moveaxis(x, -1, 1) if x.ndim == 4 else x) for x in xs]
        (got,) = run_imported(imp, nc)
        assert float(np.abs(got - want).max()) <= 1e-4, name

        # and back to Keras: the flat model loads and predicts the same
        m = compile_graph(a)
        m.load_state_dict(imp.state_dict, strict=True)
        out = tmp_path / f"{name}_again.h5"
        write_h5(build_keras_model(a, m.state_dict()), out)
        again = keras.models.load_model(out, compile=False)
        back = again(xs[0] if len(xs) == 1 else xs, training=False).detach().numpy()
        assert float(np.abs(back - want).max()) <= 1e-4, name


def test_nested_layer_names_keep_their_own_ids_inside_the_block(keras, tmp_path):
    model = nested_models(keras)["two_inputs"]
    path = tmp_path / "two.keras"
    model.save(path)
    graph = import_model(path.name, path.read_bytes()).graph
    assert {n.id for n in graph.nodes} == {"a", "b", "inner", "fc", "cat", "fc_top"}
    inside = graph.blocks["inner"]
    assert [n.id for n in inside.nodes] == ["input", "fc", "inner_out"]  # its "fc" clashes with no outer one
    assert inside.outputs == ["inner_out"]
    a = analyze(graph)
    assert {"inner/fc", "inner/inner_out", "fc"} <= set(a.nodes)
