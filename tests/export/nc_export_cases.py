"""Graphs every export is tested over, and helpers shared by the export tests."""

from __future__ import annotations

import numpy as np
import torch

from netcanvas.graph.analyze import analyze
from netcanvas.graph.compile import compile_graph, example_inputs
from netcanvas.graph.schema import Graph
from netcanvas.layers import REGISTRY


def chain(name: str, input_shape: list, layers: list[tuple[str, dict]], dtype: str = "float32") -> Graph:
    nodes = [{"id": "in", "type": "Input", "params": {"shape": input_shape, "dtype": dtype}}]
    edges = []
    prev = "in"
    for i, (kind, params) in enumerate(layers):
        nid = f"{kind.lower()}_{i}"
        nodes.append({"id": nid, "type": kind, "params": params})
        edges.append({"source": prev, "target": nid})
        prev = nid
    return Graph.model_validate({"name": name, "nodes": nodes, "edges": edges})


def graph(name: str, nodes: list, edges: list, **kw) -> Graph:
    return Graph.model_validate({"name": name, "nodes": nodes, "edges": edges, **kw})


def _mlp() -> Graph:
    return chain("mlp", [12], [("Dense", {"units": 16, "activation": "relu"}), ("Dropout", {"rate": 0.3}),
                                ("Dense", {"units": 8, "activation": "tanh", "use_bias": False}),
                                ("Activation", {"activation": "gelu"}),
                                ("Dense", {"units": 5, "activation": "softmax"})])


def _branches() -> Graph:
    return graph("branches", [
        {"id": "a_in", "type": "Input", "params": {"shape": [6]}},
        {"id": "b_in", "type": "Input", "params": {"shape": [4]}},
        {"id": "a", "type": "Dense", "params": {"units": 8, "activation": "elu"}},
        {"id": "b", "type": "Dense", "params": {"units": 3, "activation": "sigmoid"}},
        {"id": "cat", "type": "Concatenate", "params": {}},
        {"id": "out", "type": "Dense", "params": {"units": 2}},
        {"id": "aux", "type": "Activation", "params": {"activation": "leaky_relu"}},
    ], [
        {"source": "a_in", "target": "a"}, {"source": "b_in", "target": "b"},
        {"source": "b", "target": "cat"}, {"source": "a", "target": "cat", "target_port": 1},
        {"source": "cat", "target": "out"}, {"source": "cat", "target": "aux"},
    ], outputs=["out", "aux"])


def _activations() -> Graph:
    acts = ["selu", "softplus", "softsign", "swish", "hard_sigmoid", "relu", "sigmoid", "linear"]
    return chain("acts", [7], [("Dense", {"units": 7, "activation": a}) for a in acts])


def _seq_dense() -> Graph:
    return chain("seq-dense", [5, 3], [("Dense", {"units": 4, "activation": "softmax"}), ("Flatten", {}),
                                       ("Dense", {"units": 2})])


CASES: dict[str, object] = {
    "mlp": _mlp, "branches": _branches, "activations": _activations, "seq_dense": _seq_dense,
}


def add_case(name: str, needs: tuple[str, ...]):
    """Registers a graph factory used only once every kind it `needs` is registered."""
    def deco(fn):
        if all(k in REGISTRY for k in needs):
            CASES[name] = fn
        return fn
    return deco


