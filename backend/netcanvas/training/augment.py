"""A run's `augment` (training/augment_settings.py) as Dataset.augment: (B, C, H, W) → same, on its device.

One affine grid_sample per batch: rotation, shifts, zoom and flips combined into one matrix per
image with the Random* layers' formulas (layers/augmentation.py), so both give the same pictures.
As Keras's ImageDataGenerator: zoom draws its two axes independently, each flip its own coin,
brightness multiplies the pixel values. The rotation turns as RandomRotation does (ImageDataGenerator
turns the other way; the range is symmetric, so the pictures drawn are alike).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from ..data.preprocess import SeededGenerators
from ..layers.augmentation import (
    adjust_contrast,
    affine_sample,
    compose,
    factor_range,
    rotation_matrix,
    translation_matrix,
    zoom_matrix,
)
from .augment_settings import AugmentSettings


@dataclass
class Draws:
    """Per image (N,): degrees, pixel shifts (right, down), zoom (width, height), flips (−1 flips), factors."""

    degrees: torch.Tensor
    dx: torch.Tensor
    dy: torch.Tensor
    zx: torch.Tensor
    zy: torch.Tensor
    flip_x: torch.Tensor
    flip_y: torch.Tensor
    brightness: torch.Tensor
    contrast: torch.Tensor


def zoom_bounds(s: AugmentSettings) -> tuple[float, float]:
    z = s.zoom_range
    return (float(min(z)), float(max(z))) if isinstance(z, list) else (1.0 - z, 1.0 + z)


def _shift(u: torch.Tensor, r: float, size: int) -> torch.Tensor:
    """Keras: r < 1 a fraction of the size; a whole r ≥ 1 whole pixels in (−r, r); else pixels in [−r, r)."""
    if r < 1:
        return (2 * u - 1) * r * size
    if float(r).is_integer():
        return torch.floor(u * (2 * r - 1)) - (r - 1)
    return (2 * u - 1) * r


def draw(s: AugmentSettings, n: int, h: int, w: int, like: torch.Tensor, gen: torch.Generator) -> Draws:
    u = torch.rand((9, n), generator=gen, device=like.device, dtype=like.dtype)
    z_lo, z_hi = zoom_bounds(s)
    b_lo, b_hi = s.brightness_range or (1.0, 1.0)
    c_lo, c_hi = factor_range(s.contrast_range, floor=0.0)
    one = torch.ones(n, device=like.device, dtype=like.dtype)
    return Draws(
        degrees=(2 * u[0] - 1) * s.rotation_range,
        dx=_shift(u[1], s.width_shift_range, w), dy=_shift(u[2], s.height_shift_range, h),
        zx=z_lo + (z_hi - z_lo) * u[3], zy=z_lo + (z_hi - z_lo) * u[4],
        flip_x=torch.where(u[5] < 0.5, -one, one) if s.horizontal_flip else one,
        flip_y=torch.where(u[6] < 0.5, -one, one) if s.vertical_flip else one,
        brightness=b_lo + (b_hi - b_lo) * u[7],
        contrast=(1.0 - c_lo) + (c_hi + c_lo) * u[8],
    )


def geometric(s: AugmentSettings) -> bool:
    return bool(s.rotation_range or s.width_shift_range or s.height_shift_range or zoom_bounds(s) != (1.0, 1.0))


def apply(s: AugmentSettings, x: torch.Tensor, d: Draws) -> torch.Tensor:
    _, _, h, w = x.shape
    if geometric(s):  # input = rotate(shift(zoom(flip(output)))) about the center, one sampling
        m = compose(rotation_matrix(d.degrees, h, w), compose(translation_matrix(d.dx, d.dy),
                    compose(zoom_matrix(d.zx, d.zy, h, w), zoom_matrix(d.flip_x, d.flip_y, h, w))))
        x = affine_sample(x, m, "bilinear", s.fill_mode, s.cval)
    else:  # flips alone: exact, no resampling
        x = torch.where(d.flip_x.view(-1, 1, 1, 1) < 0, x.flip(-1), x)
        x = torch.where(d.flip_y.view(-1, 1, 1, 1) < 0, x.flip(-2), x)
    if s.brightness_range is not None:
        x = x * d.brightness.view(-1, 1, 1, 1)
    if s.contrast_range:
        x = adjust_contrast(x, d.contrast.view(-1, 1, 1, 1))
    return x


class RunAugment:
    """Dataset.augment for a run: picklable (generators are rebuilt per device after unpickling)."""

    def __init__(self, settings: AugmentSettings, run_seed: int | None = None) -> None:
        self.settings = settings
        self.seed = settings.seed if settings.seed is not None else run_seed
        self._generators = SeededGenerators(self.seed)

    def __call__(self, x: Any) -> Any:
        if not isinstance(x, torch.Tensor) or x.ndim != 4:
            return x
        n, _, h, w = x.shape
        return apply(self.settings, x, draw(self.settings, n, h, w, x, self._generators.on(x.device)))


def describe(s: AugmentSettings, seed: int | None) -> str:
    """For the run's log: what augmentation ran."""
    parts = [name for name, on in (("horizontal flip", s.horizontal_flip), ("vertical flip", s.vertical_flip)) if on]
    if s.rotation_range:
        parts.append(f"rotation ±{s.rotation_range:g}°")
    parts += [f"{k} shift {v:g}" for k, v in (("width", s.width_shift_range), ("height", s.height_shift_range)) if v]
    if zoom_bounds(s) != (1.0, 1.0):
        parts.append("zoom [{:g}, {:g}]".format(*zoom_bounds(s)))
    if s.brightness_range:
        parts.append("brightness ×[{:g}, {:g}]".format(*s.brightness_range))
    if s.contrast_range:
        parts.append(f"contrast {s.contrast_range:g}")
    parts.append(f"fill {s.fill_mode}")
    return "augment: " + ", ".join(parts) + f", seed {seed if seed is not None else 'from torch'}"


def training_augment(s: AugmentSettings | None, run_seed: int | None, data_augment: Any,
                     log: Any) -> Any:
    """What augments the training batches: the run's `augment` when set (it wins over the data set's
    own load-option augmentation, and the log says so), else the data set's."""
    if s is None:
        return data_augment
    run = RunAugment(s, run_seed)
    if data_augment is not None:
        log("The run's augment replaces the data set's own augmentation (its load options).")
    log(describe(s, run.seed) + ".")
    return run


def augment_problem(s: AugmentSettings | None, info: Any) -> str | None:
    """Why a run's `augment` cannot apply to data set `info` (a DatasetInfo), or None."""
    if s is None:
        return None
    if info.kind != "image":
        return f"augment: augments images, but data set '{info.id}' holds {info.kind} data."
    if len(info.input_specs()) > 1:
        return f"augment: augments a set with one image input; '{info.id}' has {len(info.input_specs())} inputs."
    return None
