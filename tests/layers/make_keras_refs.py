"""Regenerates keras_refs.json: runs each case of keras_ref_cases.py through Keras 3 itself.

    KERAS_BACKEND=torch .venv/bin/python tests/layers/make_keras_refs.py

Not a test (Keras takes long to import); test_keras_semantics.py compares against its output.
torch weights are converted to Keras's layout here; inputs and outputs are turned channels-last.
"""

from __future__ import annotations

import inspect
import json
import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "torch")
sys.path.insert(0, str(Path(__file__).parent))

import keras
from keras_ref_cases import CASES, example_input, set_weights

from netcanvas.layers import REGISTRY

GRU_ORDER = [1, 0, 2]  # torch r, z, n → Keras z, r, h


def rnn_weights(sd: dict, kind: str, suffix: str = "") -> list[np.ndarray]:
    w_ih, w_hh = sd[f"rnn.weight_ih_l0{suffix}"], sd[f"rnn.weight_hh_l0{suffix}"]
    b_ih, b_hh = sd.get(f"rnn.bias_ih_l0{suffix}"), sd.get(f"rnn.bias_hh_l0{suffix}")
    if kind == "GRU":
        def order(a):
            return np.concatenate([np.split(a, 3)[i] for i in GRU_ORDER])
        w_ih, w_hh = order(w_ih), order(w_hh)
        out = [w_ih.T, w_hh.T]
        if b_ih is not None:
            out.append(np.stack([order(b_ih), order(b_hh)]))
        return out
    out = [w_ih.T, w_hh.T]
    if b_ih is not None:  # netcanvas keeps Keras's one bias; model.pt files of old kept torch's two
        out.append(b_ih if b_hh is None else b_ih + b_hh)
    return out


def keras_layer(kind: str, p: dict):
    cls = getattr(keras.layers, kind)
    if kind == "Bidirectional":
        rnn = getattr(keras.layers, p["layer"])
        takes = inspect.signature(rnn.__init__).parameters
        inner = {k: v for k, v in p.items() if k not in ("layer", "merge_mode") and k in takes}
        return cls(rnn(**inner), merge_mode=p["merge_mode"])
    if kind in ("BatchNormalization", "LayerNormalization"):
        p = {**p, "axis": -1}
    return cls(**p)


def keras_weights(kind: str, p: dict, sd: dict) -> list[np.ndarray]:
    if kind == "Dense":
        return [sd["linear.weight"].T, sd["linear.bias"]]
    if kind in ("Conv1D", "Conv2D", "Conv2DTranspose"):
        w = sd["conv.weight"]
        return [w.transpose(2, 1, 0) if w.ndim == 3 else w.transpose(2, 3, 1, 0), sd["conv.bias"]]
    if kind == "BatchNormalization":
        return [sd["bn.weight"], sd["bn.bias"], sd["bn.running_mean"], sd["bn.running_var"]]
    if kind == "LayerNormalization":
        return [sd["norm.weight"], sd["norm.bias"]]
    if kind in ("SimpleRNN", "LSTM", "GRU"):
        return rnn_weights(sd, kind)
    if kind == "Bidirectional":
        return rnn_weights(sd, p["layer"]) + rnn_weights(sd, p["layer"], "_reverse")
    return []


def channels_last(a: np.ndarray) -> np.ndarray:
    return np.moveaxis(a, 1, -1) if a.ndim == 4 else a


def channels_first(a: np.ndarray) -> np.ndarray:
    return np.moveaxis(a, -1, 1) if a.ndim == 4 else a


def main() -> None:
    refs = []
    for kind, params, shape in CASES:
        layer = REGISTRY[kind].model_validate(params)
        full = layer.model_dump(mode="json")
        module = layer.build([shape])
        set_weights(module)
        sd = {k: v.numpy() for k, v in module.state_dict().items()}
        x = example_input(shape).numpy()
        inp = keras.Input(channels_last(x).shape[1:])
        k = keras_layer(kind, full)
        out = k(inp)
        model = keras.Model(inp, out)
        weights = keras_weights(kind, full, sd)
        if weights:
            k.set_weights(weights)
        ys = model.predict(channels_last(x), verbose=0)
        ys = list(ys) if isinstance(ys, (list, tuple)) else [ys]
        refs.append({"kind": kind, "params": params, "shape": list(shape),
                     "outputs": [channels_first(np.asarray(y)).tolist() for y in ys]})
        print(kind, params, [np.asarray(y).shape for y in ys])
    path = Path(__file__).parent / "keras_refs.json"
    path.write_text(json.dumps({"keras": keras.__version__, "backend": keras.backend.backend(), "cases": refs}))


if __name__ == "__main__":
    main()