def randomize(module: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    """Non-trivial weights and running statistics, so a wrong layout conversion shows."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in module.state_dict().items():
            if not t.is_floating_point():
                continue
            if name.endswith("running_var"):
                t.copy_(torch.rand(t.shape, generator=g) + 0.5)
            elif name.endswith(("running_mean", "bias")) or "bias_" in name.rsplit(".", 1)[-1]:
                t.copy_(torch.randn(t.shape, generator=g) * 0.3)
            else:
                t.copy_(t + torch.randn(t.shape, generator=g) * 0.05)
    return module.eval()


def trained_like(g: Graph, seed: int = 0):
    """(analysis, module in eval mode with random non-trivial weights, example inputs)."""
    torch.manual_seed(seed)
    a = analyze(g)
    assert a.ok, a.problems
    m = randomize(compile_graph(a), seed)
    xs = example_inputs(a, batch=3)
    for i, nid in enumerate(a.inputs):
        if a.nodes[nid].layer.dtype == "int64":
            xs[i] = torch.randint(0, 7, xs[i].shape, generator=torch.Generator().manual_seed(seed))
    return a, m, xs


def outputs_list(out) -> list[np.ndarray]:
    if isinstance(out, (tuple, list)):
        return [o.detach().numpy() if isinstance(o, torch.Tensor) else np.asarray(o) for o in out]
    return [out.detach().numpy() if isinstance(out, torch.Tensor) else np.asarray(out)]


def to_channels_last(x: np.ndarray) -> np.ndarray:
    return np.moveaxis(x, 1, -1) if x.ndim == 4 else x


def to_channels_first(x: np.ndarray) -> np.ndarray:
    return np.moveaxis(x, -1, 1) if x.ndim == 4 else x


for _mod in ("conv", "pooling", "norm", "recurrent", "reshaping", "embedding"):
    try:  # registers kinds that netcanvas.layers does not import yet
        __import__(f"netcanvas.layers.{_mod}")
    except ImportError:
        pass


@add_case("cnn", ("Conv2D", "MaxPooling2D", "BatchNormalization"))
def _cnn() -> Graph:
    return chain("cnn", [3, 11, 10], [
        ("Conv2D", {"filters": 4, "kernel_size": 3, "activation": "relu", "padding": "same"}),
        ("BatchNormalization", {}),
        ("Conv2D", {"filters": 5, "kernel_size": [3, 2], "strides": 2, "padding": "same"}),
        ("MaxPooling2D", {"pool_size": 2, "padding": "same"}),
        ("Activation", {"activation": "softmax"}),
        ("Flatten", {}), ("Dropout", {"rate": 0.1}),
        ("Dense", {"units": 6, "activation": "relu"}),
    ])


@add_case("cnn_flatten_out", ("Conv2D", "AveragePooling2D"))
def _cnn_flatten_out() -> Graph:
    # a Flatten read by a Concatenate and also a model output: exported with an explicit Permute
    return graph("cnn-flatten-out", [
        {"id": "img", "type": "Input", "params": {"shape": [2, 6, 5]}},
        {"id": "c", "type": "Conv2D", "params": {"filters": 3, "kernel_size": 2, "dilation_rate": 2}},
        {"id": "p", "type": "AveragePooling2D", "params": {"pool_size": 2, "strides": 1, "padding": "same"}},
        {"id": "f", "type": "Flatten", "params": {}},
        {"id": "v", "type": "Input", "params": {"shape": [4]}},
        {"id": "cat", "type": "Concatenate", "params": {}},
        {"id": "d", "type": "Dense", "params": {"units": 3}},
    ], [
        {"source": "img", "target": "c"}, {"source": "c", "target": "p"}, {"source": "p", "target": "f"},
        {"source": "f", "target": "cat"}, {"source": "v", "target": "cat", "target_port": 1},
        {"source": "cat", "target": "d"},
    ], outputs=["d", "f", "p"])


@add_case("inception", ("Conv2D", "GlobalAveragePooling2D", "MaxPooling2D", "LayerNormalization"))
def _inception() -> Graph:
    return graph("inception", [
        {"id": "img", "type": "Input", "params": {"shape": [3, 8, 8]}},
        {"id": "a", "type": "Conv2D", "params": {"filters": 2, "kernel_size": 1}},
        {"id": "b", "type": "Conv2D", "params": {"filters": 3, "kernel_size": 3, "padding": "same"}},
        {"id": "m", "type": "MaxPooling2D", "params": {"pool_size": 3, "strides": 1, "padding": "same"}},
        {"id": "cat", "type": "Concatenate", "params": {}},
        {"id": "ln", "type": "LayerNormalization", "params": {}},
        {"id": "g", "type": "GlobalAveragePooling2D", "params": {"keepdims": True}},
        {"id": "gm", "type": "GlobalMaxPooling2D", "params": {}},
        {"id": "cat_h", "type": "Concatenate", "params": {"axis": 3}},
    ], [
        {"source": "img", "target": "a"}, {"source": "img", "target": "b"}, {"source": "img", "target": "m"},
        {"source": "a", "target": "cat"}, {"source": "b", "target": "cat", "target_port": 1},
        {"source": "m", "target": "cat", "target_port": 2},
        {"source": "cat", "target": "ln"}, {"source": "ln", "target": "g"}, {"source": "ln", "target": "gm"},
        {"source": "a", "target": "cat_h"}, {"source": "a", "target": "cat_h", "target_port": 1},
    ], outputs=["g", "gm", "cat_h"])


@add_case("conv1d", ("Conv1D", "MaxPooling1D", "GlobalMaxPooling1D", "AveragePooling1D"))
def _conv1d() -> Graph:
    return chain("conv1d", [12, 3], [
        ("Conv1D", {"filters": 4, "kernel_size": 3, "padding": "causal", "dilation_rate": 2}),
        ("BatchNormalization", {"axis": 1}),
        ("Conv1D", {"filters": 5, "kernel_size": 2, "strides": 2, "padding": "same", "activation": "tanh"}),
        ("AveragePooling1D", {"pool_size": 2, "padding": "same"}),
        ("MaxPooling1D", {"pool_size": 2, "strides": 1}),
        ("GlobalMaxPooling1D", {"keepdims": True}),
        ("GlobalAveragePooling1D", {}),
    ])


@add_case("deconv", ("Conv2DTranspose",))
def _deconv() -> Graph:
    return chain("deconv", [2, 5, 4], [
        ("Conv2DTranspose", {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"}),
        ("Conv2DTranspose", {"filters": 2, "kernel_size": [2, 3], "strides": [1, 2], "activation": "sigmoid"}),
    ])


@add_case("mobile", ("DepthwiseConv2D", "SeparableConv2D", "Conv2D", "Conv2DTranspose"))
def _mobile() -> Graph:
    # MobileNet/Xception-style blocks: depthwise, grouped and separable convolutions, then upsampling
    return chain("mobile", [3, 11, 10], [
        ("Conv2D", {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same", "use_bias": False}),
        ("DepthwiseConv2D", {"kernel_size": 3, "padding": "same", "depth_multiplier": 2, "activation": "relu"}),
        ("Conv2D", {"filters": 6, "kernel_size": 1, "groups": 2}),
        ("SeparableConv2D", {"filters": 5, "kernel_size": 3, "strides": 2, "padding": "same", "depth_multiplier": 2}),
        ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2, "output_padding": 1}),
    ])


@add_case("sequence_convs", ("DepthwiseConv1D", "SeparableConv1D", "Conv1DTranspose"))
def _sequence_convs() -> Graph:
    return chain("sequence-convs", [9, 3], [
        ("DepthwiseConv1D", {"kernel_size": 3, "padding": "same", "depth_multiplier": 2}),
        ("SeparableConv1D", {"filters": 4, "kernel_size": 2, "dilation_rate": 2, "activation": "tanh"}),
        ("Conv1DTranspose", {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"}),
    ])


@add_case("rnn", ("LSTM", "GRU", "SimpleRNN", "Embedding"))
def _rnn() -> Graph:
    return graph("rnn", [
        {"id": "tokens", "type": "Input", "params": {"shape": [None], "dtype": "int64"}},
        {"id": "emb", "type": "Embedding", "params": {"input_dim": 7, "output_dim": 5}},
        {"id": "lstm", "type": "LSTM", "params": {"units": 6, "return_sequences": True}},
        {"id": "gru", "type": "GRU", "params": {"units": 4, "return_sequences": True, "return_state": True}},
        {"id": "rnn", "type": "SimpleRNN", "params": {"units": 3, "activation": "relu"}},
        {"id": "cat", "type": "Concatenate", "params": {}},
        {"id": "lstm_s", "type": "LSTM", "params": {"units": 2, "return_state": True, "use_bias": False}},
    ], [
        {"source": "tokens", "target": "emb"}, {"source": "emb", "target": "lstm"},
        {"source": "lstm", "target": "gru"}, {"source": "gru", "target": "rnn"},
        {"source": "rnn", "target": "cat"}, {"source": "gru", "source_port": 1, "target": "cat", "target_port": 1},
        {"source": "emb", "target": "lstm_s"},
    ], outputs=["cat", "lstm_s"])


@add_case("bidirectional", ("Bidirectional", "RepeatVector"))
def _bidirectional() -> Graph:
    return chain("bidirectional", [6, 3], [
        ("Bidirectional", {"layer": "LSTM", "units": 4, "return_sequences": True}),
        ("Bidirectional", {"layer": "GRU", "units": 3, "merge_mode": "sum", "return_sequences": True}),
        ("Bidirectional", {"layer": "SimpleRNN", "units": 2, "merge_mode": "ave", "activation": "relu"}),
        ("RepeatVector", {"n": 3}),
        ("Bidirectional", {"layer": "GRU", "units": 2, "merge_mode": "mul"}),
    ])


@add_case("bidirectional_states", ("Bidirectional",))
def _bidirectional_states() -> Graph:
    return graph("bidirectional-states", [
        {"id": "seq", "type": "Input", "params": {"shape": [None, 3]}},
        {"id": "bi", "type": "Bidirectional", "params": {"layer": "LSTM", "units": 3, "return_state": True}},
        {"id": "bg", "type": "Bidirectional", "params": {"layer": "GRU", "units": 2, "return_state": True,
                                                          "return_sequences": True}},
        {"id": "cat", "type": "Concatenate", "params": {}},
    ], [
        {"source": "seq", "target": "bi"}, {"source": "seq", "target": "bg"},
        {"source": "bi", "target": "cat"}, {"source": "bi", "source_port": 2, "target": "cat", "target_port": 1},
        {"source": "bi", "source_port": 3, "target": "cat", "target_port": 2},
        {"source": "bg", "source_port": 2, "target": "cat", "target_port": 3},
    ], outputs=["cat", "bg"])


@add_case("seq2seq", ("LSTM", "Dense"))
def _seq2seq() -> Graph:
    """The Keras seq2seq example: the encoder's final states seed the decoder (initial-state ports)."""
    return graph("seq2seq", [
        {"id": "encoder_inputs", "type": "Input", "params": {"shape": [None, 5]}},
        {"id": "decoder_inputs", "type": "Input", "params": {"shape": [None, 4]}},
        {"id": "encoder", "type": "LSTM", "params": {"units": 6, "return_state": True}},
        {"id": "decoder", "type": "LSTM", "params": {"units": 6, "return_sequences": True}},
        {"id": "dense", "type": "Dense", "params": {"units": 4, "activation": "softmax"}},
    ], [
        {"source": "encoder_inputs", "target": "encoder"},
        {"source": "decoder_inputs", "target": "decoder"},
        {"source": "encoder", "source_port": 1, "target": "decoder", "target_port": 1},
        {"source": "encoder", "source_port": 2, "target": "decoder", "target_port": 2},
        {"source": "decoder", "target": "dense"},
    ], outputs=["dense"])


@add_case("reshape_residual", ("Reshape", "Permute", "Add", "ZeroPadding2D", "UpSampling2D"))
def _reshape_residual() -> Graph:
    return graph("reshape-residual", [
        {"id": "x", "type": "Input", "params": {"shape": [48]}},
        {"id": "r", "type": "Reshape", "params": {"target_shape": [3, 4, 4]}},
        {"id": "c1", "type": "Conv2D", "params": {"filters": 3, "kernel_size": 3, "padding": "same"}},
        {"id": "add", "type": "Add", "params": {}},
        {"id": "mul", "type": "Multiply", "params": {}},
        {"id": "sub", "type": "Subtract", "params": {}},
        {"id": "avg", "type": "Average", "params": {}},
        {"id": "max", "type": "Maximum", "params": {}},
        {"id": "pad", "type": "ZeroPadding2D", "params": {"padding": [[1, 0], [2, 1]]}},
        {"id": "up", "type": "UpSampling2D", "params": {"size": [2, 1]}},
        {"id": "perm", "type": "Permute", "params": {"dims": [2, 3, 1]}},
        {"id": "r2", "type": "Reshape", "params": {"target_shape": [-1, 6]}},
        {"id": "r1", "type": "Reshape", "params": {"target_shape": [1, 6, 8]}},
        {"id": "c2", "type": "Conv2D", "params": {"filters": 2, "kernel_size": 2}},
        {"id": "r3", "type": "Reshape", "params": {"target_shape": [10, 7]}},
    ], [
        {"source": "x", "target": "r"}, {"source": "r", "target": "c1"},
        {"source": "r", "target": "add"}, {"source": "c1", "target": "add", "target_port": 1},
        {"source": "add", "target": "mul"}, {"source": "c1", "target": "mul", "target_port": 1},
        {"source": "mul", "target": "sub"}, {"source": "r", "target": "sub", "target_port": 1},
        {"source": "sub", "target": "avg"}, {"source": "c1", "target": "avg", "target_port": 1},
        {"source": "avg", "target": "max"}, {"source": "r", "target": "max", "target_port": 1},
        {"source": "max", "target": "pad"}, {"source": "pad", "target": "up"}, {"source": "up", "target": "perm"},
        {"source": "perm", "target": "r2"}, {"source": "x", "target": "r1"}, {"source": "r1", "target": "c2"},
        {"source": "c2", "target": "r3"},
    ], outputs=["r2", "perm", "r3"])


@add_case("pad_crop", ("ZeroPadding1D", "Cropping1D", "UpSampling1D", "Cropping2D", "Conv1D", "Conv2D"))
def _pad_crop() -> Graph:
    # a sequence and an image, padded, cropped and upsampled between layers with weights
    return graph("pad-crop", [
        {"id": "s", "type": "Input", "params": {"shape": [7, 3]}},
        {"id": "zp", "type": "ZeroPadding1D", "params": {"padding": [2, 1]}},
        {"id": "c1", "type": "Conv1D", "params": {"filters": 4, "kernel_size": 3}},
        {"id": "cr", "type": "Cropping1D", "params": {"cropping": [1, 2]}},
        {"id": "up", "type": "UpSampling1D", "params": {"size": 2}},
        {"id": "i", "type": "Input", "params": {"shape": [2, 7, 6]}},
        {"id": "c2", "type": "Conv2D", "params": {"filters": 3, "kernel_size": 2}},
        {"id": "cr2", "type": "Cropping2D", "params": {"cropping": [[1, 0], [0, 2]]}},
    ], [
        {"source": "s", "target": "zp"}, {"source": "zp", "target": "c1"}, {"source": "c1", "target": "cr"},
        {"source": "cr", "target": "up"}, {"source": "i", "target": "c2"}, {"source": "c2", "target": "cr2"},
    ], outputs=["up", "cr2"])


@add_case("upsample_bilinear", ("UpSampling2D",))
def _upsample_bilinear() -> Graph:
    return chain("upsample-bilinear", [2, 3, 4], [("UpSampling2D", {"size": 2, "interpolation": "bilinear"})])


@add_case("rank4", ("Reshape", "BatchNormalization", "Concatenate"))
def _rank4() -> Graph:
    # rank-4 tensors are not images: features last, the same layout in Keras
    return graph("rank4", [
        {"id": "x", "type": "Input", "params": {"shape": [2, 3, 4, 5]}},
        {"id": "sm", "type": "Activation", "params": {"activation": "softmax"}},
        {"id": "bn", "type": "BatchNormalization", "params": {}},
        {"id": "cat", "type": "Concatenate", "params": {}},
        {"id": "d", "type": "Dense", "params": {"units": 3}},
        {"id": "img", "type": "Reshape", "params": {"target_shape": [6, 4, 5]}},
        {"id": "f", "type": "Flatten", "params": {}},
        {"id": "r4", "type": "Reshape", "params": {"target_shape": [5, 2, 3, 4]}},
    ], [
        {"source": "x", "target": "sm"}, {"source": "x", "target": "bn"},
        {"source": "sm", "target": "cat"}, {"source": "bn", "target": "cat", "target_port": 1},
        {"source": "cat", "target": "d"}, {"source": "x", "target": "img"}, {"source": "img", "target": "f"},
        {"source": "img", "target": "r4"},
    ], outputs=["d", "f", "r4"])


@add_case("attention", ("MultiHeadAttention", "Attention", "AdditiveAttention", "TimeDistributed",
                        "LayerNormalization", "Add", "GlobalAveragePooling1D", "Conv2D"))
def _attention() -> Graph:
    # a causal self-attention block, two attentions reading it, and a TimeDistributed over images
    return graph("attention", [
        {"id": "x", "type": "Input", "params": {"shape": [6, 8]}},
        {"id": "mha", "type": "MultiHeadAttention", "params": {"num_heads": 2, "key_dim": 4, "use_causal_mask": True}},
        {"id": "res", "type": "Add", "params": {}},
        {"id": "norm", "type": "LayerNormalization", "params": {}},
        {"id": "ff", "type": "TimeDistributed",
         "params": {"layer": {"type": "Dense", "params": {"units": 8, "activation": "relu"}}}},
        {"id": "att", "type": "Attention", "params": {"use_scale": True}},
        {"id": "add_att", "type": "AdditiveAttention", "params": {"use_causal_mask": True}},
        {"id": "pool", "type": "GlobalAveragePooling1D", "params": {}},
        {"id": "out", "type": "Dense", "params": {"units": 3}},
        {"id": "video", "type": "Input", "params": {"shape": [3, 2, 5, 5]}},
        {"id": "frames", "type": "TimeDistributed",
         "params": {"layer": {"type": "Conv2D", "params": {"filters": 2, "kernel_size": 3}}}},
    ], [
        {"source": "x", "target": "mha"}, {"source": "x", "target": "mha", "target_port": 1},
        {"source": "mha", "target": "res"}, {"source": "x", "target": "res", "target_port": 1},
        {"source": "res", "target": "norm"}, {"source": "norm", "target": "ff"},
        {"source": "ff", "target": "att"}, {"source": "x", "target": "att", "target_port": 1},
        {"source": "norm", "target": "add_att"}, {"source": "ff", "target": "add_att", "target_port": 1},
        {"source": "att", "target": "pool"}, {"source": "pool", "target": "out"},
        {"source": "video", "target": "frames"},
    ], outputs=["out", "add_att", "frames"])


@add_case("activation_noise", ("PReLU", "ReLU", "LeakyReLU", "ELU", "Softmax", "GaussianNoise", "AlphaDropout",
                               "SpatialDropout2D", "Minimum", "Dot", "Dense"))
def _activation_noise() -> Graph:
    # an image's Flatten read through PReLU (alpha reordered with the kernel rows), noise and
    # dropout kinds (identity here: eval mode), a softmax over the height, Minimum and Dot
    return graph("activation-noise", [
        {"id": "img", "type": "Input", "params": {"shape": [2, 3, 4]}},
        {"id": "sd", "type": "SpatialDropout2D", "params": {"rate": 0.3}},
        {"id": "pc", "type": "PReLU", "params": {"shared_axes": [2, 3]}},
        {"id": "sm", "type": "Softmax", "params": {"axis": 2}},
        {"id": "f", "type": "Flatten", "params": {}},
        {"id": "pf", "type": "PReLU", "params": {}},
        {"id": "gn", "type": "GaussianNoise", "params": {"stddev": 0.2}},
        {"id": "ad", "type": "AlphaDropout", "params": {"rate": 0.1}},
        {"id": "d1", "type": "Dense", "params": {"units": 5}},
        {"id": "d2", "type": "Dense", "params": {"units": 5}},
        {"id": "r", "type": "ReLU", "params": {"max_value": 1.0, "negative_slope": 0.1, "threshold": 0.1}},
        {"id": "lr", "type": "LeakyReLU", "params": {"negative_slope": 0.1}},
        {"id": "e", "type": "ELU", "params": {"alpha": 0.7}},
        {"id": "mn", "type": "Minimum", "params": {}},
        {"id": "dot", "type": "Dot", "params": {"axes": 1, "normalize": True}},
    ], [
        {"source": "img", "target": "sd"}, {"source": "sd", "target": "pc"}, {"source": "pc", "target": "sm"},
        {"source": "sm", "target": "f"}, {"source": "f", "target": "pf"}, {"source": "pf", "target": "gn"},
        {"source": "gn", "target": "ad"}, {"source": "ad", "target": "d1"}, {"source": "f", "target": "d2"},
        {"source": "d1", "target": "r"}, {"source": "d2", "target": "lr"}, {"source": "lr", "target": "e"},
        {"source": "r", "target": "mn"}, {"source": "e", "target": "mn", "target_port": 1},
        {"source": "mn", "target": "dot"}, {"source": "d1", "target": "dot", "target_port": 1},
    ], outputs=["dot", "sm"])
