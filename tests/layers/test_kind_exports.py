"""Every kind's examples through the non-Keras exports: generated PyTorch source and ONNX."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest
import torch
from kind_examples import example_graph, first, inputs_for, randomize

from netcanvas.export.codegen_torch import pytorch_source
from netcanvas.export.onnx import export_onnx
from netcanvas.graph.analyze import analyze
from netcanvas.graph.compile import compile_graph
from netcanvas.layers import REGISTRY

EXAMPLES = [(kind, i) for kind, cls in sorted(REGISTRY.items()) for i in range(len(cls.examples))]


def built(kind: str, i: int):
    params, shapes = REGISTRY[kind].examples[i]
    a = analyze(example_graph(kind, params, shapes))
    assert a.ok, a.problems
    m = compile_graph(a)
    randomize(m, i)
    return a, m.eval(), inputs_for(kind, params, shapes, i)


@pytest.mark.parametrize(("kind", "i"), EXAMPLES)
def test_generated_pytorch_predicts_the_same(kind, i):
    a, m, xs = built(kind, i)
    src = pytorch_source(a)
    mod = types.ModuleType(f"generated_{kind}_{i}")
    sys.modules[mod.__name__] = mod
    try:
        exec(compile(src, f"<{mod.__name__}>", "exec"), mod.__dict__)  # noqa: S102 (the code under test)
    finally:
        del sys.modules[mod.__name__]
    model = getattr(mod, type(m).__name__)().eval()
    model.load_state_dict(m.state_dict(), strict=True)
    with torch.no_grad():
        torch.testing.assert_close(first(model(*xs)), first(m(*xs)), rtol=0, atol=0)


@pytest.mark.parametrize(("kind", "i"), EXAMPLES)
def test_onnx_predicts_the_same(kind, i, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    a, m, xs = built(kind, i)
    export_onnx(a, m.state_dict(), tmp_path / "model.onnx")
    session = ort.InferenceSession(str(tmp_path / "model.onnx"), providers=["CPUExecutionProvider"])
    feeds = {s.name: x.numpy() for s, x in zip(session.get_inputs(), xs, strict=True)}
    got = session.run(None, feeds)[0]
    with torch.no_grad():
        want = first(m(*xs)).numpy()
    assert float(np.abs(got - want).max()) <= 1e-4


@pytest.mark.parametrize(("kind", "i"), EXAMPLES)
def test_param_count_formula_equals_the_built_module(kind, i):
    from netcanvas.layers import module_counts

    params, shapes = REGISTRY[kind].examples[i]
    layer = REGISTRY[kind].model_validate(params)
    assert layer.param_count(shapes) == module_counts(layer.build(shapes))
