"""Learning-rate schedules stepped per epoch."""

from __future__ import annotations

import pytest
import torch

from netcanvas.training.schedules import Schedule
from netcanvas.training.settings import ScheduleSettings


def schedule(epochs=4, **kw):
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    return Schedule(opt, ScheduleSettings(**kw), epochs)


def lrs(s, metrics_per_epoch):
    out = []
    for m in metrics_per_epoch:
        out.append(s.lr)
        s.optimizer.step()  # an epoch of training (no gradients here: a no-op)
        s.step(m)
    return out


def test_step_decay():
    assert lrs(schedule(type="step", step_size=2, gamma=0.5), [{}] * 5) == [1.0, 1.0, 0.5, 0.5, 0.25]


def test_cosine_reaches_min_lr():
    got = lrs(schedule(epochs=4, type="cosine", min_lr=0.0), [{}] * 5)
    assert got[0] == 1.0 and got[2] == pytest.approx(0.5) and got[4] == pytest.approx(0.0, abs=1e-12)


def test_reduce_on_plateau_watches_val_loss_or_falls_back_to_loss():
    s = schedule(type="reduce_on_plateau", patience=1, gamma=0.1)
    flat = [{"val_loss": 1.0, "loss": 1.0}] * 4
    assert lrs(s, flat) == pytest.approx([1.0, 1.0, 1.0, 0.1])
    s = schedule(type="reduce_on_plateau", patience=0, gamma=0.1)
    assert lrs(s, [{"loss": 1.0}] * 3) == pytest.approx([1.0, 1.0, 0.1])


def test_none_keeps_the_rate():
    assert lrs(schedule(), [{}] * 3) == [1.0, 1.0, 1.0]
