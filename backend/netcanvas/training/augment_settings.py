"""`augment`: a run's training-time image augmentation, named as Keras's ImageDataGenerator names it.

Applied on the device to training batches only (training/augment.py), drawn from a generator
seeded with `seed` (None: the run's seed), recorded in the run's request, so a run can be repeated
and Compare shows it. The Random* layers (layers/augmentation.py) are the in-model way to the same
pictures.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

_Pair = Annotated[list[float], Field(min_length=2, max_length=2)]


class AugmentSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    horizontal_flip: bool = False
    vertical_flip: bool = False
    rotation_range: float = Field(0.0, ge=0, le=180, description="Degrees: a rotation drawn from ±rotation_range.")
    width_shift_range: float = Field(0.0, ge=0, description="< 1: a fraction of the width; ≥ 1: pixels (Keras).")
    height_shift_range: float = Field(0.0, ge=0, description="< 1: a fraction of the height; ≥ 1: pixels (Keras).")
    zoom_range: float | _Pair = Field(0.0, description="z: a zoom drawn from [1 - z, 1 + z]; or [lower, upper].")
    brightness_range: _Pair | None = Field(None, description="[lower, upper]: a brightness factor drawn from it.")
    contrast_range: float = Field(0.0, ge=0, le=1, description="RandomContrast's factor f: contrast drawn in [1, 1 + f].")
    fill_mode: Literal["nearest", "reflect", "wrap", "constant"] = "nearest"
    cval: float = 0.0
    seed: int | None = Field(None, description="None: the run's seed.")
