"""MACs per node (Layer.macs, graph/cost.py) against torch's FlopCounterMode on the built modules:
torch counts 2 flops per multiply-add of each matmul and convolution."""

from __future__ import annotations

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from netcanvas.graph.analyze import analyze
from netcanvas.graph.schema import Graph
from netcanvas.layers import REGISTRY

CASES = [
    ("Dense", {"units": 7}, [(5,)]),
    ("Dense", {"units": 4}, [(3, 6)]),  # a sequence: one dot product per step and unit
    ("Conv2D", {"filters": 4, "kernel_size": 3}, [(3, 8, 8)]),
    ("Conv2D", {"filters": 4, "kernel_size": 3, "groups": 2, "strides": 2, "padding": "same"}, [(4, 9, 9)]),
    ("Conv1D", {"filters": 5, "kernel_size": 2}, [(10, 3)]),
    ("DepthwiseConv2D", {"kernel_size": 3, "depth_multiplier": 2}, [(3, 7, 7)]),
    ("SeparableConv2D", {"filters": 6, "kernel_size": 3}, [(3, 7, 7)]),
    ("Conv2DTranspose", {"filters": 3, "kernel_size": 3, "strides": 2}, [(2, 4, 4)]),
    ("GRU", {"units": 4, "return_sequences": True}, [(5, 3)]),
    ("SimpleRNN", {"units": 4}, [(5, 3)]),
    ("MultiHeadAttention", {"num_heads": 2, "key_dim": 3}, [(4, 5), (6, 3)]),
]


@pytest.mark.parametrize(("kind", "params", "shapes"), CASES, ids=[c[0] for c in CASES])
def test_macs_match_torch_flop_counter(kind: str, params: dict, shapes: list) -> None:
    layer = REGISTRY[kind].model_validate(params)
    outputs = layer.output_shapes(shapes)
    module = layer.build(shapes).eval()
    xs = [torch.randn(1, *s) for s in shapes]
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        module(*xs)
    assert layer.macs(shapes, outputs) * 2 == counter.get_total_flops()


def test_lstm_macs_are_four_gates_per_step() -> None:
    # torch runs LSTM as one fused op FlopCounterMode does not see; GRU above checks the same rule
    lstm = REGISTRY["LSTM"].model_validate({"units": 5})
    assert lstm.macs([(6, 3)], [(5,)]) == 6 * 4 * (3 + 5) * 5
    bi = REGISTRY["Bidirectional"].model_validate({"layer": "LSTM", "units": 5})
    assert bi.macs([(6, 3)], bi.output_shapes([(6, 3)])) == 2 * 6 * 4 * (3 + 5) * 5


def test_elementwise_and_embedding_cost_nothing() -> None:
    assert REGISTRY["ReLU"].model_validate({}).macs([(10,)], [(10,)]) == 0
    emb = REGISTRY["Embedding"].model_validate({"input_dim": 100, "output_dim": 8})
    assert emb.macs([(5,)], [(5, 8)]) == 0


def _chain(units: int) -> Graph:
    return Graph.model_validate({
        "nodes": [{"id": "in", "type": "Input", "params": {"shape": [10]}},
                  {"id": "d", "type": "Dense", "params": {"units": units}},
                  {"id": "r", "type": "ReLU", "params": {}}],
        "edges": [{"source": "in", "target": "d"}, {"source": "d", "target": "r"}],
    })


def test_report_has_macs_per_node_and_total() -> None:
    report = analyze(_chain(20)).report()
    assert report["nodes"]["d"]["macs"] == 200
    assert report["nodes"]["r"]["macs"] == 0
    assert report["macs"] == 200
