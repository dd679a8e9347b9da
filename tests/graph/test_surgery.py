"""graph.surgery: cut a graph at nodes, replace its head (pure graph operations)."""

from __future__ import annotations

import itertools

import pytest

from netcanvas.data.base import DatasetInfo, Sizes, TargetInfo
from netcanvas.graph.analyze import analyze
from netcanvas.graph.schema import Graph
from netcanvas.graph.surgery import HeadSpec, SurgeryError, cut, replace_head
from netcanvas.training.derive import head_for


def two_towers() -> Graph:
    """in → a → (b1, b2) → cat → out, and an auxiliary output aux on a."""
    return Graph.model_validate({
        "name": "towers",
        "nodes": [
            {"id": "in", "type": "Input", "params": {"shape": [8]}},
            {"id": "a", "type": "Dense", "params": {"units": 6}, "trainable": False},
            {"id": "b1", "type": "Dense", "params": {"units": 4}},
            {"id": "b2", "type": "Dense", "params": {"units": 4}},
            {"id": "cat", "type": "Concatenate", "params": {}},
            {"id": "out", "type": "Dense", "params": {"units": 3, "activation": "softmax"}},
            {"id": "aux", "type": "Dense", "params": {"units": 1}},
        ],
        "edges": [
            {"source": "in", "target": "a"}, {"source": "a", "target": "b1"}, {"source": "a", "target": "b2"},
            {"source": "b1", "target": "cat"}, {"source": "b2", "target": "cat", "target_port": 1},
            {"source": "cat", "target": "out"}, {"source": "a", "target": "aux"},
        ],
        "outputs": ["out", "aux"],
    })


def test_cut_keeps_what_the_node_needs_and_drops_the_rest():
    s = cut(two_towers(), ["b1"])
    assert [n.id for n in s.graph.nodes] == ["in", "a", "b1"]
    assert s.graph.outputs == ["b1"] and analyze(s.graph).ok
    assert not next(n for n in s.graph.nodes if n.id == "a").trainable  # flags travel with the node
    assert "'b2'" in s.notes[0] and "'aux'" in s.notes[0]
    both = cut(two_towers(), ["cat", "aux"])
    assert both.graph.outputs == ["cat", "aux"] and len(both.graph.nodes) == 6


def test_replace_head_removes_everything_downstream_and_prunes_unused_branches():
    s = replace_head(two_towers(), "b1", HeadSpec(5, "softmax"))
    ids = [n.id for n in s.graph.nodes]
    assert ids == ["in", "a", "head"] and s.graph.outputs == ["head"] and s.new_nodes == ["head"]
    assert analyze(s.graph).ok and analyze(s.graph).shapes_of("head") == [(5,)]
    assert any("'aux'" in n for n in s.notes)  # dropped branch named


def test_replace_head_refuses_a_merge_and_unknown_nodes():
    with pytest.raises(SurgeryError, match="'cat' joins 2 inputs"):
        replace_head(two_towers(), "cat", HeadSpec(3, "softmax"))
    with pytest.raises(SurgeryError, match="'fc1' is not a node"):
        replace_head(two_towers(), "fc1", HeadSpec(3, "softmax"))


def _info(loss: str, n: int, kind: str = "classes") -> DatasetInfo:
    return DatasetInfo(id="set", name="set", kind="table", input_shape=[8], target=TargetInfo(kind=kind, num_classes=n),
                       sizes=Sizes(train=10), suggested_loss=loss)


def test_the_head_follows_the_data_sets_target_and_suggested_loss():
    assert head_for(_info("binary_crossentropy", 2), None) == (HeadSpec(1, "sigmoid"), "binary_crossentropy")
    assert head_for(_info("sparse_categorical_crossentropy", 7), None) == (
        HeadSpec(7, "softmax"), "sparse_categorical_crossentropy")
    assert head_for(_info("", 4), None)[1] == "sparse_categorical_crossentropy"  # uploads suggest none
    assert head_for(_info("mean_squared_error", 0, "values"), None) == (HeadSpec(1, None), "mean_squared_error")
    assert head_for(None, 1) == (HeadSpec(1, "sigmoid"), "binary_crossentropy")
    with pytest.raises(ValueError, match="7 classes"):
        head_for(_info("sparse_categorical_crossentropy", 7), 3)


def test_a_head_after_a_node_keeps_it_and_positions_follow_it():
    g = two_towers()
    g = g.model_copy(update={"nodes": [n.model_copy(update={"position": {"x": 10, "y": 20 * i}})
                                       for i, n in enumerate(g.nodes)]})
    g = Graph.model_validate(g.model_dump())
    s = replace_head(g, "cat", HeadSpec(2, "softmax"), keep_node=True)
    assert [n.id for n in s.graph.nodes] == ["in", "a", "b1", "b2", "cat", "head"]
    cat = next(n for n in s.graph.nodes if n.id == "cat")
    head = s.graph.nodes[-1]
    assert head.position is not None and cat.position is not None and head.position.y > cat.position.y


@pytest.mark.parametrize("flow", ["down", "right"])
def test_new_head_layers_follow_the_flow_a_card_apart(flow):
    """A pooling + head added after an image layer goes on in the direction the graph runs there,
    never on top of the kept node (cards are ~100 px tall, ~210 wide)."""
    g = Graph.model_validate({"nodes": [
        {"id": "in", "type": "Input", "params": {"shape": [3, 8, 8]}},
        {"id": "conv", "type": "Conv2D", "params": {"filters": 4, "kernel_size": 3}},
    ], "edges": [{"source": "in", "target": "conv"}]})
    step = {"down": (0, 92), "right": (240, 0)}[flow]
    g = g.model_copy(update={"nodes": [n.model_copy(update={"position": {"x": i * step[0], "y": i * step[1]}})
                                       for i, n in enumerate(g.nodes)]})
    s = replace_head(Graph.model_validate(g.model_dump()), "conv", HeadSpec(2, "softmax"), keep_node=True,
                     add_pooling=True)
    pos = {n.id: n.position for n in s.graph.nodes}
    assert [n.id for n in s.graph.nodes] == ["in", "conv", "head_pool", "head"]
    chain = [pos["conv"], pos["head_pool"], pos["head"]]
    for a, b in itertools.pairwise(chain):
        assert a is not None and b is not None
        if flow == "down":
            assert b.x == a.x and b.y - a.y >= 150
        else:
            assert b.y == a.y and b.x - a.x >= 280
