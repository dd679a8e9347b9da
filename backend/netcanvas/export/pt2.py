"""graph + weights → `model.pt2`: a torch.export program that runs with plain PyTorch.

Load it without netcanvas: `program = torch.export.load("model.pt2"); program.module()(x)`.
The batch axis (and variable sequence lengths) are dynamic; the final activations are included.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path

import torch

from ..graph.analyze import Analysis
from .program import examples, inference_module, torch_dynamic_shapes


def export_pt2(analysis: Analysis, state_dict: Mapping[str, torch.Tensor] | None, path: str | Path) -> None:
    gm = inference_module(analysis, state_dict)
    try:
        with torch.no_grad(), warnings.catch_warnings():
            # nn.RNN caches `_flat_weights` during export; torch warns, the program is fine
            warnings.filterwarnings("ignore", message=".*were assigned during export.*")
            program = torch.export.export(gm, examples(analysis), dynamic_shapes=torch_dynamic_shapes(analysis))
        torch.export.save(program, str(path))
    except Exception as err:
        raise ValueError(f"torch.export failed: {type(err).__name__}: {str(err).splitlines()[0][:300]}") from err
