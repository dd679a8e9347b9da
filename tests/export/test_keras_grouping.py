"""Big flat Keras imports are grouped into blocks by Keras's naming (graph/grouping.py): the canvas
shows tens of top-level nodes, predictions and counts stay Keras's, and re-export keeps Keras's
layer names and loads in Keras."""

import numpy as np
import pytest
import torch
from test_keras_h5 import keras_predict

from netcanvas.export.keras_h5 import export_h5
from netcanvas.export.keras_import import import_model
from netcanvas.graph.analyze import analyze
from netcanvas.graph.compile import compile_graph
from netcanvas.graph.grouping import group_into_blocks, keras_groups
from netcanvas.graph.schema import Graph

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")


def randomize_statistics(keras, model) -> None:
    rng = np.random.default_rng(0)
    for layer in model._flatten_layers(include_self=False, recursive=True):
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.moving_mean.assign(rng.normal(0, 0.2, layer.moving_mean.shape))
            layer.moving_variance.assign(rng.uniform(0.5, 1.5, layer.moving_variance.shape))


CASES = {
    # name: (builder, input shape, expected top-level blocks)
    "InceptionV3": (lambda A: A.InceptionV3(weights=None, input_shape=(75, 75, 3), classes=4),
                    [f"mixed{i}" for i in range(11)]),
    "ResNet50": (lambda A: A.ResNet50(weights=None, input_shape=(32, 32, 3), classes=4),
                 ["conv1", "pool1", "conv2_block1", "conv2_block2", "conv2_block3"] + [
                     f"conv3_block{i}" for i in range(1, 5)] + [f"conv4_block{i}" for i in range(1, 7)] + [
                     f"conv5_block{i}" for i in range(1, 4)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_big_imports_are_grouped_and_predict_like_keras(keras, tmp_path, name):
    build, expected = CASES[name]
    model = build(keras.applications)
    randomize_statistics(keras, model)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    imp = import_model(path.name, path.read_bytes())
    top = imp.graph.nodes
    assert 10 <= len(top) <= 60, len(top)  # tens of readable nodes, not hundreds
    assert [n.id for n in top if n.type == "Block"] == expected
    a = analyze(imp.graph)
    assert a.ok, a.problems[:3]
    assert len(a.nodes) == len(model.layers)  # every Keras layer is a node inside some block
    assert a.total_params == model.count_params()
    if name == "InceptionV3":  # the module's last Concatenate and the layers that compute it
        inside = imp.graph.blocks["mixed1"].nodes
        assert [n.id for n in inside if n.id.startswith("mixed")] == ["mixed1"]
        assert sum(n.type == "Conv2D" for n in inside) == 7 and inside[0].type == "Input"  # its 4 towers

    x = np.random.default_rng(1).uniform(0, 1, (2, *model.inputs[0].shape[1:])).astype("float32")
    want = model(x, training=False).detach().cpu().numpy()
    m = compile_graph(a)
    m.load_state_dict(imp.state_dict, strict=True)
    with torch.no_grad():
        got = m.eval()(torch.from_numpy(np.moveaxis(x, -1, 1).copy())).numpy()
    assert float(np.abs(got - want).max()) <= 1e-4

    out = tmp_path / f"{name}_again.h5"
    export_h5(a, m.state_dict(), out)
    again = keras.models.load_model(out, compile=False)
    assert {lay.name for lay in again.layers} - {lay.name for lay in model.layers} <= {model.layers[0].name}
    (back,) = keras_predict(keras, again, [np.moveaxis(x, -1, 1)])
    assert float(np.abs(back - want).max()) <= 1e-4


def chain_graph(ids: list[str], extra_edges=()) -> Graph:
    nodes = [{"id": "in", "type": "Input", "params": {"shape": [4]}}]
    nodes += [{"id": i, "type": "Dense", "params": {"units": 4}} for i in ids]
    edges = [{"source": a, "target": b} for a, b in zip(["in", *ids], ids, strict=False)]
    return Graph.model_validate({"nodes": nodes, "edges": edges + list(extra_edges)})


def test_keras_groups_by_name_and_unnamed_layers_join_the_next_block():
    g = chain_graph(["stem", "block1_a", "block1_b", "dense", "block2_a", "head"])
    groups = keras_groups(g)
    # "dense" lies between block1 and block2: it joins block2; the stem and the head stay outside
    assert groups == {"block1_a": "block1", "block1_b": "block1", "dense": "block2", "block2_a": "block2"}


def test_a_group_that_is_not_contiguous_stays_flat():
    # a → x → b, with a and b in one group and x outside: as one node it would read its own output
    g = chain_graph(["a", "x", "b", "c", "d"])
    grouped = group_into_blocks(g, {"a": "g", "b": "g", "c": "h", "d": "h"})
    assert [n.id for n in grouped.graph.nodes] == ["in", "a", "x", "b", "h"]
    assert grouped.ids["c"] == "h/c" and grouped.ids["a"] == "a"
    a = analyze(grouped.graph)
    assert a.ok, a.problems
    assert a.order == ["in", "a", "x", "b", "h/c", "h/d"]


def test_grouping_keeps_weights_and_outputs(tmp_path):
    from netcanvas.export.import_blocks import _paths
    from netcanvas.graph.grouping import regroup_state

    g = chain_graph(["block1_a", "block1_b", "block2_a", "block2_b"]).model_copy(update={"outputs": ["block2_b"]})
    flat = compile_graph(g).eval()
    grouped = group_into_blocks(g, keras_groups(g))
    assert grouped.graph.outputs == ["block2"] and set(grouped.graph.blocks) == {"block1", "block2"}
    state = regroup_state(flat.state_dict(), _paths(g), _paths(grouped.graph), grouped.ids)
    m = compile_graph(grouped.graph).eval()
    m.load_state_dict(state, strict=True)
    x = torch.randn(3, 4)
    with torch.no_grad():
        assert torch.equal(m(x), flat(x))
