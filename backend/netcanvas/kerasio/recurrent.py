"""The Keras side SimpleRNN, LSTM, GRU and Bidirectional share: gate order, weights, config.

torch keeps weight_ih (gates·u, in), weight_hh (gates·u, u), bias_ih (gates·u) [, bias_hh];
Keras kernel (in, gates·u), recurrent_kernel (u, gates·u), bias. LSTM gates are i, f, g, o in
both. GRU: torch's r, z, n are Keras's z, r, h reordered; Keras's reset_after GRU keeps the
input and the recurrent bias as a (2, 3·u) array, its reset_before GRU one (3·u,) bias.
netcanvas's LSTM and SimpleRNN keep one bias, as Keras does (layers/recurrent.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .config import keras_activation, refuse_training_terms

if TYPE_CHECKING:
    from .exporting import ExportNode
    from .importing import ImportNode

RECURRENT = ("SimpleRNN", "LSTM", "GRU")


def gru_order(units: int) -> np.ndarray:
    """Row order taking torch's r, z, n blocks to Keras's z, r, h (its own inverse)."""
    r, z, h = (np.arange(units) + i * units for i in range(3))
    return np.concatenate([z, r, h])


def _order(kind: str, rows: int, units: int) -> np.ndarray:
    return gru_order(units) if kind == "GRU" else np.arange(rows)


def keras_weights(n: ExportNode, kind: str, core: Any, suffix: str = "") -> list[tuple[str, np.ndarray]]:
    """The Keras variables (kernel, recurrent_kernel[, bias]) of one direction of `core`."""
    w_ih = n.array(getattr(core, f"weight_ih_l0{suffix}"))
    w_hh = n.array(getattr(core, f"weight_hh_l0{suffix}"))
    order = _order(kind, w_ih.shape[0], core.units)
    out = [("kernel", w_ih[order].T), ("recurrent_kernel", w_hh[order].T)]
    if core.use_bias:
        b_ih = n.array(getattr(core, f"bias_ih_l0{suffix}"))[order]
        if kind == "GRU" and core.reset_after:
            out.append(("bias", np.stack([b_ih, n.array(getattr(core, f"bias_hh_l0{suffix}"))[order]])))
        else:
            out.append(("bias", b_ih))
    return out


def load_weights(n: ImportNode, kind: str, core: Any, weights: list[np.ndarray], suffix: str = "") -> None:
    """Keras's kernel, recurrent_kernel[, bias] into one direction of `core`."""
    if len(weights) < (3 if core.use_bias else 2):
        raise n.fail(f"the file has {len(weights)} weights for it, netcanvas needs {3 if core.use_bias else 2}")
    kernel, recurrent = weights[0], weights[1]
    order = _order(kind, kernel.shape[1], core.units)
    n.set(getattr(core, f"weight_ih_l0{suffix}"), kernel.T[order], "kernel")
    n.set(getattr(core, f"weight_hh_l0{suffix}"), recurrent.T[order], "recurrent_kernel")
    if core.use_bias:
        b = weights[2]
        if kind == "GRU" and core.reset_after:
            if b.ndim != 2:
                raise n.fail(f"bias has shape {b.shape}; a reset_after GRU has a (2, {3 * core.units}) bias")
            n.set(getattr(core, f"bias_ih_l0{suffix}"), b[0][order], "bias")
            n.set(getattr(core, f"bias_hh_l0{suffix}"), b[1][order], "bias")
        else:
            n.set(getattr(core, f"bias_ih_l0{suffix}"), b[order], "bias")


def keras_config(kind: str, layer: Any) -> dict[str, Any]:
    """The Keras config of a recurrent layer (or of the one a Bidirectional wraps)."""
    cfg: dict[str, Any] = {
        "units": layer.units, "activation": layer.activation, "use_bias": layer.use_bias,
        "dropout": layer.dropout, "recurrent_dropout": layer.recurrent_dropout,
        "return_sequences": layer.return_sequences, "return_state": layer.return_state,
        "go_backwards": getattr(layer, "go_backwards", False),
    }
    if kind in ("LSTM", "GRU"):
        cfg["recurrent_activation"] = layer.recurrent_activation
    if kind == "LSTM":
        cfg["unit_forget_bias"] = True
    if kind == "GRU":
        cfg["reset_after"] = layer.reset_after
    return cfg


def keras_params(n: ImportNode, kind: str, cfg: dict[str, Any]) -> dict[str, Any]:
    """A Keras recurrent config → netcanvas params; what netcanvas cannot do is refused by name."""
    refuse_training_terms(n, cfg)  # cfg may be the layer a Bidirectional wraps
    if cfg.get("stateful"):
        raise n.fail("stateful=True is not supported (netcanvas starts every batch from zero states)")
    if cfg.get("time_major"):
        raise n.fail("time_major=True is not supported (netcanvas sequences are batch-major)")
    # unroll only changes how Keras runs the loop, not what it computes.
    dropout = float(cfg.get("dropout", 0.0) or 0.0)
    recurrent_dropout = float(cfg.get("recurrent_dropout", 0.0) or 0.0)
    if not (0.0 <= dropout < 1.0 and 0.0 <= recurrent_dropout < 1.0):
        raise n.fail(f"dropout={dropout}, recurrent_dropout={recurrent_dropout}: netcanvas needs rates in [0, 1)")
    if (kind != "SimpleRNN" and int(cfg.get("implementation", 2)) == 1 and dropout > 0
            and recurrent_dropout == 0):
        # with recurrent_dropout Keras itself uses implementation 1 (one dropout mask per gate)
        raise n.fail("implementation=1 with dropout and no recurrent_dropout is not supported")
    params: dict[str, Any] = {
        "units": int(cfg["units"]),
        "activation": keras_activation(n, cfg.get("activation", "tanh")),
        "use_bias": bool(cfg.get("use_bias", True)),
        "dropout": dropout, "recurrent_dropout": recurrent_dropout,
        "return_sequences": bool(cfg.get("return_sequences", False)),
        "return_state": bool(cfg.get("return_state", False)),
    }
    if kind in ("LSTM", "GRU"):
        params["recurrent_activation"] = keras_activation(
            n, cfg.get("recurrent_activation", "sigmoid"), "recurrent_activation")
    # unit_forget_bias and the initializers only choose initial weights; the file's replace them.
    if kind == "GRU":
        params["reset_after"] = bool(cfg.get("reset_after", True))
    return params
