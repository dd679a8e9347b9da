"""graph + weights → `model.pt2`: a torch.export program that runs with plain PyTorch.

Load it without netcanvas: `program = torch.export.load("model.pt2"); program.module()(x)`.
The batch axis (and variable sequence lengths) are dynamic; the final activations are included.
The program is checked at another batch size and sequence length before it is written. torch 2.13
unrolls nn.LSTM/GRU/RNN over the traced sequence length; then the recurrent layers are exported
through scan_rnn (the same recurrences on torch's scan op), and if that fails too the export is
refused with the reason instead of producing a program that fails later.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Mapping
from pathlib import Path

import torch

from ..graph.analyze import Analysis
from .program import (
    check_inputs,
    examples,
    inference_module,
    outputs_of,
    same_outputs,
    torch_dynamic_shapes,
    variable_lengths,
)
from .scan_rnn import with_scan_rnns


def _export(module: torch.nn.Module, analysis: Analysis) -> bytes:
    with torch.no_grad(), warnings.catch_warnings():
        # nn.RNN caches `_flat_weights` during export; torch warns, the program is fine
        warnings.filterwarnings("ignore", message=".*were assigned during export.*")
        program = torch.export.export(module, examples(analysis), dynamic_shapes=torch_dynamic_shapes(analysis))
    buf = io.BytesIO()
    torch.export.save(program, buf)
    return buf.getvalue()


def _works(data: bytes, gm: torch.nn.Module, analysis: Analysis) -> bool:
    probe = check_inputs(analysis)
    with torch.no_grad():
        want = outputs_of(gm(*probe))
        try:
            return same_outputs(outputs_of(torch.export.load(io.BytesIO(data)).module()(*probe)), want)
        except Exception:  # noqa: BLE001  (a guard on a size that torch.export fixed)
            return False


def export_pt2(analysis: Analysis, state_dict: Mapping[str, torch.Tensor] | None, path: str | Path) -> None:
    gm = inference_module(analysis, state_dict)
    try:
        data = _export(gm, analysis)
    except Exception as err:
        raise ValueError(f"torch.export failed: {type(err).__name__}: {str(err).splitlines()[0][:300]}") from err
    if not _works(data, gm, analysis):
        # torch.export unrolled a recurrent layer over the traced length: the scan version keeps it dynamic
        data = b""
        try:
            scanned, count = with_scan_rnns(gm)
            if count:
                data = _export(scanned, analysis)
        except Exception:  # noqa: BLE001  (scan is a private torch API: any failure means no program)
            data = b""
        if not data or not _works(data, gm, analysis):
            what = "sequence length" if variable_lengths(analysis) else "batch size"
            raise ValueError(
                f"model.pt2 cannot be made for this model: torch.export fixes its {what}. Download model.onnx, "
                "or model.py with model.pt, instead."
            )
    Path(path).write_bytes(data)
