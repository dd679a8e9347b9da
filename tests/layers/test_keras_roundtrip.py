"""The Keras leg of the layer contract, for every kind with a Keras side, from its own examples.

Each example (params, input shapes) becomes Input(s) → the node, with random non-trivial weights:
export to .h5 → `keras.models.load_model` → Keras's outputs equal netcanvas's (≤ 1e-4), Keras's
trainable and non-trainable counts equal `param_count` and the built module's → Keras saves it
as `.keras` → import → the node's weights come back equal and the outputs too.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from kind_examples import channels_first, channels_last, example_graph, first, inputs_for, randomize

from netcanvas.export.keras_h5 import build_keras_model, write_h5
from netcanvas.export.keras_import import import_model
from netcanvas.graph.analyze import analyze
from netcanvas.graph.compile import compile_graph, module_names
from netcanvas.layers import REGISTRY, module_counts

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")

EXAMPLES = [(kind, i) for kind, cls in sorted(REGISTRY.items()) if cls.keras_classes
            for i in range(len(cls.examples))]


def test_every_kind_with_a_keras_side_has_examples():
    # Input has none of its own: it starts every other kind's example graph, so each round trip
    # exports and imports it.
    missing = [k for k, cls in REGISTRY.items() if cls.keras_classes and not cls.examples and k != "Input"]
    assert not missing, f"add `examples` to {missing}"


@pytest.mark.parametrize(("kind", "i"), EXAMPLES)
def test_kind_round_trips_with_keras(kind, i, keras, tmp_path):
    params, shapes = REGISTRY[kind].examples[i]
    a = analyze(example_graph(kind, params, shapes))
    assert a.ok, a.problems
    m = compile_graph(a)
    randomize(m, i)
    m.eval()
    xs = inputs_for(kind, params, shapes, i)
    with torch.no_grad():
        want = first(m(*xs)).numpy()

    write_h5(build_keras_model(a, m.state_dict()), tmp_path / "model.h5")
    km = keras.models.load_model(tmp_path / "model.h5", compile=False)
    kx = [channels_last(x.numpy()) for x in xs]
    got = channels_first(np.asarray(first(km(kx[0] if len(kx) == 1 else kx, training=False)).detach().cpu()))
    assert got.shape == want.shape
    assert float(np.abs(got - want).max()) <= 1e-4, f"{kind} {params}: Keras differs"

    # Counts as Keras's model.summary() has them, three ways equal.
    layer = a.nodes["layer"].layer
    counts = layer.param_count(a.nodes["layer"].input_shapes)
    built = module_counts(getattr(m, module_names(a.order)["layer"]))
    trainable = sum(int(np.prod(w.shape)) for w in km.trainable_weights)
    non_trainable = sum(int(np.prod(w.shape)) for w in km.non_trainable_weights)
    assert (counts.trainable, counts.non_trainable) == (built.trainable, built.non_trainable)
    assert (counts.trainable, counts.non_trainable) == (trainable, non_trainable), f"{kind}: Keras counts differ"

    # Keras's own .keras file comes back with the same weights and outputs.
    km.save(tmp_path / "model.keras")
    imp = import_model("model.keras", (tmp_path / "model.keras").read_bytes())
    back = compile_graph(imp.graph)
    back.load_state_dict(imp.state_dict, strict=True)
    with torch.no_grad():
        again = first(back.eval()(*xs)).numpy()
    assert float(np.abs(again - want).max()) <= 1e-5
    mine = {k.split(".", 1)[1]: v for k, v in m.state_dict().items() if k.startswith("layer.")}
    theirs = {k.split(".", 1)[1]: v for k, v in imp.state_dict.items() if k.startswith("layer.")}
    assert mine.keys() == theirs.keys()
    for k, v in mine.items():
        if v.is_floating_point():
            torch.testing.assert_close(theirs[k], v, rtol=0, atol=1e-6, msg=f"{kind}: {k}")
