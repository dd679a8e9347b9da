"""What the program exports (ONNX, torch.export) share: the module with its final activations,
example inputs, and which axes are dynamic (the batch axis, and variable lengths)."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import fx

from ..graph.analyze import Analysis
from ..graph.compile import compile_graph, example_inputs


def inference_module(analysis: Analysis, state_dict: Mapping[str, torch.Tensor] | None) -> fx.GraphModule:
    """The graph's module with every activation (softmax included) and the given weights, eval mode."""
    gm = compile_graph(analysis)
    if state_dict is not None:
        gm.load_state_dict(dict(state_dict), strict=True)
    return gm.eval()


def dynamic_axes(analysis: Analysis) -> list[dict[int, str]]:
    """Per input: axis → name of the axes that may vary (batch; None lengths in the Input shape)."""
    out = []
    for nid in analysis.inputs:
        shape = analysis.input_layer(nid).shape
        axes = {0: "batch"}
        for i, d in enumerate(shape):
            if d is None:
                axes[i + 1] = f"{nid}_len{i + 1}"
        out.append(axes)
    return out


def examples(analysis: Analysis) -> tuple[torch.Tensor, ...]:
    # batch 3 and lengths 5: sizes that do not collide with 1 (torch.export specializes 0/1)
    return tuple(example_inputs(analysis, batch=3))


def torch_dynamic_shapes(analysis: Analysis) -> tuple[dict[int, object], ...]:
    dims: dict[str, object] = {}
    out = []
    for axes in dynamic_axes(analysis):
        out.append({i: dims.setdefault(name, torch.export.Dim.AUTO) for i, name in axes.items()})
    return tuple(out)


def check_inputs(analysis: Analysis) -> tuple[torch.Tensor, ...]:
    """Inputs with another batch size (2) and other variable lengths (7) than `examples`: a program
    that only works at the traced sizes fails on them."""
    g = torch.Generator().manual_seed(1)
    out = []
    for nid in analysis.inputs:
        layer = analysis.input_layer(nid)
        shape = [2] + [7 if d is None else d for d in layer.shape]
        if layer.dtype == "int64":
            out.append(torch.randint(0, 2, shape, generator=g))
        else:
            out.append(torch.randn(shape, generator=g))
    return tuple(out)


def outputs_of(out: object) -> list[torch.Tensor]:
    return list(out) if isinstance(out, (tuple, list)) else [out]  # type: ignore[list-item]


def same_outputs(got: list, want: list[torch.Tensor], atol: float = 1e-4) -> bool:
    if len(got) != len(want):
        return False
    for g, w in zip(got, want, strict=True):
        g = torch.as_tensor(g)
        if tuple(g.shape) != tuple(w.shape) or not torch.allclose(g.float(), w.float(), atol=atol, rtol=1e-3):
            return False
    return True


def variable_lengths(analysis: Analysis) -> bool:
    return any(d is None for nid in analysis.inputs for d in analysis.input_layer(nid).shape)
