"""The layer registry: one source of truth for every layer kind's params, shapes and modules."""

from . import conv, core, merge, norm, pooling, recurrent, reshaping  # noqa: F401  (registers the kinds)
from .base import REGISTRY, Layer, Shape, ShapeError, fmt, schema_entry

__all__ = ["REGISTRY", "Layer", "Shape", "ShapeError", "fmt", "schema_entry"]
