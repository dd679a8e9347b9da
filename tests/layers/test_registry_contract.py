"""The run_layer_test of netcanvas: every registered kind, many random valid params and inputs.

For each kind: inferred output shapes == what the built module really returns (every port);
parameter count on the meta device == the real module's; params JSON → model → JSON unchanged;
palette defaults validate.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from layer_cases import Case, case_for

from netcanvas.layers import REGISTRY, schema_entry

KINDS = sorted(REGISTRY)
CONTRACT = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


def real_outputs(c: Case, module: torch.nn.Module) -> list[tuple[int, ...]]:
    torch.manual_seed(0)
    if c.int_inputs is not None:
        xs = [torch.randint(0, c.int_inputs, (2, *s)) for s in c.concrete]
    else:
        xs = [torch.randn(2, *s, requires_grad=True) for s in c.concrete]
    module.train()  # training mode runs and every parameter gets a gradient
    out = module(*xs)
    sum(o.float().sum() for o in (out if isinstance(out, tuple) else (out,))).backward()
    for name, p in module.named_parameters():
        assert p.grad is not None, f"{name} gets no gradient"
    module.eval()
    with torch.no_grad():
        out = module(*xs)
    outs = out if isinstance(out, tuple) else (out,)
    for o in outs:
        assert o.shape[0] == 2, "the batch axis must stay first"
    return [tuple(o.shape[1:]) for o in outs]


def check_case(kind: str, c: Case) -> None:
    cls = REGISTRY[kind]
    layer = cls.model_validate(c.params)
    # (3) JSON → model → JSON, in full and as the user sent it (only the fields they set).
    assert layer.model_dump(mode="json") == c.params
    partial = {k: v for i, (k, v) in enumerate(c.params.items()) if i % 2 == 0 or cls.model_fields[k].is_required()}
    assert cls.model_validate(partial).model_dump(mode="json", exclude_unset=True) == partial
    if kind == "Input":
        assert layer.output_shapes([]) == [tuple(c.params["shape"])]
        return

    declared = [tuple(s) for s in layer.output_shapes(c.declared)]
    concrete = [tuple(s) for s in layer.output_shapes(c.concrete)]
    assert len(declared) == len(concrete)
    for d, k in zip(declared, concrete):  # a None (variable) axis stays None; known ones agree
        assert len(d) == len(k) and all(a is None or a == b for a, b in zip(d, k)), (d, k)

    # (1) inferred == real, for every output port; the module is built from the declared shapes.
    module = layer.build(c.declared)
    assert real_outputs(c, module) == concrete
    # (2) parameter count without allocating == real.
    with torch.device("meta"):
        meta = layer.build(c.declared)
    assert sum(p.numel() for p in meta.parameters()) == sum(p.numel() for p in module.parameters())


def test_every_kind_has_a_case():
    missing = sorted(k for k in REGISTRY if case_for(k) is None)
    assert not missing, f"give {missing} examples, or a strategy in tests/layers/layer_cases.py"


@pytest.mark.parametrize("kind", KINDS)
def test_layer_contract(kind):
    make = case_for(kind)
    if make is None:
        pytest.fail(f"{kind} has neither examples nor a case in layer_cases.INPUTS")

    @CONTRACT
    @given(st.data())
    def run(data):
        check_case(kind, make(data.draw))

    run()


# A sensible input for a palette drop with default params (MNIST-sized, like Input's default).
SENSIBLE = {"input": [], "core": [(784,)], "reshaping": [(784,)], "activation": [(784,)],
            "normalization": [(784,)], "merge": [(784,), (784,)], "recurrent": [(None, 8)]}
SENSIBLE_KIND = {"Embedding": [(None,)], "Permute": [(10, 8)], "UpSampling2D": [(1, 28, 28)],
                 "ZeroPadding2D": [(1, 28, 28)], "Cropping2D": [(1, 28, 28)],
                 **{k: [(None, 8)] for k in ("ZeroPadding1D", "UpSampling1D", "Cropping1D")},
                 "Conv1DTranspose": [(None, 8)],
                 "Masking": [(None, 8)],
                 **{k: [(None, 16), (None, 16)] for k in ("Attention", "AdditiveAttention", "MultiHeadAttention")},
                 "TimeDistributed": [(None, 16)]}


@pytest.mark.parametrize("kind", KINDS)
def test_palette_drop_fits_a_sensible_input(kind):
    cls = REGISTRY[kind]
    shapes = SENSIBLE_KIND.get(kind) or SENSIBLE.get(cls.family)
    if shapes is None:  # convolution, pooling: images or sequences by their name
        shapes = [(None, 8)] if kind.endswith("1D") else [(1, 28, 28)]
    layer = cls.model_validate(schema_entry(cls)["defaults"])
    assert layer.output_shapes(shapes)
    layer.build(shapes)


@pytest.mark.parametrize("kind", KINDS)
def test_palette_defaults_validate(kind):
    entry = schema_entry(REGISTRY[kind])
    cls = REGISTRY[kind]
    assert set(entry["defaults"]) == set(cls.model_fields), "every param needs a palette default"
    layer = cls.model_validate(entry["defaults"])
    assert layer.model_dump(mode="json") == entry["defaults"]
    assert entry["doc"], f"{kind} needs a docstring: the palette shows its first line"
