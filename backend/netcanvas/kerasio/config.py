"""Keras config values several kinds read or write the same way: activations, sizes, axes,
data_format, and the settings netcanvas refuses by name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, get_args

from ..layers.activations import ActivationName
from .layout import netcanvas_axis

if TYPE_CHECKING:
    from .importing import ImportNode

ACTIVATIONS = frozenset(get_args(ActivationName))
_ALIASES: dict[Any, str] = {None: "linear", "silu": "swish"}


def keras_activation(n: ImportNode, value: Any, what: str = "activation") -> str:
    """A Keras activation setting (a name or a serialized function) → netcanvas's name."""
    if isinstance(value, dict):  # {"class_name": "function", "config": "relu"} and similar
        value = value.get("config") if isinstance(value.get("config"), str) else value.get("class_name")
    name = _ALIASES.get(value, value)
    if name not in ACTIVATIONS:
        raise n.fail(f"{what} '{value}' is not one netcanvas has ({', '.join(sorted(ACTIVATIONS))})")
    return str(name)


def compact(v: Any) -> Any:
    """Keras's [3, 3] → 3 (netcanvas sizes take an int or one per axis)."""
    if isinstance(v, (list, tuple)):
        v = list(v)
        return v[0] if v and all(x == v[0] for x in v) else v
    return v


def size(v: int | list[int], n: int) -> list[int]:
    """A netcanvas size (an int or one per axis) → Keras's list of n."""
    return [v] * n if isinstance(v, int) else list(v)


def require(n: ImportNode, cfg: dict[str, Any], **expected: Any) -> None:
    """Refuses, by name, a Keras setting whose value netcanvas cannot express. A tuple lists the
    values accepted; a missing key counts as the accepted (first) value."""
    for key, want in expected.items():
        default = want[0] if isinstance(want, tuple) else want
        have = cfg.get(key, default)
        ok = have in want if isinstance(want, tuple) else have == want
        if not ok:
            shown = " or ".join(map(repr, want)) if isinstance(want, tuple) else repr(want)
            raise n.fail(f"{key}={have!r} is not supported (netcanvas needs {shown})")


def refuse_training_terms(n: ImportNode, cfg: dict[str, Any] | None = None) -> None:
    """Refuses, by name, the regularizers and constraints of a Keras layer config (`cfg`, default
    the layer's own; a wrapper passes the wrapped layer's). They shape training, which netcanvas
    does not reproduce; left null they change nothing. The import driver calls this for every
    layer, so a kind never lists them."""
    for key, value in (n.cfg if cfg is None else cfg).items():
        if key.endswith(("_regularizer", "_constraint")) and value is not None:
            raise n.fail(f"{key}={value!r} is not supported")


def channels_last(n: ImportNode) -> None:
    require(n, n.cfg, data_format=("channels_last", None))


def nc_axis(n: ImportNode, axis: Any, rank: int) -> int:
    """A Keras axis of a channels-last tensor → netcanvas's axis (batch counted) of the same dim."""
    if isinstance(axis, list):
        if len(axis) != 1:
            raise n.fail(f"axis={axis} (several axes) is not supported")
        axis = axis[0]
    try:
        return netcanvas_axis(int(axis), rank)
    except ValueError as err:
        raise n.fail(str(err)) from err

