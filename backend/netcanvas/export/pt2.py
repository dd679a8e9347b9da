"""graph + weights → `model.pt2`: a torch.export program that runs with plain PyTorch.

Load it without netcanvas: `program = torch.export.load("model.pt2"); program.module()(x)`.
The batch axis (and variable sequence lengths) are dynamic; the final activations are included.
The program is checked at another batch size and sequence length before it is written: where
torch.export fixes a size (torch 2.13 unrolls nn.LSTM/GRU/RNN over the traced sequence length),
the export is refused with the reason instead of producing a program that fails later.
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


def export_pt2(analysis: Analysis, state_dict: Mapping[str, torch.Tensor] | None, path: str | Path) -> None:
    gm = inference_module(analysis, state_dict)
    try:
        with torch.no_grad(), warnings.catch_warnings():
            # nn.RNN caches `_flat_weights` during export; torch warns, the program is fine
            warnings.filterwarnings("ignore", message=".*were assigned during export.*")
            program = torch.export.export(gm, examples(analysis), dynamic_shapes=torch_dynamic_shapes(analysis))
        buf = io.BytesIO()
        torch.export.save(program, buf)
    except Exception as err:
        raise ValueError(f"torch.export failed: {type(err).__name__}: {str(err).splitlines()[0][:300]}") from err
    probe = check_inputs(analysis)
    with torch.no_grad():
        want = outputs_of(gm(*probe))
        try:
            ok = same_outputs(outputs_of(torch.export.load(io.BytesIO(buf.getvalue())).module()(*probe)), want)
        except Exception:  # noqa: BLE001  (a guard on a size that torch.export fixed)
            ok = False
    if not ok:
        what = "sequence length" if variable_lengths(analysis) else "batch size"
        raise ValueError(
            f"model.pt2 cannot be made for this model: torch.export fixes its {what} (recurrent layers are "
            "unrolled over the traced length). Download model.onnx, or model.py with model.pt, instead."
        )
    Path(path).write_bytes(buf.getvalue())
