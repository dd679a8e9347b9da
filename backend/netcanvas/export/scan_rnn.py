"""Recurrent layers rewritten on torch's `scan` for torch.export.

torch 2.13's export unrolls the fused recurrent kernels over the traced sequence length, so the
program only runs at that length. The same recurrences written with the `scan` higher-order op
export with a dynamic length, and the saved program loads with plain PyTorch. Used only for
model.pt2: the copies share the original modules' parameters; pt2.py checks the program against
the originals. Only the fused path is rewritten (default activations, no mask): a layer that
needs netcanvas's step loop (masks, other activations) still unrolls, and pt2.py then says so.
"""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch import nn

from ..layers.recurrent import RecurrentCore


def _scan() -> Any:  # private in torch 2.13; imported lazily so everything else works without it
    from torch._higher_order_ops.scan import scan

    return scan


class ScanCore(RecurrentCore):
    """A RecurrentCore (same parameters, shared) whose fused path runs on `scan`."""

    @classmethod
    def of(cls, core: RecurrentCore) -> ScanCore:
        scanned = cls.__new__(cls)
        scanned.__dict__ = dict(core.__dict__)  # the same parameter tensors
        return scanned

    def _direction(self, x: torch.Tensor, init: list[torch.Tensor], sfx: str,
                   reverse: bool) -> tuple[torch.Tensor, list[torch.Tensor]]:
        w_ih, w_hh, b_ih, b_hh = self.weights(sfx)
        xs = x @ w_ih.t()
        if b_ih is not None:
            xs = xs + b_ih
        xs = xs.transpose(0, 1)  # (T, N, gates)
        if reverse:
            xs = xs.flip(0)
        u, kind = self.units, self.kind
        zeros = x.new_zeros(x.shape[0], u)

        def rec(h: torch.Tensor) -> torch.Tensor:
            g = h @ w_hh.t()
            return g + b_hh if b_hh is not None else g

        ys: torch.Tensor
        if kind == "LSTM":
            def lstm_step(carry: tuple[torch.Tensor, torch.Tensor], xt: torch.Tensor) -> Any:
                h, c = carry
                i, f, g, o = (xt + rec(h)).chunk(4, dim=-1)
                c2 = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h2 = torch.sigmoid(o) * torch.tanh(c2)
                return (h2, c2), h2.clone()

            h0, c0 = (init[0], init[1]) if init else (zeros, zeros.clone())
            (h, c), ys = _scan()(lstm_step, (h0, c0), xs)
            last = [h, c]
        elif kind == "GRU":  # reset_after (can_fuse guarantees it); torch's gate order r, z, n
            def gru_step(h: torch.Tensor, xt: torch.Tensor) -> Any:
                gh = rec(h)
                r = torch.sigmoid(xt[..., :u] + gh[..., :u])
                z = torch.sigmoid(xt[..., u:2 * u] + gh[..., u:2 * u])
                cand = torch.tanh(xt[..., 2 * u:] + r * gh[..., 2 * u:])
                h2 = (1 - z) * cand + z * h
                return h2, h2.clone()

            h, ys = _scan()(gru_step, init[0] if init else zeros, xs)
            last = [h]
        else:
            act = torch.relu if self.activation == "relu" else torch.tanh

            def rnn_step(h: torch.Tensor, xt: torch.Tensor) -> Any:
                h2 = act(xt + rec(h))
                return h2, h2.clone()

            h, ys = _scan()(rnn_step, init[0] if init else zeros, xs)
            last = [h]
        if reverse:
            ys = ys.flip(0)
        return ys.transpose(0, 1), last

    def fused(self, x: torch.Tensor, states: list[torch.Tensor]) -> tuple[torch.Tensor, list[list[torch.Tensor]]]:
        per = len(states) // self.directions if states else 0
        outs, finals = [], []
        for k, sfx in enumerate(self.suffixes()):
            out, last = self._direction(x, states[k * per:(k + 1) * per], sfx, reverse=k == 1)
            outs.append(out)
            finals.append(last)
        return (outs[0] if len(outs) == 1 else torch.cat(outs, dim=-1)), finals


def with_scan_rnns(module: nn.Module) -> tuple[nn.Module, int]:
    """A copy of `module` whose recurrent cores run on `scan` (parameters shared), and how many
    were replaced. The originals are untouched."""
    copied = copy.copy(module)
    count = 0

    def swap(parent: nn.Module) -> None:
        nonlocal count
        for name, child in list(parent._modules.items()):
            if isinstance(child, RecurrentCore):
                parent._modules[name] = ScanCore.of(child)
                count += 1
            elif child is not None:
                clone = copy.copy(child)
                clone._modules = dict(child._modules)
                parent._modules[name] = clone
                swap(clone)

    copied._modules = dict(module._modules)
    swap(copied)
    return copied, count
