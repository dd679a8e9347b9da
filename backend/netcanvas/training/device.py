"""Which torch device a run uses: "auto" picks cuda, then mps, then cpu."""

from __future__ import annotations

import torch


def resolve_device(name: str) -> torch.device:
    """The device for a setting; raises ValueError when the named one is not available here."""
    cuda = torch.cuda.is_available()
    mps = hasattr(torch.backends, "mps") and torch.backends.mps.is_available()
    if name == "auto":
        return torch.device("cuda" if cuda else "mps" if mps else "cpu")
    if name == "cuda" and not cuda:
        raise ValueError("device 'cuda' was asked for but this machine has no CUDA GPU: use 'auto' or 'cpu'.")
    if name == "mps" and not mps:
        raise ValueError("device 'mps' was asked for but this machine has no Apple GPU: use 'auto' or 'cpu'.")
    return torch.device(name)


def describe(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads)"
    return device.type


def cuda_device_count() -> int:
    """CUDA GPUs this process sees (CUDA_VISIBLE_DEVICES applies); 0 without CUDA."""
    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def rank_device(device: torch.device, rank: int) -> torch.device:
    """The device of one distributed rank: its own GPU (cuda:rank); CPU ranks share the CPU."""
    return torch.device("cuda", rank) if device.type == "cuda" else device
