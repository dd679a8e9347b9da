"""What a learner reads when a layer does not fit: the problem and the fix, on the right node/field."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from netcanvas.graph.analyze import analyze
from netcanvas.graph.schema import Graph
from netcanvas.layers import REGISTRY, ShapeError


def shape_error(kind: str, shapes: list, **params) -> ShapeError:
    with pytest.raises(ShapeError) as err:
        REGISTRY[kind].model_validate(params).output_shapes(shapes)
    return err.value


@pytest.mark.parametrize(("kind", "params", "shapes", "says"), [
    ("Conv2D", {"filters": 8, "kernel_size": 3}, [(784,)],
     "Conv2D expects an image (channels, height, width), got (784,): add a Reshape to (1, 28, 28) before it."),
    ("Conv2D", {"filters": 8, "kernel_size": 3}, [(3072,)], "add a Reshape to (3, 32, 32)"),
    ("Conv2D", {"filters": 8, "kernel_size": 3}, [(28, 28)], "use Conv1D for sequences"),
    ("MaxPooling2D", {}, [(10, 8)], "use MaxPooling1D for sequences, or add a Reshape to (1, 10, 8)"),
    ("Conv1D", {"filters": 8, "kernel_size": 3}, [(100,)], "add a Reshape to (100, 1) before it"),
    ("Conv1D", {"filters": 8, "kernel_size": 3}, [(1, 28, 28)], "use Conv2D for images"),
    ("LSTM", {"units": 8}, [(1, 28, 28)], "add a Reshape to (28, 28) before it"),
    ("GRU", {"units": 8}, [(20,)], "add a Reshape to (20, 1) before it"),
    ("Add", {}, [(32,), (16,)], "Add needs inputs of the same shape: input 2 is (16,), input 1 is (32,)"),
    ("Subtract", {}, [(4, 8), (8,)], "differ in rank"),
    ("Reshape", {"target_shape": [1, 28, 27]}, [(784,)], "the number of values must stay the same"),
    ("Permute", {"dims": [2, 1]}, [(1, 28, 28)], "list every axis once, e.g. [3, 2, 1]"),
    ("RepeatVector", {"n": 3}, [(10, 8)], "set return_sequences=False"),
    ("Flatten", {}, [(None, 8)], "Flatten needs every dimension known"),
])
def test_shape_errors_name_the_fix(kind, params, shapes, says):
    assert says in shape_error(kind, shapes, **params).message


def test_kernel_larger_than_input_says_which_and_by_how_much():
    err = shape_error("Conv2D", [(8, 3, 9)], filters=4, kernel_size=5)
    assert err.field == "kernel_size"
    assert err.message.startswith("Conv2D's kernel_size 5×5 is larger than its input 3×9 by 2 in height:")
    assert 'padding="same"' in err.message
    dilated = shape_error("Conv1D", [(6, 2)], filters=4, kernel_size=3, dilation_rate=3)
    assert "3 (dilated, it spans 7) is larger than its input 6 by 1 in length" in dilated.message
    pool = shape_error("MaxPooling2D", [(8, 1, 1)])
    assert pool.field == "pool_size" and "by 1 in height and 1 in width" in pool.message


def graph(nodes, edges):
    return Graph.model_validate({"nodes": nodes, "edges": edges})


def test_problems_land_on_the_node_and_field():
    g = graph(
        [{"id": "in", "type": "Input", "params": {"shape": [1, 8, 8]}},
         {"id": "c", "type": "Conv2D", "params": {"filters": 4, "kernel_size": 9}},
         {"id": "k", "type": "Conv2D", "params": {"filters": 4, "kernel_size": [3]}},
         {"id": "s", "type": "Conv2D", "params": {"filters": 4, "kernel_size": 3, "strides": 2, "dilation_rate": 2}}],
        [{"source": "in", "target": "c"}, {"source": "in", "target": "k"}, {"source": "in", "target": "s"}],
    )
    a = analyze(g)
    assert [p.field for p in a.nodes["c"].problems] == ["kernel_size"]
    (k,) = a.nodes["k"].problems
    assert k.field == "kernel_size" and "list of two (height, width)" in k.message
    (s,) = a.nodes["s"].problems
    assert s.field == "dilation_rate" and "strides" in s.message


@pytest.mark.parametrize(("kind", "params"), [
    ("Conv2D", {"filters": 0, "kernel_size": 3}),
    ("Conv2D", {"filters": 4, "kernel_size": 3, "padding": "causal"}),
    ("MaxPooling2D", {"pool_size": [2, 2, 2]}),
    ("Dropout", {"rate": 1.0}),
    ("Reshape", {"target_shape": [-1, -1]}),
    ("Reshape", {"target_shape": [0, 4]}),
    ("Permute", {"dims": [1, 1]}),
    ("LSTM", {"units": 4, "recurrent_dropout": 1.0}),  # a rate below 1
    ("Bidirectional", {"units": 4, "layer": "Conv1D"}),  # wraps recurrent kinds only
    ("BatchNormalization", {"momentum": 1.5}),
])
def test_param_errors_are_validation_errors(kind, params):
    with pytest.raises(ValidationError):
        REGISTRY[kind].model_validate(params)
