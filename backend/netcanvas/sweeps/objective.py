"""A trial's objective value and the best trial of a sweep."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .spec import Objective


def value_at(metrics: dict[str, Any], objective: Objective) -> tuple[bool, float | None]:
    """(reported, value): whether the epoch reports the metric, and its number (None: not finite)."""
    if objective.metric not in metrics:
        return False, None
    v = metrics[objective.metric]
    return True, float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def objective_of(epochs: Iterable[dict[str, Any]], objective: Objective) -> float | None:
    """The best value of the metric over a trial's epochs (min or max, by the objective's mode)."""
    values = [v for m in epochs if (v := value_at(m, objective)[1]) is not None]
    if not values:
        return None
    return min(values) if objective.mode == "min" else max(values)


def best_trial(candidates: Sequence[tuple[str, float | None]], objective: Objective) -> str | None:
    """The run id with the best objective among (run id, value) pairs; None when none has one."""
    have = [(rid, v) for rid, v in candidates if v is not None]
    if not have:
        return None
    pick = min if objective.mode == "min" else max
    return pick(have, key=lambda item: item[1])[0]
