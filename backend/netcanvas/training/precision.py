"""Mixed precision for a run: which autocast dtype, and a grad scaler where fp16 needs one.

Only the forward pass runs under autocast; outputs are cast back to float32 before the loss and the
metrics (Keras's mixed_float16 policy likewise keeps the loss in float32), and the weights, the
optimizer state and model.pt stay float32.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import torch

DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def cuda_bf16(device: torch.device) -> bool:
    return device.type == "cuda" and torch.cuda.is_bf16_supported()


def autocast_dtype(precision: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype of a `precision` setting on `device`, None for float32. Raises ValueError,
    naming `precision`, for a combination that cannot run here."""
    if precision == "32":
        return None
    if precision == "auto":
        if device.type != "cuda":
            return None  # CPU autocast is slower than float32 for most layers; MPS: keep Keras's float32
        return torch.bfloat16 if cuda_bf16(device) else torch.float16
    if device.type == "mps":
        raise ValueError(f"precision '{precision}' is not supported on the Apple GPU here: use '32' or 'auto'.")
    if precision == "fp16" and device.type != "cuda":
        raise ValueError("precision 'fp16' needs a CUDA GPU (CPUs have no fast float16 and no grad scaler "
                         "here): use 'bf16' or '32'.")
    if precision == "bf16" and device.type == "cuda" and not cuda_bf16(device):
        raise ValueError(f"precision 'bf16': {torch.cuda.get_device_name(device)} has no bfloat16; use 'fp16'.")
    return DTYPES[precision]


class Precision:
    """The forward context and the backward + step of one training step at a run's precision."""

    def __init__(self, precision: str, device: torch.device):
        self.device = device
        self.dtype = autocast_dtype(precision, device)
        # fp16's narrow exponent underflows small gradients: scale the loss up, unscale before stepping.
        self.scaler = torch.amp.GradScaler(device.type) if self.dtype == torch.float16 else None

    @property
    def mixed(self) -> bool:
        return self.dtype is not None

    @property
    def name(self) -> str:
        return {None: "float32", torch.bfloat16: "bf16 autocast",
                torch.float16: "fp16 autocast with a grad scaler"}[self.dtype]

    @contextlib.contextmanager
    def autocast(self) -> Iterator[None]:
        if self.dtype is None:
            yield
            return
        with torch.autocast(self.device.type, dtype=self.dtype):
            yield

    def backward_step(self, loss: torch.Tensor, zero_grad: Callable[[], None], step: Callable[[], None],
                      optimizer: torch.optim.Optimizer) -> None:
        """zero_grad, backward and step; with a scaler, gradients are unscaled before `step` (so
        clipping sees true values) and a step whose gradients overflowed is skipped."""
        zero_grad()
        if self.scaler is None:
            loss.backward()
            step()
            return
        self.scaler.scale(loss).backward()
        stepped = _SteppedBy(optimizer, step)  # the same object for unscale_ and step: the scaler keys on it
        self.scaler.unscale_(stepped)  # type: ignore[arg-type]
        self.scaler.step(stepped)  # type: ignore[arg-type]  # skipped when a gradient overflowed
        self.scaler.update()


class _SteppedBy:
    """The optimizer as GradScaler sees it, whose step is the Stepper's (Keras clipping and decay
    on unscaled gradients, then optimizer.step)."""

    def __init__(self, optimizer: torch.optim.Optimizer, step: Callable[[], None]):
        self.param_groups = optimizer.param_groups
        self.state = optimizer.state
        self._step = step

    def step(self) -> None:
        self._step()
