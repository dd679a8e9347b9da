"""Keras's default initial weights, so a network learns here as it would in Keras.

Dense/Conv kernels glorot_uniform with zero biases; Embedding uniform(-0.05, 0.05); recurrent
kernels glorot_uniform, recurrent kernels orthogonal, zero biases with the LSTM forget gate's at 1
(Keras's unit_forget_bias). Normalization layers start as torch's (gamma 1, beta 0) = Keras.
Nothing is done on the meta device (parameter counting).
"""

from __future__ import annotations

from typing import TypeVar, cast

import torch
from torch import nn

M = TypeVar("M", bound=nn.Module)


@torch.no_grad()
def glorot_(layer: M) -> M:
    """Kernel glorot_uniform (torch's fans equal Keras's for Linear, Conv and ConvTranspose), bias 0."""
    weight, bias = cast(torch.Tensor, layer.weight), cast("torch.Tensor | None", layer.bias)
    if weight.is_meta:
        return layer
    nn.init.xavier_uniform_(weight)
    if bias is not None:
        nn.init.zeros_(bias)
    return layer


@torch.no_grad()
def embedding_(layer: nn.Embedding) -> nn.Embedding:
    if not layer.weight.is_meta:
        nn.init.uniform_(layer.weight, -0.05, 0.05)
    return layer


@torch.no_grad()
def recurrent_(rnn: nn.RNNBase) -> nn.RNNBase:
    """Per direction: weight_ih glorot, weight_hh orthogonal, biases 0 (LSTM forget gate 1)."""
    for name, p in rnn.named_parameters():
        if p.is_meta:
            continue
        if name.startswith("weight_ih"):
            nn.init.xavier_uniform_(p)
        elif name.startswith("weight_hh"):
            nn.init.orthogonal_(p)  # (gates·units, units): the transpose of Keras's orthogonal kernel
        else:
            nn.init.zeros_(p)
            if isinstance(rnn, nn.LSTM) and name.startswith("bias_ih"):
                p[rnn.hidden_size:2 * rnn.hidden_size] = 1.0  # gates i, f, g, o: Keras's sum is 1
    return rnn


@torch.no_grad()
def glorot_fans_(weight: torch.Tensor, fan_in: int, fan_out: int) -> torch.Tensor:
    """glorot_uniform with Keras's fans where torch's differ: a depthwise kernel is (kh, kw, in,
    depth_multiplier) in Keras (fans in·k, dm·k), (in·dm, 1, kh, kw) in torch (fans k, in·dm·k)."""
    if not weight.is_meta:
        limit = (6.0 / (fan_in + fan_out)) ** 0.5
        nn.init.uniform_(weight, -limit, limit)
    return weight
