"""The metrics a run may ask for: Keras's metric names, and objects for the metrics with options.

A string is the Keras metric of that name with its defaults ("precision" is `keras.metrics.Precision()`);
an object sets options, e.g. `{"type": "precision", "class_id": 3}` is `Precision(class_id=3)`.
`name` overrides the history key (Keras's `name=`); without it the key is Keras's default name,
with `_1`, `_2` … for repeats as Keras's compile names them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MetricName = Literal[
    "accuracy", "acc", "categorical_accuracy", "sparse_categorical_accuracy", "binary_accuracy",
    "mae", "mse", "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy",
    "precision", "recall", "auc", "f1_score",
]

# Keys the epoch record holds besides metrics: a metric named like one would overwrite it.
RESERVED_KEYS = ("loss", "lr", "samples_per_s", "seconds")


class MetricOptions(BaseModel):
    # frozen: hashable, so a list of metrics can drop exact repeats as it does for strings
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[A-Za-z][A-Za-z0-9_]*$")

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, name: str | None) -> str | None:
        if name is not None and (name in RESERVED_KEYS or name.startswith("val_")):
            raise ValueError(f"'{name}' is a key netcanvas reports itself; pick another name")
        return name


class PrecisionSettings(MetricOptions):
    """keras.metrics.Precision: tp / (tp + fp) at one threshold."""

    type: Literal["precision"]
    thresholds: float | None = Field(None, ge=0, le=1)  # None: 0.5 (without top_k)
    top_k: int | None = Field(None, ge=1)
    class_id: int | None = Field(None, ge=0)


class RecallSettings(MetricOptions):
    """keras.metrics.Recall: tp / (tp + fn) at one threshold."""

    type: Literal["recall"]
    thresholds: float | None = Field(None, ge=0, le=1)
    top_k: int | None = Field(None, ge=1)
    class_id: int | None = Field(None, ge=0)


class AUCSettings(MetricOptions):
    """keras.metrics.AUC (multi_label=False: every output value is one binary prediction)."""

    type: Literal["auc"]
    num_thresholds: int = Field(200, ge=2, le=100_000)
    curve: Literal["ROC", "PR"] = "ROC"
    summation_method: Literal["interpolation", "minoring", "majoring"] = "interpolation"


class F1ScoreSettings(MetricOptions):
    """keras.metrics.F1Score. average None: one score per class, reported as `f1_score_0` … (Keras's
    history holds the vector under one key; netcanvas's history holds numbers)."""

    type: Literal["f1_score"]
    average: Literal["micro", "macro", "weighted"] | None = None
    threshold: float | None = Field(None, gt=0, le=1)  # None: each row's largest value is its prediction


MetricSettings = Annotated[
    PrecisionSettings | RecallSettings | AUCSettings | F1ScoreSettings, Field(discriminator="type")
]
MetricEntry = MetricName | MetricSettings


def default_name(entry: MetricEntry) -> str:
    """The history key Keras gives this metric before repeats are numbered."""
    if isinstance(entry, str):
        return entry
    return entry.name or entry.type


MAX_PER_CLASS_KEYS = 100  # F1Score(average=None) on a 10,000-word vocabulary would be 10,000 curves


def keras_names(entries: list[MetricEntry]) -> list[str]:
    """Each metric's name as Keras's compile reports it: its name, the second of a name `_1`, …"""
    seen: dict[str, int] = {}
    names = []
    for entry in entries:
        name = default_name(entry)
        if name in seen:
            names.append(f"{name}_{seen[name]}")
            seen[name] += 1
        else:
            names.append(name)
            seen[name] = 1
    return names


def per_class(entry: MetricEntry, units: int | None) -> bool:
    """Whether this metric reports one key per class (F1Score(average=None) on several units)."""
    f1_per_class = entry == "f1_score" or (isinstance(entry, F1ScoreSettings) and entry.average is None)
    return f1_per_class and units != 1


def history_keys(entry: MetricEntry, name: str, units: int) -> list[str]:
    """The keys one metric adds to the history: its name, or `{name}_{class}` per class."""
    return [f"{name}_{c}" for c in range(units)] if per_class(entry, units) else [name]


def keras_metric_config(entry: MetricSettings, name: str) -> tuple[str, dict]:
    """The Keras metric class and its get_config() (less dtype) for an options object (export)."""
    if isinstance(entry, PrecisionSettings | RecallSettings):
        return ("Precision" if entry.type == "precision" else "Recall",
                {"name": name, "thresholds": entry.thresholds, "top_k": entry.top_k, "class_id": entry.class_id})
    if isinstance(entry, AUCSettings):
        return "AUC", {"name": name, "num_thresholds": entry.num_thresholds, "curve": entry.curve,
                       "summation_method": entry.summation_method, "multi_label": False, "num_labels": None,
                       "label_weights": None, "from_logits": False}
    return "F1Score", {"name": name, "average": entry.average, "threshold": entry.threshold}
