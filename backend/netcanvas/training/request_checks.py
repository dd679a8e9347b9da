"""Settings a run would trip over, told when the request arrives (HTTP 422) instead of as a failed run.

A pure function of the settings, the graph's outputs and the data set: each problem is a sentence
that starts with the field it is about.
"""

from __future__ import annotations

from ..data.base import DatasetInfo
from .settings import TrainSettings, resolve_alias


def reported_keys(settings: TrainSettings, outputs: list[str]) -> list[str]:
    """The history keys of a run: loss, per output its loss and metrics (prefixed with several), and
    each of them as val_ (a run without validation data watches the training value instead)."""
    several = len(outputs) > 1
    keys = ["loss"]
    for node in outputs:
        prefix = f"{node}_" if several else ""
        if several:
            keys.append(f"{prefix}loss")
        keys += [f"{prefix}{m}" for m in dict.fromkeys(settings.metrics)]
    return keys + [f"val_{k}" for k in keys]


def request_problems(settings: TrainSettings, outputs: list[str], info: DatasetInfo) -> list[str]:
    """Empty when the settings fit this graph (its output node ids) and data set."""
    problems: list[str] = []
    keys = reported_keys(settings, outputs)
    watched = []
    if settings.early_stopping is not None:
        watched.append(("early_stopping.monitor", settings.early_stopping.monitor))
    if settings.schedule.type == "reduce_on_plateau":
        watched.append(("schedule.monitor", settings.schedule.monitor))
    for field, monitor in watched:
        if monitor not in keys and resolve_alias(monitor) not in keys:
            problems.append(f"{field}: '{monitor}' is not reported by this run; it reports {', '.join(keys)}")
    weights = settings.class_weight
    if weights is not None:
        target = info.target_specs()
        if len(outputs) > 1 or len(target) > 1:
            problems.append("class_weight: Keras does not support class_weight for a model with several outputs")
        elif target[0].kind != "classes" or not target[0].num_classes:
            problems.append(f"class_weight: data set '{info.id}' has no classes (a regression target)")
        elif isinstance(weights, dict):
            n = target[0].num_classes
            names = [str(c) for c in (target[0].class_names or [])]
            unknown = [k for k in weights if k not in names and not (k.isdigit() and int(k) < n)]
            if unknown:
                problems.append(f"class_weight: {', '.join(repr(u) for u in unknown)} is not a class of data set "
                                f"'{info.id}'; its classes are 0–{n - 1}"
                                + (f" ({', '.join(names)})" if names else ""))
    return problems
