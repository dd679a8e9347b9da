"""Small layers whose outputs were computed by Keras 3 itself (tests/layers/make_keras_refs.py).

Each case: a layer kind, its params, an input shape (netcanvas layout, batch excluded). Inputs and
weights are deterministic functions of their shapes, so the test rebuilds them exactly.
Cases avoid Keras's torch-backend deviations from TensorFlow (average pooling with asymmetric
"same" padding pads by replication there); those are checked against a direct computation.
"""

from __future__ import annotations

import torch

CASES: list[tuple[str, dict, tuple[int, ...]]] = [
    ("Conv2D", {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}, (2, 5, 5)),
    ("Conv2D", {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}, (1, 4, 6)),
    ("Conv2D", {"filters": 2, "kernel_size": 2, "padding": "same"}, (1, 4, 4)),
    ("Conv2D", {"filters": 1, "kernel_size": [3, 2], "dilation_rate": 2, "padding": "same", "activation": "relu"},
     (2, 6, 5)),
    ("Conv2D", {"filters": 3, "kernel_size": [3, 2], "strides": [2, 1], "activation": "softmax"}, (3, 7, 6)),
    ("Conv1D", {"filters": 3, "kernel_size": 3, "dilation_rate": 2, "padding": "causal"}, (7, 2)),
    ("Conv1D", {"filters": 2, "kernel_size": 4, "strides": 3, "padding": "same"}, (8, 3)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}, (2, 3, 4)),
    ("Conv2DTranspose", {"filters": 1, "kernel_size": 2, "strides": 2, "padding": "same"}, (1, 3, 3)),
    ("Conv2DTranspose", {"filters": 1, "kernel_size": 1, "strides": 2, "padding": "same"}, (1, 3, 3)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 1, "strides": 3}, (1, 2, 2)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2}, (1, 2, 3)),
    ("Conv2DTranspose", {"filters": 1, "kernel_size": 3, "dilation_rate": 2, "padding": "same"}, (1, 4, 4)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": [4, 3], "strides": [2, 3], "padding": "same"}, (2, 3, 3)),
    ("MaxPooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 5, 6)),
    ("MaxPooling2D", {"pool_size": 2, "padding": "same"}, (1, 5, 5)),
    ("MaxPooling1D", {"pool_size": 3, "strides": 2, "padding": "same"}, (6, 2)),
    ("AveragePooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}, (1, 5, 5)),
    ("AveragePooling1D", {"pool_size": 3, "strides": 1, "padding": "same"}, (5, 2)),
    ("AveragePooling2D", {"pool_size": [2, 3], "strides": [1, 2]}, (2, 4, 7)),
    ("UpSampling2D", {"size": [2, 3], "interpolation": "bilinear"}, (2, 3, 4)),
    ("UpSampling2D", {"size": 2}, (1, 2, 3)),
    ("ZeroPadding2D", {"padding": [[1, 2], [0, 3]]}, (1, 2, 2)),
    ("BatchNormalization", {}, (3, 4, 4)),
    ("BatchNormalization", {"epsilon": 0.01}, (5, 3)),
    ("LayerNormalization", {}, (3, 4, 4)),
    ("LayerNormalization", {}, (5, 6)),
    ("Dense", {"units": 5, "activation": "softmax"}, (4, 3)),
    ("SimpleRNN", {"units": 4, "activation": "relu", "return_sequences": True, "return_state": True}, (5, 3)),
    ("LSTM", {"units": 3, "return_state": True}, (5, 2)),
    ("GRU", {"units": 3, "return_sequences": True, "return_state": True}, (4, 2)),
    ("Bidirectional", {"layer": "LSTM", "units": 3}, (5, 2)),
    ("Bidirectional", {"layer": "GRU", "units": 2, "return_sequences": True, "merge_mode": "sum"}, (4, 3)),
    ("Bidirectional", {"layer": "SimpleRNN", "units": 2, "merge_mode": "ave"}, (4, 3)),
    ("Bidirectional", {"layer": "LSTM", "units": 2, "return_sequences": True, "merge_mode": "mul"}, (3, 2)),
    ("Bidirectional", {"layer": "LSTM", "units": 2, "return_state": True}, (4, 3)),
    ("Bidirectional", {"layer": "GRU", "units": 3, "return_state": True, "merge_mode": "ave"}, (4, 2)),
]


def example_input(shape: tuple[int, ...], batch: int = 2) -> torch.Tensor:
    n = batch * torch.Size(shape).numel()
    return torch.sin(torch.arange(n, dtype=torch.float64) * 0.37 + 0.1).reshape(batch, *shape).float()


@torch.no_grad()
def set_weights(module: torch.nn.Module) -> None:
    """Deterministic, varied values for every parameter and buffer (variances stay positive)."""
    for i, (name, t) in enumerate(list(module.named_parameters()) + list(module.named_buffers())):
        if not t.is_floating_point():
            continue
        v = torch.cos(torch.arange(t.numel(), dtype=torch.float64) * 0.23 + i) * 0.5
        if name.endswith("running_var"):
            v = v.abs() + 0.5
        t.copy_(v.reshape(t.shape))
