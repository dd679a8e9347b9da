"""The options of an upload (multipart fields beside `file`), validated with messages naming them."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import DataError
from .limits import LIMITS
from .preprocess import AugmentOptions, LoadOptions

UploadKind = Literal["auto", "csv", "npz", "images", "text", "corpus", "series"]


class UploadOptions(BaseModel):
    """What POST /api/datasets accepts beside the file; saved in the data set's meta.json."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=200)
    kind: UploadKind = "auto"  # auto: from the file name (.csv, .npz, .zip)
    # CSV / text CSV: the label column (default: `label` for text, the last column for tables)
    target: str | None = None
    text_column: str = "text"
    task: Literal["auto", "classification", "regression"] = "auto"
    scaling: Literal["auto", "standard", "minmax", "none"] = "auto"  # auto: tables standard, images none, series minmax
    label_mode: Literal["int", "categorical"] = "int"  # categorical = one-hot (to_categorical)
    validation_split: float = Field(0.0, ge=0, lt=1)
    test_split: float = Field(0.2, ge=0, lt=1)
    seed: int = 0
    # image ZIP
    image_size: tuple[int, int] = (32, 32)
    color_mode: Literal["rgb", "grayscale"] = "rgb"
    # text CSV (pad_sequences)
    max_length: int = Field(100, ge=1)
    vocab_size: int = Field(10_000, ge=3)
    padding: Literal["pre", "post"] = "pre"
    truncating: Literal["pre", "post"] = "pre"
    # NPZ: int64 reads every x array as token ids, float32 as numbers; auto: integer (N, T) arrays with
    # ids below 2^20 are token ids (data/npz.py), uint8 images stay images
    x_dtype: Literal["auto", "float32", "int64"] = "auto"
    # corpus (.txt): next-token windows of `window` tokens every `step` tokens
    unit: Literal["char", "word"] = "char"
    window: int | None = Field(None, ge=1)  # corpus: 40 tokens; series: 30 steps
    step: int = Field(3, ge=1)
    lowercase: bool = False
    encoding: Literal["ids", "one_hot"] = "ids"  # corpus x: token ids (Embedding) or one-hot rows
    corpus_target: Literal["next", "sequence"] = "next"  # the next token, or the window shifted by one
    # series (CSV): `target` column(s) forecast `horizon` steps ahead from `window` past rows
    features: str | None = None  # comma-separated numeric columns (default: every numeric column)
    date_column: str | None = None  # default: the first column that parses as dates; "none": no dates
    horizon: int = Field(1, ge=1)
    stride: int = Field(1, ge=1)
    # augmentation of training batches (images)
    horizontal_flip: bool = False
    vertical_flip: bool = False
    shift: int = Field(0, ge=0, le=64)

    @field_validator("image_size", mode="before")
    @classmethod
    def _size(cls, v: object) -> object:
        if isinstance(v, int):
            return (v, v)
        if isinstance(v, str):
            parts = [p for p in re.split(r"[,x× ]+", v.strip().strip("[]()")) if p]
            if len(parts) == 1:
                parts *= 2
            return tuple(parts)
        return v

    @field_validator("image_size")
    @classmethod
    def _size_range(cls, v: tuple[int, int]) -> tuple[int, int]:
        if not all(1 <= s <= LIMITS.image_max_side for s in v):
            raise ValueError(f"each side must be 1 to {LIMITS.image_max_side} pixels")
        return v

    @field_validator("max_length")
    @classmethod
    def _max_length(cls, v: int) -> int:
        if v > LIMITS.text_max_length:
            raise ValueError(f"at most {LIMITS.text_max_length}")
        return v

    @field_validator("vocab_size")
    @classmethod
    def _vocab(cls, v: int) -> int:
        if v > LIMITS.text_max_vocab:
            raise ValueError(f"at most {LIMITS.text_max_vocab}")
        return v

    def load_options(self) -> LoadOptions:
        return LoadOptions(
            label_mode=self.label_mode,
            augment=AugmentOptions(
                horizontal_flip=self.horizontal_flip, vertical_flip=self.vertical_flip, shift=self.shift
            ),
            augment_seed=None,  # follows the run's seed (torch's, set by the engine)
        )


def parse_options(fields: dict[str, str]) -> UploadOptions:
    """UploadOptions from form fields (strings); empty fields count as absent."""
    data = {k: v for k, v in fields.items() if v != ""}
    try:
        return UploadOptions.model_validate(data)
    except ValidationError as exc:
        msgs = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"][:1]) or "options"
            if err["type"] == "extra_forbidden":
                known = ", ".join(UploadOptions.model_fields)
                msgs.append(f"unknown option '{field}' (known: file, {known})")
            else:
                msg = err["msg"].removeprefix("Value error, ")
                msgs.append(f"option '{field}': {msg} (got {err.get('input')!r})")
        text = "; ".join(msgs)
        raise DataError(text[0].upper() + text[1:] + ".", 422) from None
