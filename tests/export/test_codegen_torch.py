import sys
import types

import pytest
import torch
from nc_export_cases import CASES, outputs_list, trained_like

from netcanvas.export.codegen_torch import pytorch_source


def load_source(src: str, name: str) -> types.ModuleType:
    mod = types.ModuleType(name)
    sys.modules[name] = mod  # dataclass-free, but keep inspect happy
    try:
        exec(compile(src, f"<{name}>", "exec"), mod.__dict__)  # noqa: S102 (the code under test)
    finally:
        del sys.modules[name]
    return mod


@pytest.mark.parametrize("case", sorted(CASES))
def test_generated_pytorch_loads_the_weights_and_predicts_the_same(case):
    a, m, xs = trained_like(CASES[case]())
    src = pytorch_source(a)
    assert "netcanvas" not in src.split('"""', 2)[2]  # no import of netcanvas in the code
    mod = load_source(src, f"generated_{case}")
    cls = getattr(mod, type(m).__name__)
    model = cls().eval()
    model.load_state_dict(m.state_dict(), strict=True)
    with torch.no_grad():
        for got, want in zip(outputs_list(model(*xs)), outputs_list(m(*xs)), strict=True):
            assert got.shape == want.shape
            assert abs(got - want).max() == 0.0


def test_generated_source_is_readable():
    a, _, _ = trained_like(CASES["cnn"]() if "cnn" in CASES else CASES["mlp"]())
    src = pytorch_source(a)
    assert "class DenseModule(nn.Module):" in src
    assert "self.dense_7 = DenseModule(linear=nn.Linear(" in src or "self.dense_0 = DenseModule(" in src
    assert "def forward(self, n_in):" in src
    assert "= None" not in src.split("def forward(self, n_in):")[1]
    assert "Base class for all neural network modules" not in src
