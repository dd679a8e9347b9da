"""Each family inside a real graph: analyze → compile_graph → run, shapes as inferred; state ports."""

from __future__ import annotations

import itertools

import torch

from netcanvas.graph.analyze import analyze
from netcanvas.graph.compile import compile_graph, example_inputs
from netcanvas.graph.schema import Graph


def chain(input_params: dict, *layers: tuple[str, dict]) -> dict:
    nodes = [{"id": "in", "type": "Input", "params": input_params}]
    nodes += [{"id": f"n{i}", "type": kind, "params": params} for i, (kind, params) in enumerate(layers)]
    edges = [{"source": a["id"], "target": b["id"]} for a, b in itertools.pairwise(nodes)]
    return {"nodes": nodes, "edges": edges}


def run(graph: dict) -> tuple:
    a = analyze(Graph.model_validate(graph))
    assert a.ok, a.problems
    gm = compile_graph(a)
    out = gm(*example_inputs(a))
    outs = out if isinstance(out, tuple) else (out,)
    for o, nid in zip(outs, a.outputs):
        assert tuple(o.shape[1:]) == tuple(5 if d is None else d for d in a.nodes[nid].output_shapes[0])
    return a, outs


def test_image_families_compile():
    a, _ = run(chain(
        {"shape": [784]},
        ("Reshape", {"target_shape": [1, 28, 28]}),
        ("Conv2D", {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same", "activation": "relu"}),
        ("BatchNormalization", {}),
        ("MaxPooling2D", {"pool_size": 2, "padding": "same"}),
        ("ZeroPadding2D", {"padding": [[0, 1], [1, 0]]}),
        ("Conv2DTranspose", {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"}),
        ("UpSampling2D", {"size": [1, 2], "interpolation": "bilinear"}),
        ("AveragePooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}),
        ("LayerNormalization", {}),
        ("Permute", {"dims": [1, 3, 2]}),
        ("GlobalMaxPooling2D", {}),
        ("Dropout", {"rate": 0.2}),
        ("Dense", {"units": 10, "activation": "softmax"}),
    ))
    assert a.nodes["n1"].output_shapes == [(4, 14, 14)]
    assert a.nodes["n5"].output_shapes == [(3, 16, 16)]


def test_sequence_families_compile_with_variable_length():
    a, _ = run(chain(
        {"shape": [None], "dtype": "int64"},
        ("Embedding", {"input_dim": 2, "output_dim": 8}),
        ("Conv1D", {"filters": 6, "kernel_size": 3, "padding": "causal"}),
        ("AveragePooling1D", {"pool_size": 2, "padding": "same"}),
        ("Bidirectional", {"layer": "GRU", "units": 4, "return_sequences": True}),
        ("SimpleRNN", {"units": 5, "activation": "relu", "return_sequences": True}),
        ("MaxPooling1D", {"pool_size": 1}),
        ("GlobalAveragePooling1D", {}),
        ("RepeatVector", {"n": 3}),
        ("LSTM", {"units": 2, "return_sequences": True}),
        ("Dense", {"units": 3}),
        ("Flatten", {}),
    ))
    assert a.nodes["n3"].output_shapes == [(None, 8)]


def test_lstm_return_state_has_three_ports_and_each_can_be_wired():
    graph = {
        "nodes": [
            {"id": "in", "type": "Input", "params": {"shape": [None, 3]}},
            {"id": "enc", "type": "LSTM", "params": {"units": 4, "return_state": True}},
            {"id": "h", "type": "Dense", "params": {"units": 2}},
            {"id": "c", "type": "Dense", "params": {"units": 2}},
            {"id": "both", "type": "Add", "params": {}},
            {"id": "gru", "type": "GRU", "params": {"units": 4, "return_sequences": True, "return_state": True}},
            {"id": "gru_h", "type": "Activation", "params": {"activation": "tanh"}},
        ],
        "edges": [
            {"source": "in", "target": "enc"},
            {"source": "enc", "target": "h", "source_port": 1},
            {"source": "enc", "target": "c", "source_port": 2},
            {"source": "h", "target": "both"},
            {"source": "c", "target": "both", "target_port": 1},
            {"source": "in", "target": "gru"},
            {"source": "gru", "target": "gru_h", "source_port": 1},
        ],
        "outputs": ["enc", "both", "gru_h"],
    }
    a, (_enc, _, gru_h) = run(graph)
    assert a.nodes["enc"].output_shapes == [(4,), (4,), (4,)]
    assert a.nodes["gru"].output_shapes == [(None, 4), (4,)]
    # Without return_sequences the output is the last h, as in Keras.
    module = compile_graph(a).enc
    out, h, _c = module(torch.randn(2, 5, 3))
    torch.testing.assert_close(out, h)
    assert gru_h.shape == (2, 4)


def test_merges_compile():
    kinds = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Concatenate"]
    nodes = [{"id": "in", "type": "Input", "params": {"shape": [3, 6, 6]}},
             {"id": "a", "type": "Conv2D", "params": {"filters": 4, "kernel_size": 3, "padding": "same"}},
             {"id": "b", "type": "Conv2D", "params": {"filters": 4, "kernel_size": 1}}]
    edges = [{"source": "in", "target": "a"}, {"source": "in", "target": "b"}]
    for kind in kinds:
        nodes.append({"id": kind, "type": kind, "params": {}})
        edges += [{"source": "a", "target": kind}, {"source": "b", "target": kind, "target_port": 1}]
    _a, outs = run({"nodes": nodes, "edges": edges, "outputs": kinds})
    assert [o.shape[1:] for o in outs] == [(4, 6, 6)] * 5 + [(8, 6, 6)]
    add, sub, mul, avg, mx, _ = outs
    torch.testing.assert_close(avg, add / 2)
    torch.testing.assert_close(mx, torch.maximum(add - mx, mx))
    assert not torch.allclose(sub, mul)
