"""Image augmentation: RandomFlip, RandomRotation, RandomZoom, RandomTranslation, RandomContrast,
RandomBrightness and RandomCrop, with Keras 3's parameters and formulas.

They change images only while training; in evaluation and prediction they pass them through
unchanged (RandomCrop center-crops, see its notes). Images are netcanvas's (C, H, W). Each batch
is transformed at once on its device: one random draw per image (per batch for RandomCrop, as in
Keras). Draws come from torch's generator, which a run seeds with its `seed` setting; a layer
with its own `seed` draws from a generator of its own, seeded with it.

Geometric layers build Keras's affine matrix (output pixel (x, y) reads input pixel
(a0·x + a1·y + a2, b0·x + b1·y + b2), pixel centers at integers) and sample with grid_sample.
Keras's fill modes on torch's sampler: reflect (d c b a | a b c d | d c b a) is grid_sample's
"reflection" with align_corners=False, nearest is "border", constant is "zeros" plus fill_value
times the weight that fell outside, wrap samples a circularly padded image at coordinates
taken modulo the size.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Any, Literal

import torch
import torch.nn.functional as F
from pydantic import Field, PositiveInt
from torch import nn

from ..kerasio.config import channels_last
from .base import Layer, Shape, ShapeError, fmt, register, required
from .spatial import expect_image

if TYPE_CHECKING:
    from ..kerasio.exporting import ExportNode
    from ..kerasio.importing import ImportNode, Value
    from ..kerasio.model import KTensor

FillMode = Literal["reflect", "wrap", "constant", "nearest"]
Interpolation = Literal["bilinear", "nearest"]


_Unit = Annotated[float, Field(ge=-1.0, le=1.0)]
_ZoomUnit = Annotated[float, Field(gt=-1.0, le=1.0)]
_Positive = Annotated[float, Field(ge=0.0, le=1.0)]
# Keras's factors: one number f (the range ±|f|) or a pair [lower, upper].
Factor = _Unit | Annotated[list[_Unit], Field(min_length=2, max_length=2)]
ZoomFactor = _ZoomUnit | Annotated[list[_ZoomUnit], Field(min_length=2, max_length=2)]
ContrastFactor = _Positive | Annotated[list[_Positive], Field(min_length=2, max_length=2)]


def factor_range(f: float | list[float], floor: float = -1.0) -> tuple[float, float]:
    """Keras's (lower, upper) of a factor: a number f gives (max(−|f|, floor), |f|), a pair sorted."""
    if isinstance(f, list):
        lower, upper = sorted(f)
        return float(lower), float(upper)
    return max(-abs(f), floor), abs(f)


# --- the shared pieces ------------------------------------------------------------------------------


def uniform(module: nn.Module, shape: tuple[int, ...], low: float, high: float, like: torch.Tensor) -> torch.Tensor:
    """Uniform draws in [low, high) on `like`'s device, from the module's own generator when it
    has a seed, else from torch's (which the run seeds)."""
    seed = getattr(module, "seed", None)
    gen = None
    if seed is not None:
        gens = module.__dict__.setdefault("_generators", {})
        gen = gens.get(like.device)
        if gen is None:
            gen = torch.Generator(device=like.device)
            gen.manual_seed(int(seed))
            gens[like.device] = gen
    r = torch.rand(shape, generator=gen, device=like.device, dtype=like.dtype)
    return low + (high - low) * r


