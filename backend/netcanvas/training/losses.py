"""Keras losses on PyTorch, with Keras's reductions (mean over the batch) and its epsilon clipping.

A loss reads either probabilities or logits. It reads logits when the user said `from_logits`, or
when the trainer fused the output layer's softmax/sigmoid into the loss (`fusable`): then
log-softmax / BCE-with-logits replace Keras's clip-and-log, which is the numerically stable form of
the same function. The class axis is netcanvas's feature axis: channels for images (N, C, H, W),
the last axis otherwise.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

EPSILON = 1e-7  # keras.config.epsilon()

CROSSENTROPY = ("categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy")

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def class_dim(t: torch.Tensor) -> int:
    """Same axis as layers.activations.Softmax."""
    return 1 if t.dim() == 4 else -1


def fusable(loss: str, activation: str | None, from_logits: bool) -> bool:
    """Whether an output with this final activation can hand its logits to this loss instead."""
    if from_logits or activation is None:
        return False
    if activation == "softmax":
        return loss in ("categorical_crossentropy", "sparse_categorical_crossentropy")
    if activation == "sigmoid":
        return loss == "binary_crossentropy"
    return False


def _clipped_log_probs(p: torch.Tensor, dim: int) -> torch.Tensor:
    # Keras (from_logits=False): renormalize, clip to [eps, 1 - eps], log.
    p = p / p.sum(dim=dim, keepdim=True)
    return torch.log(p.clamp(EPSILON, 1.0 - EPSILON))


def categorical_crossentropy(logits: bool) -> LossFn:
    def loss(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        dim = class_dim(out)
        logp = F.log_softmax(out, dim=dim) if logits else _clipped_log_probs(out, dim)
        return -(y * logp).sum(dim=dim).mean()

    return loss


def sparse_categorical_crossentropy(logits: bool) -> LossFn:
    def loss(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if out.dim() == 3:  # sequences (N, T, C): torch wants the classes on axis 1
            out = out.transpose(1, 2)
        if logits:
            return F.cross_entropy(out, y)
        return F.nll_loss(_clipped_log_probs(out, 1), y)

    return loss


def binary_crossentropy(logits: bool) -> LossFn:
    def loss(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if logits:
            return F.binary_cross_entropy_with_logits(out, y)
        p = out.clamp(EPSILON, 1.0 - EPSILON)
        return -(y * torch.log(p) + (1.0 - y) * torch.log(1.0 - p)).mean()

    return loss


def mean_squared_error(logits: bool) -> LossFn:
    return F.mse_loss


def mean_absolute_error(logits: bool) -> LossFn:
    return F.l1_loss


def huber(logits: bool) -> LossFn:
    # Keras Huber(delta=1.0): 0.5·x² where |x| ≤ δ, else δ·(|x| − δ/2) — torch's huber_loss.
    def loss(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return F.huber_loss(out, y, delta=1.0)

    return loss


LOSSES: dict[str, Callable[[bool], LossFn]] = {
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "binary_crossentropy": binary_crossentropy,
    "mean_squared_error": mean_squared_error,
    "mean_absolute_error": mean_absolute_error,
    "huber": huber,
}


def make_loss(name: str, logits: bool) -> LossFn:
    """The loss `name` reading logits (`logits=True`) or probabilities."""
    return LOSSES[name](logits)
