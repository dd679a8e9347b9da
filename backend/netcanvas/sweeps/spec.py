"""POST /api/sweeps: a base run request, a search space over its settings and node params, and how
to search it (docs/sweeps.md)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..training.settings import RunRequest

MAX_TRIALS = 500
JsonValue = str | int | float | bool | None | list[Any] | dict[str, Any]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Choice(Strict):
    """One of the values, in order (a grid takes each)."""

    type: Literal["choice"]
    values: list[JsonValue] = Field(min_length=1, max_length=MAX_TRIALS)


class _Range(Strict):
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> _Range:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self


class Uniform(_Range):
    """A float drawn evenly from [low, high]."""

    type: Literal["uniform"]


class LogUniform(_Range):
    """A float whose logarithm is drawn evenly: learning rates (low > 0)."""

    type: Literal["log_uniform"]

    @model_validator(mode="after")
    def _positive(self) -> LogUniform:
        if self.low <= 0:
            raise ValueError(f"log_uniform needs low > 0 (got {self.low})")
        return self


class IntUniform(Strict):
    """An integer drawn evenly from low..high, both included."""

    type: Literal["int_uniform"]
    low: int
    high: int

    @model_validator(mode="after")
    def _ordered(self) -> IntUniform:
        if not self.low <= self.high:
            raise ValueError(f"low ({self.low}) must not exceed high ({self.high})")
        return self


Dimension = Annotated[Choice | Uniform | LogUniform | IntUniform, Field(discriminator="type")]


class Objective(Strict):
    """The epoch metric a trial is judged by (any key its epochs report), and which way is better."""

    metric: str = Field("val_loss", min_length=1, max_length=100)
    mode: Literal["min", "max"] = "min"


class Asha(Strict):
    """Asynchronous successive halving: at epochs grace_epochs × reduction_factor^k, a trial whose
    objective is not in the top 1/reduction_factor of the trials that reached that epoch stops."""

    type: Literal["asha"]
    grace_epochs: int = Field(1, ge=1, le=10000)
    reduction_factor: int = Field(3, ge=2, le=100)


class SweepCreate(Strict):
    name: str | None = Field(None, max_length=150)  # trials are named "<name> · trial k"
    base: RunRequest
    # path → dimension: "<node_id>.<param>" (a node of the base graph) or a dotted training setting
    space: dict[str, Dimension] = Field(min_length=1, max_length=32)
    algorithm: Literal["grid", "random"] = "random"
    # random: how many trials (default 10); grid: at most this many of the grid (default: all of it)
    max_trials: int | None = Field(None, ge=1, le=MAX_TRIALS)
    parallelism: int = Field(2, ge=1, le=64)  # trials queued or running at once
    seed: int = Field(0, ge=0, le=2**32 - 1)
    objective: Objective = Field(default_factory=Objective)
    early_termination: Asha | None = None
