"""Learning-rate schedules stepped once per epoch: step decay, cosine, reduce on plateau."""

from __future__ import annotations

from typing import Literal

import torch

from .settings import ScheduleSettings, resolve_alias


def monitor_mode(name: str) -> Literal["min", "max"]:
    """'max' for accuracies (Keras's mode='auto'), 'min' for losses and errors."""
    return "max" if "acc" in name else "min"


class Schedule:
    """Wraps a torch scheduler; `lr` is the rate the coming epoch trains with."""

    def __init__(self, optimizer: torch.optim.Optimizer, s: ScheduleSettings, epochs: int):
        self.optimizer = optimizer
        self.settings = s
        self.scheduler: torch.optim.lr_scheduler.LRScheduler | None = None
        if s.type == "step":
            self.scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=s.step_size, gamma=s.gamma)
        elif s.type == "cosine":
            self.scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs, eta_min=s.min_lr)
        elif s.type == "reduce_on_plateau":
            self.scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
                optimizer, mode=monitor_mode(s.monitor), factor=s.gamma, patience=s.patience,
                min_lr=s.min_lr, threshold=1e-4, threshold_mode="abs",  # Keras min_delta 1e-4
            )

    @property
    def lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    def monitor_key(self, metrics: dict[str, float]) -> str:
        key = resolve_alias(self.settings.monitor, metrics)
        if key not in metrics and key.startswith("val_") and key[4:] in metrics:
            key = key[4:]  # no validation data: watch the training value, as the log says
        return key

    def step(self, metrics: dict[str, float]) -> None:
        """After an epoch, with its metrics."""
        if self.scheduler is None:
            return
        if isinstance(self.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            key = self.monitor_key(metrics)
            if key not in metrics:
                raise ValueError(
                    f"reduce_on_plateau watches '{self.settings.monitor}', which this run does not "
                    f"report (it reports {', '.join(sorted(metrics))})."
                )
            self.scheduler.step(metrics[key])
        else:
            self.scheduler.step()
