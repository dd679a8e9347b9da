"""Before training: Normalization layers without a given mean and variance learn them from the
training split, as Keras's `layer.adapt(x_train)` does.

Each such layer sees what reaches it: the training inputs run through the model (in evaluation
mode, so augmentation is off, without gradients) up to that layer, batch by batch; its mean and
variance over every axis but the kept ones are combined exactly across batches (in float64) and
written into its `mean` and `variance` buffers, with the number of values per index in `count`.
Layers are adapted in graph order, so a Normalization behind another one sees normalized data.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from ..data.base import Split
from ..layers.normalization import NormalizeModule
from .feeds import _to_device, as_list, n_samples

ADAPT_BATCH = 1024


class _Reached(Exception):
    """Raised by the hook once the layer has its input: the rest of the model need not run."""


def _stats(x: torch.Tensor, keep: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor, int]:
    dims = [d for d in range(x.dim()) if d not in keep]
    x = x.double()
    var, mean = torch.var_mean(x, dim=dims, correction=0)  # dims holds the batch axis at least
    count = 1
    for d in dims:
        count *= x.shape[d]
    return mean, var, count


def adapt_layer(model: nn.Module, layer: NormalizeModule, split: Split, device: torch.device,
                batch_size: int = ADAPT_BATCH) -> int:
    """Adapts `layer` (a submodule of `model`) to `split`; returns the number of values per index."""
    seen: list[torch.Tensor] = []

    def hook(_m: nn.Module, args: tuple) -> None:
        seen.append(args[0].detach())
        raise _Reached

    mean = var = None
    total = 0
    handle = layer.register_forward_pre_hook(hook)
    try:
        n = n_samples(split)
        for start in range(0, n, batch_size):
            xs = [_to_device(a, start, min(start + batch_size, n), device) for a in as_list(split.x)]
            seen.clear()
            try:
                model(*xs)
            except _Reached:
                pass
            if not seen:
                break  # the layer is not on the path of the model's outputs
            b_mean, b_var, b_count = _stats(seen[0].float(), layer.keep)
            if mean is None or var is None:
                mean, var, total = b_mean, b_var, b_count
                continue
            # Chan et al.'s exact combination of two sets' means and variances
            both = total + b_count
            delta = b_mean - mean
            mean = mean + delta * (b_count / both)
            var = (var * total + b_var * b_count + delta.square() * (total * b_count / both)) / both
            total = both
    finally:
        handle.remove()
    if mean is None or var is None:
        return 0
    with torch.no_grad():
        layer.mean.copy_(mean.reshape(layer.mean.shape).to(layer.mean.dtype))
        layer.variance.copy_(var.reshape(layer.variance.shape).to(layer.variance.dtype))
        layer.count.fill_(float(total))
    return total


def adapt_normalization(model: nn.Module, split: Split, device: torch.device, *, fresh: bool = True,
                        log: Callable[[str], None] | None = None) -> list[str]:
    """Adapts every Normalization of `model` that has no given mean and variance, in graph order.
    `fresh` False (training starts from earlier weights): nothing is adapted, the weights keep
    their statistics. Returns the names of the adapted submodules."""
    if not fresh or n_samples(split) == 0:
        return []
    adapted = []
    training = model.training
    model.eval()
    try:
        with torch.no_grad():
            for name, sub in _layer_modules(model):
                if isinstance(sub, NormalizeModule) and sub.adapts:
                    count = adapt_layer(model, sub, split, device)
                    if count:
                        adapted.append(name)
                        if log is not None:
                            node = getattr(model, "node_ids", {}).get(name, name)
                            log(f"Normalization '{node}' adapted to the training split: mean and variance "
                                f"from {count:,} values per index.")
    finally:
        model.train(training)
    return adapted


def _layer_modules(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The compiled graph's layer modules in graph order, those inside blocks too (node_ids is in
    graph order); a module without node_ids: its children."""
    ids = getattr(model, "node_ids", None)
    if ids is None:
        return list(model.named_children())
    out = []
    for path in ids:
        try:
            out.append((path, model.get_submodule(path)))
        except AttributeError:  # an Input: a placeholder
            continue
    return out
