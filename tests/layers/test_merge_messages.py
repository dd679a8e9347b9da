"""A merge that does not fit says which input differs, and (in a graph) which node feeds it."""

from __future__ import annotations

import pickle

import pytest

from netcanvas.graph.analyze import analyze
from netcanvas.graph.schema import Graph
from netcanvas.layers import REGISTRY, ShapeError

ELEMENTWISE = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"]


def refusal(kind: str, shapes: list, **params) -> ShapeError:
    with pytest.raises(ShapeError) as err:
        REGISTRY[kind].model_validate(params).output_shapes(shapes)
    return err.value


def merge_graph(kind: str, shapes: dict[str, list[int]], **params) -> Graph:
    """One Input per entry of `shapes` (in order), each through a Dense 'd_<id>' keeping its shape's
    last size, all into merge 'm'."""
    nodes = [{"id": "m", "type": kind, "params": params}]
    edges = []
    for port, (nid, shape) in enumerate(shapes.items()):
        nodes.append({"id": nid, "type": "Input", "params": {"shape": shape}})
        nodes.append({"id": f"d_{nid}", "type": "Dense", "params": {"units": shape[-1]}})
        edges += [{"source": nid, "target": f"d_{nid}"}, {"source": f"d_{nid}", "target": "m", "target_port": port}]
    return Graph.model_validate({"nodes": nodes, "edges": edges})


def test_concatenate_names_the_input_that_differs_and_the_one_it_differs_from():
    err = refusal("Concatenate", [(8, 5), (8, 5), (7, 4)], axis=-1)
    assert err.message.startswith("Concatenate on axis -1 needs the other axes equal: input 3 is (7, 4), "
                                  "input 1 is (8, 5); dimension 1 differs (7 and 8).")


def test_concatenate_in_a_graph_names_the_nodes_that_feed_it():
    a = analyze(merge_graph("Concatenate", {"conv_1": [8, 5], "dense_3": [9, 4]}, axis=-1))
    (p,) = a.problems
    assert p.node == "m"
    assert p.message.startswith("Concatenate on axis -1 needs the other axes equal: input 2 (from 'd_dense_3') is "
                                "(9, 4), input 1 (from 'd_conv_1') is (8, 5); dimension 1 differs (9 and 8).")


def test_concatenate_on_its_default_axis_says_which_axis_that_is():
    err = refusal("Concatenate", [(2, 4, 4), (3, 4, 5)])
    assert "Concatenate on the feature axis (axis 1) needs the other axes equal: input 2 is (3, 4, 5)" in err.message
    assert "dimension 3 differs (5 and 4)" in err.message


def test_concatenate_rank_mismatch_names_the_inputs():
    a = analyze(merge_graph("Concatenate", {"a": [4, 8], "b": [8]}))
    (p,) = a.problems
    assert p.message.startswith("Concatenate needs inputs of the same rank: input 2 (from 'd_b') is (8,), "
                                "input 1 (from 'd_a') is (4, 8); they differ in rank.")


@pytest.mark.parametrize("kind", ELEMENTWISE)
def test_elementwise_merges_name_the_input_that_differs(kind):
    a = analyze(merge_graph(kind, {"left": [16], "right": [32]}))
    (p,) = a.problems
    assert p.node == "m"
    assert p.message.startswith(f"{kind} needs inputs of the same shape: input 2 (from 'd_right') is (32,), "
                                "input 1 (from 'd_left') is (16,); dimension 1 differs (32 and 16).")
    assert "or join them with Concatenate instead" in p.message


def test_the_first_input_that_differs_is_named_not_a_later_one():
    err = refusal("Add", [(4,), (4,), (5,), (6,)])
    assert "input 3 is (5,), input 1 is (4,)" in err.message


def test_a_variable_length_against_a_fixed_one_names_both_inputs():
    err = refusal("Add", [(5, 3), (None, 3)])
    assert "dimension 1 is a variable length (None) in input 2 and 5 in input 1" in err.message
    assert "exactly 5 steps" in err.message


def test_dot_names_its_inputs_and_keeps_the_field():
    a = analyze(merge_graph("Dot", {"q": [4], "k": [5]}, axes=1))
    (p,) = a.problems
    assert p.field == "axes"
    assert p.message.startswith("Dot multiplies axis 1 of input 1 (from 'd_q') (4,) with axis 1 of "
                                "input 2 (from 'd_k') (5,), which differ (4 and 5)")
    err = refusal("Dot", [(4,), (2, 3, 4)], axes=1)
    assert "but input 2 is (2, 3, 4): add a Flatten" in err.message


def test_merges_that_fit_still_fit():
    assert REGISTRY["Concatenate"].model_validate({"axis": -1}).output_shapes([(8, 4), (8, 5)]) == [(8, 9)]
    assert REGISTRY["Add"].model_validate({}).output_shapes([(None, 3), (None, 3)]) == [(None, 3)]


def test_the_refusal_survives_pickling():
    """Errors cross process boundaries (workers); the subclass must rebuild from its args."""
    err = refusal("Add", [(4,), (5,)])
    again = pickle.loads(pickle.dumps(err))
    assert isinstance(again, ShapeError) and str(again) == err.message
