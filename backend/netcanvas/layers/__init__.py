"""The layer registry: one source of truth for every layer kind's params, shapes, modules and
Keras side.

Each kind lives in its own module here (a tight family may share one) and registers itself with
`@register`; every module in this package is imported below, so adding a kind is adding a file.
Modules that hold no kinds (base, activations, initializers, spatial) register nothing.

Conventions the kinds share:
- `activation` fields: Dense, Conv* apply it last; softmax runs over the feature axis (channels
  for images).
- Several output ports (return_state): the module returns a tuple, port 0 the output, then the
  states.
- A kind's Keras side reads and writes weights through its built module's attributes
  (`module.linear.weight`), never state_dict key strings.
"""

import importlib
import pkgutil

from .base import REGISTRY, Layer, ParamCount, Shape, ShapeError, fmt, module_counts, schema_entry

for _mod in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _mod == "catalogue":  # writes docs/layers.md; run as a script
        continue
    importlib.import_module(f"{__name__}.{_mod}")


def keras_class_index() -> dict[str, type[Layer]]:
    """Keras class name → the netcanvas kind that imports it."""
    index: dict[str, type[Layer]] = {}
    for cls in REGISTRY.values():
        for name in cls.keras_classes:
            assert name not in index, f"Keras class {name} claimed by {index[name].kind()} and {cls.kind()}"
            index[name] = cls
    return index


__all__ = ["REGISTRY", "Layer", "ParamCount", "Shape", "ShapeError", "fmt", "keras_class_index",
           "module_counts", "schema_entry"]