def affine_sample(x: torch.Tensor, t: torch.Tensor, interpolation: str, fill_mode: str,
                  fill_value: float) -> torch.Tensor:
    """Keras's image.affine_transform of (N, C, H, W) images; `t` is (N, 6): a0 a1 a2 b0 b1 b2."""
    n, _, h, w = x.shape
    ys = torch.arange(h, device=x.device, dtype=x.dtype).view(1, h, 1)
    xs = torch.arange(w, device=x.device, dtype=x.dtype).view(1, 1, w)
    a0, a1, a2, b0, b1, b2 = (t[:, i].view(n, 1, 1) for i in range(6))
    src_x = a0 * xs + a1 * ys + a2  # (N, H, W), input pixel coordinates
    src_y = b0 * xs + b1 * ys + b2
    if interpolation == "nearest":  # Keras rounds (half to even) before applying the fill mode
        src_x, src_y = torch.round(src_x), torch.round(src_y)
    size_w, size_h = w, h
    img = x
    if fill_mode == "wrap":  # indices modulo the size: pad one wrapped row and column for the interpolation
        src_x = torch.remainder(src_x, w)
        src_y = torch.remainder(src_y, h)
        img = F.pad(x, (0, 1, 0, 1), mode="circular")
        size_w, size_h = w + 1, h + 1
    grid = torch.stack(((2 * src_x + 1) / size_w - 1, (2 * src_y + 1) / size_h - 1), dim=-1)
    padding = {"reflect": "reflection", "nearest": "border"}.get(fill_mode, "zeros")
    out = F.grid_sample(img, grid, mode=interpolation, padding_mode=padding, align_corners=False)
    if fill_mode == "constant" and fill_value != 0.0:
        inside = F.grid_sample(torch.ones_like(img[:, :1]), grid, mode=interpolation, padding_mode="zeros",
                               align_corners=False)
        out = out + fill_value * (1.0 - inside)
    return out


