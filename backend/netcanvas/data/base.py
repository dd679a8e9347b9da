"""A data set as training sees it: arrays in netcanvas layout plus what the UI shows of it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np
from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from ..config import Settings


class TargetInfo(BaseModel):
    kind: Literal["classes", "values"]
    num_classes: int | None = None
    class_names: list[str] | None = None


class Sizes(BaseModel):
    train: int
    validation: int = 0
    test: int = 0


class DatasetInfo(BaseModel):
    """What GET /api/datasets lists (design.md)."""

    id: str
    name: str
    kind: Literal["image", "table", "sequence", "text"]
    input_shape: list[int | None]
    input_dtype: Literal["float32", "int64"] = "float32"
    target: TargetInfo
    sizes: Sizes
    suggested_loss: str
    description: str = ""
    source: Literal["builtin", "synthetic", "file", "upload"] = "builtin"
    extra: dict = Field(default_factory=dict)


@dataclass
class Split:
    x: np.ndarray  # float32 (or int64 token ids), batch first, graph layout
    y: np.ndarray  # int64 class ids, or float32 values / one-hot rows

    def __len__(self) -> int:
        return len(self.x)


@dataclass
class Dataset:
    info: DatasetInfo
    train: Split
    test: Split
    validation: Split | None = None
    # Training-time augmentation on a batch already on the device (x → x); None: none.
    augment: Callable | None = None


@dataclass
class Provider:
    """How the registry (data.registry) gets one data set."""

    info: Callable[[], DatasetInfo]  # cheap: no arrays loaded
    load: Callable[[], Dataset]
    # What a cached copy was loaded from (e.g. the upload's meta.json): a loaded set is reused only
    # while its stamp is the same. None: the set never changes.
    stamp: Callable[[], object] | None = None


class Source(Protocol):
    """Data sets that come and go with files on disk (published files, uploads)."""

    def ids(self, settings: Settings) -> list[str]: ...

    def provider(self, settings: Settings, dataset_id: str) -> Provider | None: ...
