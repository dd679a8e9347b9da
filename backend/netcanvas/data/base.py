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


class InputSpec(BaseModel):
    """One named input of a data set (DatasetInfo.inputs): Split.x[i] has this shape per sample."""

    name: str
    shape: list[int | None]
    dtype: Literal["float32", "int64"] = "float32"


class TargetSpec(TargetInfo):
    """One named target of a data set (DatasetInfo.targets): Split.y[i] per sample has `shape`
    ([] one class id or value; [T] a class id per time step, targets "classes")."""

    name: str
    shape: list[int] = Field(default_factory=list)


class DatasetInfo(BaseModel):
    """What GET /api/datasets lists (design.md).

    One input and one target: `input_shape`, `input_dtype`, `target` (and `extra["target_shape"]`).
    Several: `inputs` / `targets` list them in Split.x / Split.y order (the single fields then
    repeat the first); training matches them to Input / output nodes by name, else by order.
    """

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
    inputs: list[InputSpec] = Field(default_factory=list)
    targets: list[TargetSpec] = Field(default_factory=list)

    def input_specs(self) -> list[InputSpec]:
        """Every input, in Split.x order (one, named "x", for a single-input set)."""
        if self.inputs:
            return list(self.inputs)
        shapes = self.extra.get("input_shapes")  # older multi-input sets listed shapes only
        if shapes:
            return [InputSpec(name=f"x{i}", shape=s, dtype=self.input_dtype) for i, s in enumerate(shapes)]
        return [InputSpec(name="x", shape=self.input_shape, dtype=self.input_dtype)]

    def target_specs(self) -> list[TargetSpec]:
        """Every target, in Split.y order (one, named "y", for a single-target set)."""
        if self.targets:
            return list(self.targets)
        shape = self.extra.get("target_shape")
        return [TargetSpec(name="y", shape=list(shape) if shape else [], **self.target.model_dump())]


@dataclass
class Split:
    # float32 (or int64 token ids), batch first, graph layout; a list, one per input, for several
    x: np.ndarray | list[np.ndarray]
    # int64 class ids (per sample or per time step), or float32 values; a list for several targets
    y: np.ndarray | list[np.ndarray]

    def __len__(self) -> int:
        return len(self.x[0]) if isinstance(self.x, list | tuple) else len(self.x)


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