def rotation_matrix(degrees: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """Keras's (N, 6) rotation by `degrees` (N,) about the image center ((W − 1)/2, (H − 1)/2)."""
    angle = degrees * (math.pi / 180.0)
    cos, sin = torch.cos(angle), torch.sin(angle)
    cx, cy = 0.5 * (w - 1), 0.5 * (h - 1)
    return torch.stack((cos, -sin, cx - cx * cos + cy * sin, sin, cos, cy - cx * sin - cy * cos), dim=1)


def zoom_matrix(zw: torch.Tensor, zh: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """Keras's (N, 6) zoom about the center: a factor > 1 reads a larger area (zooms out); −1 flips."""
    zero = torch.zeros_like(zw)
    return torch.stack((zw, zero, (w - 1) / 2.0 * (1.0 - zw), zero, zh, (h - 1) / 2.0 * (1.0 - zh)), dim=1)


def translation_matrix(tw: torch.Tensor, th: torch.Tensor) -> torch.Tensor:
    """Keras's (N, 6) shift: the picture moves `tw` pixels right and `th` down."""
    zero, one = torch.zeros_like(tw), torch.ones_like(tw)
    return torch.stack((one, zero, -tw, zero, one, -th), dim=1)


def compose(outer: torch.Tensor, inner: torch.Tensor) -> torch.Tensor:
    """The (N, 6) transform reading input at outer(inner(p)): inner is applied to output coordinates first."""
    a0, a1, a2, b0, b1, b2 = outer.unbind(1)
    c0, c1, c2, d0, d1, d2 = inner.unbind(1)
    return torch.stack((a0 * c0 + a1 * d0, a0 * c1 + a1 * d1, a0 * c2 + a1 * d2 + a2,
                        b0 * c0 + b1 * d0, b0 * c1 + b1 * d1, b0 * c2 + b1 * d2 + b2), dim=1)


def adjust_contrast(x: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    """Keras's (x − mean) · factor + mean, the mean per image and channel (unclipped)."""
    mean = x.mean(dim=(-2, -1), keepdim=True)
    return (x - mean) * factor + mean


class GeometricModule(nn.Module):
    """One random affine transform per image while training; identity otherwise."""

    def __init__(self, kind: str, height_range: tuple[float, float], width_range: tuple[float, float] | None,
                 interpolation: str, fill_mode: str, fill_value: float, seed: int | None):
        super().__init__()
        self.kind = kind  # "rotation" (height_range: turns), "zoom" or "translation"
        self.height_range, self.width_range = height_range, width_range
        self.interpolation, self.fill_mode, self.fill_value, self.seed = interpolation, fill_mode, fill_value, seed

    def matrix(self, x: torch.Tensor) -> torch.Tensor:
        """Keras's (N, 6) transform for this batch."""
        n, _, h, w = x.shape
        lo, hi = self.height_range
        if self.kind == "rotation":
            return rotation_matrix(uniform(self, (n,), lo * 360.0, hi * 360.0, x), h, w)
        if self.kind == "zoom":
            zh = uniform(self, (n,), 1.0 + lo, 1.0 + hi, x)
            zw = zh if self.width_range is None else uniform(
                self, (n,), 1.0 + self.width_range[0], 1.0 + self.width_range[1], x)
            return zoom_matrix(zw, zh, h, w)
        th = uniform(self, (n,), lo, hi, x) * h
        assert self.width_range is not None
        tw = uniform(self, (n,), self.width_range[0], self.width_range[1], x) * w
        return translation_matrix(tw, th)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return x
        return affine_sample(x, self.matrix(x), self.interpolation, self.fill_mode, self.fill_value)


def _image(kind: str, inputs: list[Shape]) -> Shape:
    x = inputs[0]
    expect_image(kind, x)
    return x


def _refuse_boxes(n: ImportNode) -> None:
    channels_last(n)
    if n.cfg.get("bounding_box_format") is not None:
        raise n.fail(f"bounding_box_format={n.cfg['bounding_box_format']!r} is not supported (images only)")


class _Augmentation(Layer):
    """What every augmentation kind shares: image in, image out, a Keras class of its own name."""

    family = "augmentation"

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        return [_image(self.kind(), inputs)]

    def keras_config(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        return n.add(self.kind(), {**self.keras_config(), "data_format": "channels_last"},
                     inputs=n.plain_inputs())

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        _refuse_boxes(n)
        params = {k: n.cfg[k] for k in cls.model_fields if k in n.cfg}
        for k, v in params.items():
            if isinstance(v, tuple):
                params[k] = list(v)
        return n.node(cls.kind(), params)


# --- the kinds --------------------------------------------------------------------------------------


class FlipModule(nn.Module):
    def __init__(self, horizontal: bool, vertical: bool, seed: int | None):
        super().__init__()
        self.horizontal, self.vertical, self.seed = horizontal, vertical, seed

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return x
        # Keras draws one coin per image; with both modes the same coin flips both axes.
        flip = uniform(self, (x.shape[0], 1, 1, 1), 0.0, 1.0, x) <= 0.5
        if self.horizontal:
            x = torch.where(flip, x.flip(-1), x)
        if self.vertical:
            x = torch.where(flip, x.flip(-2), x)
        return x


@register
class RandomFlip(_Augmentation):
    """Flips each training image left-right and/or upside down with probability 1/2."""

    keras_classes = ("RandomFlip",)
    examples = (({}, [(3, 4, 5)]), ({"mode": "horizontal"}, [(1, 6, 6)]), ({"mode": "vertical", "seed": 3}, [(2, 3, 4)]))
    notes = ("Only while training. With mode horizontal_and_vertical Keras 3 flips an image both ways or not "
             "at all (one draw per image), and so does netcanvas.")

    mode: Literal["horizontal_and_vertical", "horizontal", "vertical"] = "horizontal_and_vertical"
    seed: int | None = Field(None, ge=0)

    def build(self, inputs: list[Shape]) -> nn.Module:
        _image("RandomFlip", inputs)
        return FlipModule(self.mode != "vertical", self.mode != "horizontal", self.seed)


class _Geometric(_Augmentation):
    interpolation: Interpolation = "bilinear"
    fill_mode: FillMode = "reflect"
    fill_value: float = 0.0
    seed: int | None = Field(None, ge=0)


@register
class RandomRotation(_Geometric):
    """Rotates each training image by a random angle: factor × 360° (e.g. 0.1: up to ±36°)."""

    keras_classes = ("RandomRotation",)
    examples = (
        ({"factor": 0.1}, [(3, 6, 5)]),
        ({"factor": [-0.2, 0.3], "fill_mode": "constant", "fill_value": 0.5, "interpolation": "nearest"}, [(1, 5, 5)]),
        ({"factor": 0.25, "fill_mode": "wrap", "seed": 7}, [(2, 4, 6)]),
    )
    notes = ("Only while training. factor f draws angles in [−f, f] × 360° (a pair [lower, upper] gives that "
             "range); the image turns about its center; fill_mode says what fills the corners, as in Keras.")

    factor: Factor = required(0.1)

    def build(self, inputs: list[Shape]) -> nn.Module:
        _image("RandomRotation", inputs)
        return GeometricModule("rotation", factor_range(self.factor), None, self.interpolation, self.fill_mode,
                               self.fill_value, self.seed)


@register
class RandomZoom(_Geometric):
    """Zooms each training image in or out by a random factor (e.g. 0.1: up to ±10%)."""

    keras_classes = ("RandomZoom",)
    examples = (
        ({"height_factor": 0.1}, [(3, 6, 5)]),
        ({"height_factor": [-0.3, 0.2], "width_factor": 0.1, "fill_mode": "nearest"}, [(1, 5, 7)]),
        ({"height_factor": 0.2, "fill_mode": "constant", "interpolation": "nearest", "fill_value": 0.5,
          "seed": 3}, [(2, 4, 4)]),
    )
    notes = ("Only while training. Keras's convention: a zoom factor z in 1 + [lower, upper] reads a z times "
             "larger area, so positive factors zoom out and negative ones in. width_factor None keeps the "
             "aspect ratio (the same draw for both axes).")

    height_factor: ZoomFactor = required(0.1)
    width_factor: ZoomFactor | None = None

    def build(self, inputs: list[Shape]) -> nn.Module:
        _image("RandomZoom", inputs)
        width = None if self.width_factor is None else factor_range(self.width_factor)
        return GeometricModule("zoom", factor_range(self.height_factor), width, self.interpolation,
                               self.fill_mode, self.fill_value, self.seed)


@register
class RandomTranslation(_Geometric):
    """Shifts each training image by a random fraction of its height and width."""

    keras_classes = ("RandomTranslation",)
    examples = (
        ({"height_factor": 0.1, "width_factor": 0.2}, [(3, 6, 5)]),
        ({"height_factor": [-0.2, 0.0], "width_factor": 0.3, "fill_mode": "constant", "fill_value": 1.0}, [(1, 5, 5)]),
        ({"height_factor": 0.1, "width_factor": 0.1, "interpolation": "nearest", "seed": 7}, [(2, 4, 4)]),
    )
    notes = "Only while training. Shifts are drawn in [lower, upper] × the image's height (width)."

    height_factor: Factor = required(0.1)
    width_factor: Factor = required(0.1)

    def build(self, inputs: list[Shape]) -> nn.Module:
        _image("RandomTranslation", inputs)
        return GeometricModule("translation", factor_range(self.height_factor), factor_range(self.width_factor),
                               self.interpolation, self.fill_mode, self.fill_value, self.seed)


def _value_range() -> Any:
    return Field(default_factory=lambda: [0.0, 255.0], min_length=2, max_length=2)


class ContrastModule(nn.Module):
    def __init__(self, low: float, high: float, value_range: tuple[float, float], seed: int | None):
        super().__init__()
        self.low, self.high, self.value_range, self.seed = low, high, value_range, seed

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return x
        f = uniform(self, (x.shape[0], 1, 1, 1), self.low, self.high, x)
        return torch.clamp(adjust_contrast(x, f), self.value_range[0], self.value_range[1])


@register
class RandomContrast(_Augmentation):
    """Scales each training image's deviation from its mean by a random contrast factor."""

    keras_classes = ("RandomContrast",)
    examples = (({"factor": 0.5}, [(3, 4, 5)]),
                ({"factor": [0.2, 0.6], "value_range": [0.0, 1.0], "seed": 5}, [(1, 4, 4)]))
    notes = ("Only while training. Keras 3's factor: a number f draws contrast in [1, 1 + f] (its lower bound "
             "is clipped at 0), a pair [lower, upper] in [1 − lower, 1 + upper]; the result is clipped to "
             "value_range.")

    factor: ContrastFactor = required(0.2)
    value_range: list[float] = _value_range()
    seed: int | None = Field(None, ge=0)

    def build(self, inputs: list[Shape]) -> nn.Module:
        _image("RandomContrast", inputs)
        lower, upper = factor_range(self.factor, floor=0.0)
        return ContrastModule(1.0 - lower, 1.0 + upper, (self.value_range[0], self.value_range[1]), self.seed)


class BrightnessModule(nn.Module):
    def __init__(self, low: float, high: float, value_range: tuple[float, float], seed: int | None):
        super().__init__()
        self.low, self.high, self.value_range, self.seed = low, high, value_range, seed

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return x
        lo, hi = self.value_range
        delta = uniform(self, (x.shape[0], 1, 1, 1), self.low, self.high, x) * (hi - lo)
        return torch.clamp(x + delta, lo, hi)


@register
class RandomBrightness(_Augmentation):
    """Adds a random brightness offset (a fraction of value_range) to each training image."""

    keras_classes = ("RandomBrightness",)
    examples = (({"factor": 0.2}, [(3, 4, 5)]), ({"factor": [-0.1, 0.3], "value_range": [0.0, 1.0], "seed": 1}, [(1, 3, 3)]))
    notes = "Only while training. The offset is drawn in [lower, upper] × (max − min of value_range), then clipped."

    factor: Factor = required(0.2)
    value_range: list[float] = _value_range()
    seed: int | None = Field(None, ge=0)

    def build(self, inputs: list[Shape]) -> nn.Module:
        _image("RandomBrightness", inputs)
        lower, upper = factor_range(self.factor)
        lo, hi = sorted(self.value_range)
        return BrightnessModule(lower, upper, (lo, hi), self.seed)


def center_window(h: int, w: int, height: int, width: int) -> tuple[int, int, int, int]:
    """Keras's largest centered window with the target's aspect ratio: (top, left, rows, columns)."""
    rows = max(min(h, int(float(w * height) / width)), 1)
    cols = max(min(w, int(float(h * width) / height)), 1)
    return int(float(h - rows) / 2), int(float(w - cols) / 2), rows, cols


class CropModule(nn.Module):
    def __init__(self, height: int, width: int, seed: int | None):
        super().__init__()
        self.height, self.width, self.seed = height, width, seed

    def _resize(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-2:] == (self.height, self.width):
            return x
        return F.interpolate(x, size=(self.height, self.width), mode="bilinear", align_corners=False, antialias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2], x.shape[-1]
        top, left, rows, cols = center_window(h, w, self.height, self.width)
        if not self.training:  # the centered window, resized to the target
            return self._resize(x[..., top:top + rows, left:left + cols])
        if h > self.height and w > self.width:  # one random window for the whole batch, as Keras
            host = torch.empty((), dtype=torch.float32)  # drawn on the CPU: no device sync for the offsets
            top = int(uniform(self, (), 0.0, float(h - self.height + 1), host).floor().item())
            left = int(uniform(self, (), 0.0, float(w - self.width + 1), host).floor().item())
        # Keras slices the target size from there and resizes what it got (a smaller image: stretched).
        return self._resize(x[..., top:top + self.height, left:left + self.width])


@register
class RandomCrop(_Augmentation):
    """Crops a random height × width window of each training batch (the center one at inference)."""

    keras_classes = ("RandomCrop",)
    examples = (({"height": 4, "width": 5}, [(3, 4, 5)]), ({"height": 6, "width": 6, "seed": 2}, [(1, 6, 6)]))
    notes = ("While training one random window is cut from the whole batch, as Keras does. At inference "
             "netcanvas does what Keras documents: the largest centered window with the target's aspect "
             "ratio, resized to height × width. Keras 3.15 itself returns the image uncropped at inference "
             "(keras-team/keras#21868), so a Keras model with a RandomCrop that changes the size is refused "
             "at import and such a node at export; one whose input already has the target size exchanges "
             "freely.")

    height: PositiveInt = required(24)
    width: PositiveInt = required(24)
    seed: int | None = Field(None, ge=0)

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        x = _image("RandomCrop", inputs)
        if x[1] is None or x[2] is None:
            raise ShapeError(f"RandomCrop needs images of a known height and width, got {fmt(x)}.")
        return [(x[0], self.height, self.width)]

    def build(self, inputs: list[Shape]) -> nn.Module:
        self.output_shapes(inputs)
        return CropModule(self.height, self.width, self.seed)

    def _same_size(self, x: Shape) -> bool:
        return tuple(x[1:]) == (self.height, self.width)

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        if not self._same_size(n.input_shapes[0]):
            raise n.fail(f"Keras 3's RandomCrop does not crop at inference (keras-team/keras#21868), so a Keras "
                         f"model cropping {fmt(n.input_shapes[0])} to {self.height}×{self.width} would not predict "
                         "like this one; crop the data set instead, or download model.onnx / model.pt")
        return super().to_keras(n)

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        x = n.inputs[0].shape
        if len(x) == 3 and tuple(x[1:]) != (n.cfg.get("height"), n.cfg.get("width")):
            raise n.fail(f"it crops {fmt(x)} to {n.cfg.get('height')}×{n.cfg.get('width')}, and Keras 3 leaves "
                         "images uncropped at inference (keras-team/keras#21868), which netcanvas cannot "
                         "reproduce; remove it (crop the images beforehand) and save the model again")
        return super().from_keras(n)

