"""graph + weights → one self-contained ONNX file (weights inside, dynamic batch axis)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path

import torch

from ..graph.analyze import Analysis
from .program import examples, inference_module, torch_dynamic_shapes

OPSET = 18


def export_onnx(analysis: Analysis, state_dict: Mapping[str, torch.Tensor] | None, path: str | Path) -> None:
    """Writes `path` (external_data=False: one file). Raises ValueError when torch cannot export."""
    gm = inference_module(analysis, state_dict)
    names = list(analysis.inputs)
    outputs = [f"{nid}/output" for nid in analysis.outputs]  # unlike any value inside the graph
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                gm, examples(analysis), str(path), dynamo=True, external_data=False,
                input_names=names, output_names=outputs, opset_version=OPSET,
                dynamic_shapes=torch_dynamic_shapes(analysis), verbose=False, optimize=True,
            )
    except Exception as err:  # torch's exporter raises many kinds
        raise ValueError(f"ONNX export failed: {type(err).__name__}: {str(err).splitlines()[0][:300]}") from err
