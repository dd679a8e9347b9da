"""graph + weights → one self-contained ONNX file (weights inside, dynamic batch axis and lengths).

torch's dynamo exporter is tried first; the result is checked in onnxruntime at another batch size
and sequence length. Where the dynamo exporter fixed a size (torch 2.13 unrolls recurrent layers
over the traced length), the TorchScript-based exporter, which writes ONNX's LSTM/GRU/RNN ops, is
used instead. Inputs are named by their Input node ids, outputs `<node id>/output`.
"""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Mapping
from pathlib import Path

import torch

from ..graph.analyze import Analysis
from .program import (
    check_inputs,
    dynamic_axes,
    examples,
    inference_module,
    outputs_of,
    same_outputs,
    torch_dynamic_shapes,
)

OPSET = 18


def _names(analysis: Analysis) -> tuple[list[str], list[str]]:
    # output names unlike any value inside the graph (fx names never contain "/")
    return list(analysis.inputs), [f"{nid}/output" for nid in analysis.outputs]


def _dynamo(gm: torch.nn.Module, analysis: Analysis) -> bytes:
    inputs, outputs = _names(analysis)
    buf = io.BytesIO()
    program = torch.onnx.export(
        gm, examples(analysis), None, dynamo=True, input_names=inputs, output_names=outputs,
        opset_version=OPSET, dynamic_shapes=torch_dynamic_shapes(analysis), verbose=False, optimize=True,
    )
    program.save(buf, external_data=False)  # type: ignore[union-attr,arg-type]  # torch takes a file object
    return buf.getvalue()


def _legacy(gm: torch.nn.Module, analysis: Analysis) -> bytes:
    inputs, outputs = _names(analysis)
    axes = {name: dict(ax) for name, ax in zip(inputs, dynamic_axes(analysis), strict=True)}
    axes.update({name: {0: "batch"} for name in outputs})
    buf = io.BytesIO()
    torch.onnx.export(gm, examples(analysis), buf,  # type: ignore[arg-type]  # torch takes a file object
                      dynamo=False, input_names=inputs, output_names=outputs,
                      dynamic_axes=axes, opset_version=OPSET)
    return buf.getvalue()


def _works(data: bytes, gm: torch.nn.Module, analysis: Analysis) -> bool:
    try:
        import onnxruntime as ort
    except ImportError:  # cannot check here; the dynamo export is the best guess
        return True
    probe = check_inputs(analysis)
    with torch.no_grad():
        want = outputs_of(gm(*probe))
    try:
        session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
        names = [i.name for i in session.get_inputs()]
        got = session.run(None, {n: x.numpy() for n, x in zip(names, probe, strict=True)})
    except Exception:  # noqa: BLE001  (onnxruntime refuses or fails: the model does not work)
        return False
    return same_outputs([torch.from_numpy(g) for g in got], want)


def export_onnx(analysis: Analysis, state_dict: Mapping[str, torch.Tensor] | None, path: str | Path) -> None:
    """Writes `path` (one file). Raises ValueError when no exporter gives a working model."""
    gm = inference_module(analysis, state_dict)
    errors = []
    for exporter in (_dynamo, _legacy):
        try:
            with warnings.catch_warnings(), torch.no_grad(), _quiet():
                warnings.simplefilter("ignore")
                data = exporter(gm, analysis)
        except Exception as err:  # noqa: BLE001  (torch's exporters raise many kinds)
            errors.append(f"{type(err).__name__}: {str(err).splitlines()[0][:200]}")
            continue
        if _works(data, gm, analysis):
            Path(path).write_bytes(data)
            return
        errors.append(f"{exporter.__name__.strip('_')} export gave a model that fails at other input sizes")
    raise ValueError("ONNX export failed: " + "; ".join(errors))


class _quiet:
    """torch.onnx logs warnings about optional packages (torchvision) on every export."""

    def __enter__(self) -> None:
        self.logger = logging.getLogger("torch.onnx")
        self.level = self.logger.level
        self.logger.setLevel(logging.ERROR)

    def __exit__(self, *exc: object) -> None:
        self.logger.setLevel(self.level)
