"""torch.nn RNN/LSTM/GRU rewritten on torch's `scan` for torch.export.

torch 2.13's export unrolls nn.LSTM/GRU/RNN over the traced sequence length, so the program only
runs at that length. The same recurrences written with the `scan` higher-order op export with a
dynamic length, and the saved program loads with plain PyTorch. Used only for model.pt2: the
copies share the original modules' parameters; pt2.py checks the program against the originals.
"""

from __future__ import annotations

import copy

import torch
from torch import nn


def _scan():  # private in torch 2.13; imported lazily so everything else works without it
    from torch._higher_order_ops.scan import scan

    return scan


class ScanRNN(nn.Module):
    """batch_first, one layer, one or two directions: forward(x) → (out, h_n) / (out, (h_n, c_n))."""

    def __init__(self, rnn: nn.RNNBase):
        super().__init__()
        if rnn.num_layers != 1 or not rnn.batch_first or getattr(rnn, "proj_size", 0):
            raise ValueError("only single-layer batch_first recurrent layers are rewritten")
        self.mode = rnn.mode  # "LSTM", "GRU", "RNN_TANH", "RNN_RELU"
        self.hidden = rnn.hidden_size
        self.directions = 2 if rnn.bidirectional else 1
        self.rnn = rnn  # keeps the parameters (same names, same tensors)

    def _weights(self, suffix: str) -> tuple[torch.Tensor, ...]:
        r = self.rnn
        w_ih, w_hh = getattr(r, f"weight_ih_l0{suffix}"), getattr(r, f"weight_hh_l0{suffix}")
        if r.bias:
            return w_ih, w_hh, getattr(r, f"bias_ih_l0{suffix}"), getattr(r, f"bias_hh_l0{suffix}")
        return w_ih, w_hh, None, None

    def _direction(self, x: torch.Tensor, suffix: str, reverse: bool):
        w_ih, w_hh, b_ih, b_hh = self._weights(suffix)
        xs = x @ w_ih.t()
        if b_ih is not None:
            xs = xs + b_ih
        xs = xs.transpose(0, 1)  # (T, N, gates)
        if reverse:
            xs = xs.flip(0)
        n = x.shape[0]
        h0 = x.new_zeros(n, self.hidden)
        mode, u = self.mode, self.hidden

        def rec(h: torch.Tensor) -> torch.Tensor:
            g = h @ w_hh.t()
            return g + b_hh if b_hh is not None else g

        if mode == "LSTM":
            def step(carry, xt):
                h, c = carry
                i, f, g, o = (xt + rec(h)).chunk(4, dim=-1)
                c2 = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h2 = torch.sigmoid(o) * torch.tanh(c2)
                return (h2, c2), h2.clone()

            (h, c), ys = _scan()(step, (h0, h0.clone()), xs)
            last = (h, c)
        elif mode == "GRU":
            def step(h, xt):
                gh = rec(h)
                r = torch.sigmoid(xt[..., :u] + gh[..., :u])
                z = torch.sigmoid(xt[..., u:2 * u] + gh[..., u:2 * u])
                cand = torch.tanh(xt[..., 2 * u:] + r * gh[..., 2 * u:])
                h2 = (1 - z) * cand + z * h
                return h2, h2.clone()

            h, ys = _scan()(step, h0, xs)
            last = (h,)
        else:
            act = torch.relu if mode == "RNN_RELU" else torch.tanh

            def step(h, xt):
                h2 = act(xt + rec(h))
                return h2, h2.clone()

            h, ys = _scan()(step, h0, xs)
            last = (h,)
        if reverse:
            ys = ys.flip(0)
        return ys.transpose(0, 1), last

    def forward(self, x: torch.Tensor):
        out, last = self._direction(x, "", False)
        if self.directions == 2:
            back, back_last = self._direction(x, "_reverse", True)
            out = torch.cat((out, back), dim=-1)
            last = tuple(torch.stack((a, b)) for a, b in zip(last, back_last))
        else:
            last = tuple(t.unsqueeze(0) for t in last)
        return out, (last if self.mode == "LSTM" else last[0])


def with_scan_rnns(module: nn.Module) -> tuple[nn.Module, int]:
    """A copy of `module` whose nn.RNN/LSTM/GRU children run on `scan` (parameters shared), and how
    many were replaced. The state_dict keys gain no prefix change: ScanRNN keeps the module as
    `.rnn`, so `x.rnn.weight_ih_l0` becomes `x.rnn.rnn.weight_ih_l0` only inside the copy."""
    copied = copy.copy(module)
    count = 0

    def swap(parent: nn.Module) -> None:
        nonlocal count
        for name, child in list(parent._modules.items()):
            if isinstance(child, (nn.RNN, nn.LSTM, nn.GRU)):
                parent._modules[name] = ScanRNN(child)
                count += 1
            elif child is not None:
                clone = copy.copy(child)
                clone._modules = dict(child._modules)
                parent._modules[name] = clone
                swap(clone)

    copied._modules = dict(module._modules)
    swap(copied)
    return copied, count
