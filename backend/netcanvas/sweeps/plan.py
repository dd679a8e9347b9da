"""A sweep's trials: the points to visit, and the run request of each (as POST /api/runs takes it)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ..graph.schema import Graph
from ..training.settings import RunRequest
from . import space
from .spec import MAX_TRIALS, SweepCreate

DEFAULT_RANDOM_TRIALS = 10


@dataclass
class Plan:
    """What the scheduler needs to start any trial: the base request, its graph, the paths' targets."""

    base: dict[str, Any]  # the base RunRequest's JSON (what the user set)
    graph: Graph  # the base graph, node params are swept in
    targets: dict[str, space.Target]

    def trial_body(self, point: space.Point) -> RunRequest:
        """Trial's RunRequest; SpaceError naming the path when a value is refused by the settings."""
        body = space.apply_point(self.base, self.graph, self.targets, point)
        try:
            return RunRequest.model_validate(body)
        except ValidationError as err:
            raise space.SpaceError(_explain(err, point, self.targets)) from None


def make_plan(spec: SweepCreate, graph: Graph) -> Plan:
    targets = {path: space.resolve(path, graph) for path in spec.space}
    return Plan(spec.base.model_dump(mode="json", exclude_unset=True), graph, targets)


def points_of(spec: SweepCreate) -> list[space.Point]:
    """The trials' points in order: the grid (its first max_trials) or max_trials seeded draws."""
    if spec.algorithm == "grid":
        space.grid(spec.space, limit=0)  # refuses continuous dimensions first, naming them
        size = space.grid_size(spec.space)
        if spec.max_trials is None and size > MAX_TRIALS:
            raise space.SpaceError(f"space: the grid has {size} points, more than the {MAX_TRIALS} trials a sweep "
                                   "may have; set max_trials to run its first ones, or narrow the space.")
        return space.grid(spec.space, limit=spec.max_trials or size)
    return space.random_points(spec.space, spec.max_trials or DEFAULT_RANDOM_TRIALS, spec.seed)


def _explain(err: ValidationError, point: space.Point, targets: dict[str, space.Target]) -> str:
    """The first refusal, named by the sweep path whose value caused it (else by its field)."""
    first = err.errors()[0]
    loc = tuple(str(part) for part in first["loc"])
    for path, target in targets.items():
        if isinstance(target, space.Setting) and loc[: len(target.keys)] == target.keys:
            return f"space '{path}': the value {json.dumps(point[path])} is refused: {first['msg']}."
    return f"the trial's run request is refused at '{'.'.join(loc)}': {first['msg']}."
