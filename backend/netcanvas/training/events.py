"""The wire format from a worker to the database and every watcher (docs/api.md, Stream)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, TypeAdapter

RunStatus = Literal["queued", "running", "succeeded", "failed", "cancelled", "imported"]
FINAL_STATUSES = ("succeeded", "failed", "cancelled")


class StatusEvent(BaseModel):
    type: Literal["status"] = "status"
    status: RunStatus
    device: str | None = None
    error: str | None = None


class BatchEvent(BaseModel):
    type: Literal["batch"] = "batch"
    epoch: int
    step: int  # 1-based within the epoch
    steps: int  # steps per epoch
    seen: int  # samples seen in this epoch
    metrics: dict[str, float]


class EpochEvent(BaseModel):
    type: Literal["epoch"] = "epoch"
    epoch: int
    epochs: int
    metrics: dict[str, float]  # Keras history keys + lr, samples_per_s, seconds
    eta_s: float | None = None


class LogEvent(BaseModel):
    type: Literal["log"] = "log"
    level: Literal["info", "warning", "error"] = "info"
    message: str


class ResultEvent(BaseModel):
    """The worker's last word before its final status: test metrics and stored artifacts."""

    type: Literal["result"] = "result"
    test_metrics: dict[str, float] = Field(default_factory=dict)
    artifacts: list[str] = Field(default_factory=list)
    # Classifiers: rows are true classes, columns predicted ones, on the test split.
    confusion_matrix: list[list[int]] | None = None
    class_names: list[str] | None = None


Event = Annotated[StatusEvent | BatchEvent | EpochEvent | LogEvent | ResultEvent, Field(discriminator="type")]
EVENT = TypeAdapter(Event)
