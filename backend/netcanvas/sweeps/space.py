"""A sweep's search space: what each path names, the points a grid or a seeded random search
visits, and the run request of one point."""

from __future__ import annotations

import copy
import itertools
import math
import random
import types
import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from ..graph.schema import Graph
from ..layers import REGISTRY
from ..training.settings import TrainSettings
from .spec import Choice, Dimension, IntUniform, LogUniform, Uniform

Point = dict[str, Any]  # path → value


class SpaceError(ValueError):
    """A path or dimension that cannot be searched; the message names it."""


@dataclass(frozen=True)
class NodeParam:
    node: str
    param: str


@dataclass(frozen=True)
class Setting:
    keys: tuple[str, ...]  # into TrainSettings: ("optimizer", "learning_rate")


Target = NodeParam | Setting


def resolve(path: str, graph: Graph) -> Target:
    """Node ids first ("<node_id>.<param>", the node a node of the base graph), else a dotted
    TrainSettings field; SpaceError naming the path otherwise."""
    nodes = {n.id: n for n in graph.nodes}
    for node_id, node in nodes.items():
        if path.startswith(node_id + ".") and "." not in (param := path[len(node_id) + 1:]):
            layer = REGISTRY.get(node.type)
            if layer is None:
                raise SpaceError(f"space '{path}': node '{node_id}' is a {node.type}; only a layer's params can be swept.")
            if param not in layer.model_fields:
                known = ", ".join(sorted(layer.model_fields))
                raise SpaceError(f"space '{path}': {node.type} node '{node_id}' has no param '{param}' (its params: {known}).")
            return NodeParam(node_id, param)
    keys = tuple(path.split("."))
    model: type[BaseModel] | None = TrainSettings
    for i, key in enumerate(keys):
        if model is None or key not in model.model_fields:
            where = "a training setting" if i == 0 else f"a field of '{'.'.join(keys[:i])}'"
            raise SpaceError(f"space '{path}': '{key}' is neither a node of the base graph (nodes: "
                             f"{', '.join(nodes) or 'none'}) nor {where}.")
        model = _model_of(model.model_fields[key].annotation)
    return Setting(keys)


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The settings model a field holds (OptimizerSettings, EarlyStopping | None…), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if (found := _model_of(arg)) is not None:
                return found
    return None


def grid(space: dict[str, Dimension], limit: int | None = None) -> list[Point]:
    """The combinations of the choice values (the first `limit` of them), the first path varying
    slowest."""
    for path, dim in space.items():
        if not isinstance(dim, Choice):
            raise SpaceError(f"space '{path}': a grid searches choice dimensions only, and '{path}' is "
                             f"{dim.type}; list its values as {{\"type\": \"choice\", \"values\": [...]}} or "
                             "use algorithm 'random'.")
    paths = list(space)
    values = [typing.cast(Choice, space[p]).values for p in paths]
    combos = itertools.islice(itertools.product(*values), limit)
    return [dict(zip(paths, copy.deepcopy(combo), strict=True)) for combo in combos]


def grid_size(space: dict[str, Dimension]) -> int:
    return math.prod(len(d.values) if isinstance(d, Choice) else 0 for d in space.values())


def random_points(space: dict[str, Dimension], n: int, seed: int) -> list[Point]:
    """`n` points drawn with one seeded generator, dimension by dimension in the space's order:
    the same space and seed give the same trials."""
    rng = random.Random(seed)
    return [{path: _draw(dim, rng) for path, dim in space.items()} for _ in range(n)]


def _draw(dim: Dimension, rng: random.Random) -> Any:
    if isinstance(dim, Choice):
        return copy.deepcopy(rng.choice(dim.values))
    if isinstance(dim, IntUniform):
        return rng.randint(dim.low, dim.high)
    if isinstance(dim, LogUniform):
        return min(dim.high, max(dim.low, math.exp(rng.uniform(math.log(dim.low), math.log(dim.high)))))
    assert isinstance(dim, Uniform)
    return rng.uniform(dim.low, dim.high)


def apply_point(base: dict[str, Any], graph: Graph, targets: dict[str, Target], point: Point) -> dict[str, Any]:
    """The run request (JSON) of one point: `base` (a RunRequest's JSON) with its settings set and,
    when node params are swept, the base graph with those params as an explicit `graph`."""
    body = copy.deepcopy(base)
    nodes: dict[str, dict[str, Any]] = {}
    for path, value in point.items():
        target = targets[path]
        if isinstance(target, NodeParam):
            nodes.setdefault(target.node, {})[target.param] = value
            continue
        here = body
        for key in target.keys[:-1]:
            if not isinstance(here.get(key), dict):
                here[key] = {}
            here = here[key]
        here[target.keys[-1]] = value
    if nodes:
        swept = graph.model_copy(deep=True)
        for node in swept.nodes:
            if node.id in nodes:
                node.params = {**node.params, **nodes[node.id]}
        body["graph"] = swept.model_dump(mode="json")
        body.pop("graph_id", None)
    return body
