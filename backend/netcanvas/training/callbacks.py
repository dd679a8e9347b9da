"""Early stopping, the best-epoch checkpoint (weights kept on the device, no file writes) and
Keras's TerminateOnNaN (Diverged)."""

from __future__ import annotations

import math

import torch

from .schedules import monitor_mode
from .settings import resolve_alias


def snapshot(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def resolve_monitor(name: str, metrics: dict[str, float]) -> str:
    """`val_x` falls back to `x` when the run has no validation data."""
    name = resolve_alias(name, metrics)
    if name not in metrics and name.startswith("val_") and name[4:] in metrics:
        return name[4:]
    if name not in metrics:
        raise ValueError(f"Cannot monitor '{name}': this run reports {', '.join(sorted(metrics))}.")
    return name


class Best:
    """Tracks the best value of a monitored metric and the weights of that epoch."""

    def __init__(self, monitor: str, min_delta: float = 0.0):
        self.monitor = monitor
        self.sign = 1.0 if monitor_mode(monitor) == "min" else -1.0
        self.min_delta = min_delta
        self.value = math.inf
        self.epoch = 0
        self.weights: dict[str, torch.Tensor] | None = None

    def update(self, epoch: int, metrics: dict[str, float], module: torch.nn.Module, last: bool = False) -> bool:
        """True when this epoch improved on the best by more than min_delta. On the `last` epoch no
        copy is taken: the module's weights are the best ones already."""
        v = self.sign * metrics[resolve_monitor(self.monitor, metrics)]
        if v < self.value - self.min_delta:
            self.value, self.epoch = v, epoch
            self.weights = None if last else snapshot(module)
            return True
        return False

    def restore(self, module: torch.nn.Module) -> None:
        """Load the best epoch's weights (nothing to do when the best epoch was the last)."""
        if self.weights is not None:
            module.load_state_dict(self.weights)


class EarlyStopper:
    """Keras EarlyStopping: stop after `patience` epochs without improvement."""

    def __init__(self, monitor: str, patience: int, min_delta: float, restore_best_weights: bool):
        self.best = Best(monitor, min_delta)
        self.patience = patience
        self.restore_best_weights = restore_best_weights
        self.wait = 0
        self.stopped_epoch: int | None = None

    def should_stop(self, epoch: int, metrics: dict[str, float], module: torch.nn.Module, last: bool = False) -> bool:
        if self.best.update(epoch, metrics, module, last):
            self.wait = 0
            return False
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            return True
        return False


class Diverged(ValueError):
    """The training loss became NaN or infinite (Keras's TerminateOnNaN): the run ends failed with
    this sentence, and no model is saved. TrainSettings.terminate_on_nan=False keeps going."""

    def __init__(self, value: float, epoch: int, step: int, steps: int, lr: float | None):
        self.value, self.epoch, self.step = value, epoch, step
        what = "NaN" if math.isnan(value) else "infinite"
        rate = f"The learning rate was {lr:g}, the epoch has {steps} batches. " if lr is not None else ""
        super().__init__(
            f"the loss became {what} at epoch {epoch}, batch {step}: lower the learning rate, check the data "
            "for NaN or huge values (scale the inputs, e.g. with a Rescaling or Normalization layer), or clip "
            f"the gradients (optimizer clipnorm). {rate}No model was saved; to keep training anyway, set "
            "terminate_on_nan to false.")
