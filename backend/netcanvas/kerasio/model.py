"""A Keras functional model as data: the `model_config` JSON and the weights of each layer.

`KerasModelBuilder` is what each layer kind's `to_keras` writes into; `keras_h5` turns it into a file
and `codegen_keras` into Python source. No Keras import is needed for either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..layers.base import Shape
from .errors import KerasExportError  # noqa: F401  (re-exported: raised by builders)
from .layout import to_keras_shape


@dataclass
class KTensor:
    """A tensor of the Keras model: output `index` of Keras layer `layer`.

    `shape` is the netcanvas shape of the same tensor (batch excluded); the Keras tensor is its
    channels-last version. `perm`, set only on a Flatten of an image, maps Keras's H·W·C vector
    order to netcanvas's C·H·W: keras_vec[j] == netcanvas_vec[perm[j]].
    """

    layer: str
    index: int
    shape: Shape
    dtype: str = "float32"
    perm: np.ndarray | None = None

    def ref(self) -> dict[str, Any]:
        kshape = [None, *to_keras_shape(self.shape)]
        return {
            "class_name": "__keras_tensor__",
            "config": {"shape": kshape, "dtype": self.dtype, "keras_history": [self.layer, 0, self.index]},
        }


@dataclass
class KerasLayer:
    class_name: str
    name: str
    config: dict[str, Any]  # the layer's own arguments (what codegen writes)
    inputs: list[KTensor]
    merge: bool  # called on a list of tensors (merge layers) rather than one tensor
    weights: list[tuple[str, np.ndarray]] = field(default_factory=list)
    call_kwargs: dict[str, Any] = field(default_factory=dict)
    node_id: str | None = None
    trainable: bool = True  # False: the node is frozen (Keras's trainable=False)


def _kwarg_layers(v: Any) -> list[str]:
    """Layers whose tensors a call passes by keyword (a recurrent layer's initial_state), in the
    order Keras flattens them: Keras's graph walk follows those too."""
    if isinstance(v, dict) and v.get("class_name") == "__keras_tensor__":
        return [v["config"]["keras_history"][0]]
    if isinstance(v, dict):
        return [x for k in sorted(v) for x in _kwarg_layers(v[k])]
    if isinstance(v, (list, tuple)):
        return [x for item in v for x in _kwarg_layers(item)]
    return []


# Keras layers whose constructor takes no `trainable` (their get_config leaves it out).
NO_TRAINABLE_ARG = frozenset({"SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"})


def placeholder(a: np.ndarray) -> bool:
    """A weight standing only for its shape (code generation): zero strides, no memory."""
    return bool(a.strides) and not any(a.strides)


NESTED_LAYER_KEYS = ("layer", "backward_layer")  # wrappers' inner layer configs


def frozen_config(cfg: dict[str, Any]) -> dict[str, Any]:
    """A layer config with trainable False, in the layers nested in it too (Bidirectional's,
    TimeDistributed's): Keras builds a wrapper's inner layers from their own configs, so a False
    on the wrapper alone would leave their weights trainable."""
    out = {**cfg, "trainable": False}
    for k in NESTED_LAYER_KEYS:  # not every nested config is a layer (initializers are not)
        v = cfg.get(k)
        if isinstance(v, dict) and isinstance(v.get("config"), dict) and v.get("class_name") not in NO_TRAINABLE_ARG:
            out[k] = {**v, "config": frozen_config(v["config"])}
    return out


def nested(class_name: str, config: dict[str, Any]) -> dict[str, Any]:
    """A layer config nested inside another (Bidirectional's `layer`)."""
    return {"module": "keras.layers", "class_name": class_name, "config": config, "registered_name": None}


class KerasModelBuilder:
    def __init__(self, name: str):
        self.name = re.sub(r"\W", "_", name) or "model"
        self.layers: list[KerasLayer] = []
        self.inputs: list[KTensor] = []
        self.outputs: list[KTensor] = []
        self._names: set[str] = set()

    def unique(self, base: str) -> str:
        base = re.sub(r"\W", "_", base) or "layer"
        name, i = base, 1
        while name in self._names:
            i += 1
            name = f"{base}_{i}"
        self._names.add(name)
        return name

    def add(
        self,
        class_name: str,
        name: str,
        config: dict[str, Any],
        inputs: list[KTensor],
        out_shapes: list[Shape],
        *,
        weights: list[tuple[str, np.ndarray]] = (),  # type: ignore[assignment]
        merge: bool = False,
        call_kwargs: dict[str, Any] | None = None,
        node_id: str | None = None,
        dtype: str = "float32",
    ) -> list[KTensor]:
        name = self.unique(name)
        self.layers.append(
            KerasLayer(class_name, name, dict(config), list(inputs), merge,
                       [(w, a if placeholder(a) else np.asarray(a, dtype=np.float32, order="C"))  # keeps 0-d
                        for w, a in weights],
                       dict(call_kwargs or {}), node_id)
        )
        return [KTensor(name, i, tuple(s), dtype) for i, s in enumerate(out_shapes)]

    def add_input(self, name: str, shape: Shape, dtype: str, node_id: str) -> KTensor:
        name = self.unique(name)
        kdtype = "int32" if dtype.startswith("int") else "float32"
        self.layers.append(
            KerasLayer("InputLayer", name, {"batch_shape": [None, *to_keras_shape(shape)], "dtype": kdtype},
                       [], False, node_id=node_id)
        )
        t = KTensor(name, 0, tuple(shape), kdtype)
        self.inputs.append(t)
        return t

    # -- the model_config JSON -------------------------------------------------------------

    def layer_entry(self, layer: KerasLayer) -> dict[str, Any]:
        if layer.class_name == "InputLayer":
            cfg = {**layer.config, "sparse": False, "name": layer.name}
            return {"module": "keras.layers", "class_name": "InputLayer", "config": cfg,
                    "registered_name": None, "name": layer.name, "inbound_nodes": []}
        cfg = {"name": layer.name, "trainable": True, "dtype": "float32", **layer.config}
        if not layer.trainable:
            cfg = frozen_config(cfg)
        if layer.class_name in NO_TRAINABLE_ARG:
            del cfg["trainable"]
        refs = [t.ref() for t in layer.inputs]
        args = [refs] if layer.merge else refs
        return {
            "module": "keras.layers", "class_name": layer.class_name, "config": cfg,
            "registered_name": None, "name": layer.name,
            "inbound_nodes": [{"args": args, "kwargs": layer.call_kwargs}],
        }

    def model_config(self) -> dict[str, Any]:
        def hist(ts: list[KTensor]) -> list:
            refs = [[t.layer, 0, t.index] for t in ts]
            return refs[0] if len(refs) == 1 else refs

        return {
            "module": "keras", "class_name": "Functional", "registered_name": "Functional",
            "config": {
                "name": self.name, "trainable": True,
                "layers": [self.layer_entry(lay) for lay in self.keras_order()],
                "input_layers": hist(self.inputs), "output_layers": hist(self.outputs),
            },
        }

    def keras_order(self) -> list[KerasLayer]:
        """The layers in the order Keras's Functional model lists them (`model.layers`).

        Legacy .h5 weights load by position in that order, so the file must follow it. This
        mirrors keras.src.ops.function.map_graph: a depth-first walk from the outputs numbers
        the layers; depth = longest path to an output; deepest first, ties by walk number.
        """
        by_name = {lay.name: lay for lay in self.layers}
        parents = {lay.name: [t.layer for t in lay.inputs] + _kwarg_layers(lay.call_kwargs) for lay in self.layers}
        index: dict[str, int] = {}
        post: list[str] = []
        entered: set[str] = set()

        def enter(name: str) -> None:
            index.setdefault(name, len(index))
            entered.add(name)

        # A depth-first walk with an explicit stack, not recursion: a chain of thousands of
        # layers must not reach Python's recursion limit. The numbering is the recursive walk's:
        # a layer is numbered when first entered, put in `post` once all its parents are.
        for t in self.outputs:
            if t.layer in entered:
                continue
            enter(t.layer)
            stack = [(t.layer, iter(parents[t.layer]))]
            while stack:
                name, todo = stack[-1]
                for parent in todo:
                    if parent not in entered:
                        enter(parent)
                        stack.append((parent, iter(parents[parent])))
                        break
                else:
                    stack.pop()
                    post.append(name)
        depth: dict[str, int] = {}
        for name in reversed(post):
            d = depth.setdefault(name, 0)
            for parent in parents[name]:
                depth[parent] = max(d + 1, depth.get(parent, 0))
        for t in self.inputs:  # inputs no output depends on
            if t.layer not in depth:
                depth[t.layer], index[t.layer] = 0, -1
        names = sorted(depth, key=lambda n: (-depth[n], index[n]))
        return [by_name[n] for n in names]

    def param_count(self) -> int:
        return sum(int(a.size) for lay in self.layers for _, a in lay.weights)
