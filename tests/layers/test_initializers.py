"""Initial weights follow Keras's defaults (so learning curves resemble Keras's)."""

from __future__ import annotations

import math

import torch

from netcanvas.layers import REGISTRY


def build(kind: str, shape: tuple, **params):
    return REGISTRY[kind].model_validate(params).build([shape])


def test_dense_and_conv_are_glorot_uniform_with_zero_bias():
    torch.manual_seed(0)
    dense = build("Dense", (784,), units=32).linear
    bound = math.sqrt(6 / (784 + 32))
    assert 0.9 * bound < dense.weight.abs().max() <= bound and not dense.bias.any()
    conv = build("Conv2D", (3, 8, 8), filters=16, kernel_size=3).conv
    bound = math.sqrt(6 / (9 * 3 + 9 * 16))
    assert 0.9 * bound < conv.weight.abs().max() <= bound and not conv.bias.any()


def test_lstm_forget_bias_is_one_and_recurrent_kernel_orthogonal():
    rnn = build("LSTM", (None, 5), units=4).rnn
    bias = rnn.bias_ih_l0  # one bias, as Keras's LSTM has
    assert bias.tolist() == [0.0] * 4 + [1.0] * 4 + [0.0] * 8
    w = rnn.weight_hh_l0
    torch.testing.assert_close(w.T @ w, torch.eye(4), atol=1e-5, rtol=0)


def test_embedding_is_small_uniform():
    assert build("Embedding", (None,), input_dim=50, output_dim=8).embedding.weight.abs().max() <= 0.05


def test_meta_device_builds_without_initializing():
    with torch.device("meta"):
        rnn = build("Bidirectional", (None, 5), units=4).rnn
    assert rnn.weight_hh_l0.is_meta
