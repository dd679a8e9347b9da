"""Keras's fit(class_weight=…): each sample's loss times its class's weight.

Keras turns class_weight into sample weights (the class of a sample: its integer label, the argmax
of a one-hot row, or the rounded value of a single binary unit; classes not named weigh 1.0) and
reduces with "sum over batch size": Σ loss_i · w_i / N, not a weighted mean. "balanced" is
scikit-learn's compute_class_weight: n_samples / (n_classes · count), from the training rows.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from ..data.base import TargetSpec
from .losses import EPSILON, LossFn, class_dim


def class_weight_vector(weights: dict[str, float] | str, spec: TargetSpec, labels: np.ndarray) -> np.ndarray:
    """One weight per class, from the setting (keys: class index as text, or class name)."""
    n = spec.num_classes or int(labels.max()) + 1
    if weights == "balanced":
        counts = np.bincount(labels.reshape(-1).astype(np.int64), minlength=n)[:n]
        return (labels.size / (n * np.maximum(counts, 1))).astype(np.float32)
    assert isinstance(weights, dict)
    names = [str(c) for c in (spec.class_names or [])]
    vector = np.ones(n, dtype=np.float32)
    for key, w in weights.items():
        vector[names.index(key) if key in names else int(key)] = w
    return vector


def describe(vector: np.ndarray, spec: TargetSpec) -> str:
    names = [str(c) for c in (spec.class_names or range(len(vector)))]
    shown = ", ".join(f"{n}: {w:.3g}" for n, w in list(zip(names, vector.tolist(), strict=False))[:12])
    return f"Class weights {{{shown}{', …' if len(vector) > 12 else ''}}}."


def weighted_loss(loss_name: str, logits: bool, vector: np.ndarray) -> LossFn:
    """The loss `loss_name` with each sample weighted by its class (the target as the loss gets it)."""
    table = torch.as_tensor(vector)

    def weights(cls: torch.Tensor) -> torch.Tensor:
        return table.to(cls.device)[cls]

    def log_probs(out: torch.Tensor, dim: int) -> torch.Tensor:
        if logits:
            return F.log_softmax(out, dim=dim)
        p = out / out.sum(dim=dim, keepdim=True)
        return torch.log(p.clamp(EPSILON, 1.0 - EPSILON))

    def loss(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if loss_name == "sparse_categorical_crossentropy":
            dim = 1 if out.dim() == 4 else -1
            nll = -log_probs(out, dim).gather(dim, y.unsqueeze(dim)).squeeze(dim)
            return (nll * weights(y)).mean()
        if loss_name == "categorical_crossentropy":
            dim = class_dim(out)
            per = -(y * log_probs(out, dim)).sum(dim=dim)
            return (per * weights(y.argmax(dim=dim))).mean()
        if loss_name == "binary_crossentropy":
            if logits:
                per = F.binary_cross_entropy_with_logits(out, y, reduction="none")
            else:
                p = out.clamp(EPSILON, 1.0 - EPSILON)
                per = -(y * torch.log(p) + (1.0 - y) * torch.log(1.0 - p))
            cls = y.round().long() if y.shape[-1] == 1 else y.argmax(dim=-1, keepdim=True)
            return (per.mean(dim=-1) * weights(cls[..., 0])).mean()
        raise ValueError(f"class_weight applies to classification losses, not {loss_name}.")

    return loss
