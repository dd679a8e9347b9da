"""Keras's default initial weights, so a network learns here as it would in Keras.

Dense/Conv kernels glorot_uniform with zero biases; Embedding uniform(-0.05, 0.05); recurrent
kernels glorot_uniform, recurrent kernels orthogonal, zero biases with the LSTM forget gate's at 1
(Keras's unit_forget_bias). Normalization layers start as torch's (gamma 1, beta 0) = Keras.
Nothing is done on the meta device (parameter counting).
"""

from __future__ import annotations

import torch
from torch import nn


@torch.no_grad()
def glorot_(layer: nn.Module) -> nn.Module:
    """Kernel glorot_uniform (torch's fans equal Keras's for Linear, Conv and ConvTranspose), bias 0."""
    if layer.weight.is_meta:
        return layer
    nn.init.xavier_uniform_(layer.weight)
    if layer.bias is not None:
        nn.init.zeros_(layer.bias)
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
