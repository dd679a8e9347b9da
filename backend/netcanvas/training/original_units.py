"""Errors of a series forecaster in the target's own units (the data set's scaling undone), beside
the naive forecast it must beat: the last observed value of the target, held over the horizon.

Training reads scaled targets (data/series.py); a learner reads "MSE 0.002" as nothing, and
"MSE 1.5 (price²) against 24.7 for the naive forecast" as a result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..data.base import DatasetInfo, Split
from ..data.series import inverse_targets

if TYPE_CHECKING:
    import torch

    from .bundle import Bundle


def series_errors(info: DatasetInfo, x: np.ndarray, y: np.ndarray, predicted: np.ndarray) -> dict[str, float] | None:
    """{"mse", "mae", "naive_mse", "naive_mae"} in original units over windows x (scaled, (N, window,
    features)) with targets y and the model's outputs `predicted` (both scaled, (N, horizon)); None
    for a set that is not a series. The naive figures need the target among the features."""
    meta = info.extra.get("series")
    if not meta or len(y) == 0:
        return None
    horizon = int(meta["horizon"])
    actual = inverse_targets(info, np.asarray(y).reshape(len(y), horizon))
    pred = inverse_targets(info, np.asarray(predicted).reshape(len(y), horizon))
    out = {"mse": float(np.mean((pred - actual) ** 2)), "mae": float(np.mean(np.abs(pred - actual)))}
    k = meta.get("target_index")
    if k is not None:
        sc = meta["scaling"]
        last = np.asarray(x)[:, -1, k] * float(sc["x_scale"][k]) + float(sc["x_offset"][k])
        naive = np.repeat(last[:, None], horizon, axis=1)
        out |= {"naive_mse": float(np.mean((naive - actual) ** 2)), "naive_mae": float(np.mean(np.abs(naive - actual)))}
    return out


def split_errors(info: DatasetInfo, model: Bundle | torch.nn.Module, split: Split) -> dict[str, float] | None:
    """series_errors of `model`'s forecasts of a split's windows (the run's log, /evaluate)."""
    from .bundle import predict

    x = np.array(split.x)  # a copy: memory-mapped splits are read-only
    return series_errors(info, x, np.asarray(split.y), np.asarray(predict(model, x)))
