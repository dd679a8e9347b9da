"""The templates as the API serves them: the packaged graphs, listed and built for a size."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from pydantic import BaseModel

from ..graph.analyze import analyze
from ..graph.schema import Graph
from .catalogue import ARCHITECTURES, DEFAULT_CLASSES, MAX_CLASSES, MAX_SIZE, Architecture, file_stem
from .sizing import TemplateError, check_request, resize


class TemplateVariant(BaseModel):
    """One choice of top, with Keras's model.summary() counts at the default input size."""

    include_top: bool
    layers: int  # nodes on the canvas, the Input included
    total_params: int
    trainable_params: int
    non_trainable_params: int


class TemplateInfo(BaseModel):
    name: str
    title: str
    keras: str  # the keras.applications constructor this graph was generated from
    description: str
    default_input_size: int
    min_input_size: int
    max_input_size: int
    default_classes: int
    max_classes: int
    variants: list[TemplateVariant]


class TemplatesPublic(BaseModel):
    data: list[TemplateInfo]
    count: int


class UnknownTemplate(KeyError):
    pass


def architecture(name: str) -> Architecture:
    arch = ARCHITECTURES.get(name)
    if arch is None:
        raise UnknownTemplate(f"There is no template '{name}'; the templates are {', '.join(ARCHITECTURES)}.")
    return arch


@cache
def packaged(name: str, include_top: bool) -> Graph:
    """The graph as generate.py wrote it (at the default input size). Treat as read-only."""
    arch = architecture(name)
    text = resources.files(__package__).joinpath(f"{file_stem(arch, include_top)}.json").read_text("utf-8")
    return Graph.model_validate(json.loads(text))


def template(name: str, include_top: bool = True, input_size: int | None = None,
             classes: int | None = None) -> Graph:
    """The graph for `name`, taking (3, input_size, input_size) images (default: Keras's default size)
    and, with its top, ending in `classes` outputs (default 1000). TemplateError names the field."""
    arch = architecture(name)
    size = arch.default_size if input_size is None else input_size
    n_classes = DEFAULT_CLASSES if classes is None else classes
    check_request(arch, size, n_classes)
    return resize(packaged(name, include_top), arch, size, n_classes if include_top else None)


@cache
def _variant(name: str, include_top: bool) -> TemplateVariant:
    graph = template(name, include_top)
    counts = analyze(graph).counts
    return TemplateVariant(include_top=include_top, layers=len(graph.nodes), total_params=counts.total,
                           trainable_params=counts.trainable, non_trainable_params=counts.non_trainable)


def summaries() -> TemplatesPublic:
    data = [
        TemplateInfo(name=a.name, title=a.title, keras=f"keras.applications.{a.keras}", description=a.description,
                     default_input_size=a.default_size, min_input_size=a.min_size, max_input_size=MAX_SIZE,
                     default_classes=DEFAULT_CLASSES, max_classes=MAX_CLASSES,
                     variants=[_variant(a.name, top) for top in (True, False)])
        for a in ARCHITECTURES.values()
    ]
    return TemplatesPublic(data=data, count=len(data))


__all__ = ["TemplateError", "TemplateInfo", "TemplatesPublic", "UnknownTemplate", "summaries", "template"]
