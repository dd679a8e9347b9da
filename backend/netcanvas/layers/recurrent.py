"""Recurrent layers on (time, features) sequences: SimpleRNN, LSTM, GRU and Bidirectional.

Each module keeps its weights in `.rnn` (a RecurrentCore) under torch's names: weight_ih_l0,
weight_hh_l0, bias_ih_l0 (and bias_hh_l0 for a reset_after GRU; `_reverse` for Bidirectional's
backward direction). Keras's LSTM and SimpleRNN have one bias, so netcanvas's have one too (the
fused kernel gets a zero recurrent bias); a model.pt saved with torch's second bias loads with it
folded into the first (same outputs).

Two ways to run, same results: torch's fused kernels (torch.lstm/gru/rnn_tanh/rnn_relu) when
the activations are the defaults, there is no mask, and no dropout is active (eval, or rates 0);
otherwise a per-timestep loop with Keras's cell equations — GRU(reset_after=False), any
activation, Keras's recurrent dropout (masks drawn once per sequence: `dropout` on the inputs,
`recurrent_dropout` on h; one mask per gate when recurrent_dropout is set, as Keras's
implementation 1), and masks (a masked step keeps the previous state and repeats the previous
output; Bidirectional with return_sequences outputs zeros there, as Keras forces).

Ports, as Keras's `layer(x, initial_state=[...])`: inputs x, then the initial states (LSTM h, c;
GRU and SimpleRNN h; Bidirectional the forward then the backward ones). `return_state` gives
outputs [output, h] (SimpleRNN, GRU), [output, h, c] (LSTM); the module then returns a tuple.
A mask comes in as the keyword `mask` (graph/compile.py): (batch, time) booleans.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import torch
from pydantic import Field, PositiveInt, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from torch import nn

from ..kerasio import recurrent as kio
from .activations import ActivationName, activation_module
from .base import Layer, ParamCount, Shape, ShapeError, fmt, known, register, required
from .spatial import expect_sequence

if TYPE_CHECKING:
    from ..kerasio.exporting import ExportNode
    from ..kerasio.importing import ImportNode, Value
    from ..kerasio.model import KTensor

MergeMode = Literal["concat", "sum", "mul", "ave"]
Rate = Field(0.0, ge=0.0, lt=1.0)


def gates_of(kind: str) -> int:
    """Gate blocks in the weights (a function, not a table: generated PyTorch code copies functions)."""
    return 4 if kind == "LSTM" else 3 if kind == "GRU" else 1


def states_of(kind: str) -> int:
    return 2 if kind == "LSTM" else 1


def _dropout_mask(like: torch.Tensor, rate: float, count: int) -> torch.Tensor:
    """Keras's dropout masks for a whole sequence: (count, batch, features), scaled by 1/(1-rate)."""
    keep = torch.full((count, *like.shape), 1.0 - rate, dtype=like.dtype, device=like.device)
    return torch.bernoulli(keep) / (1.0 - rate)


class RecurrentCore(nn.Module):
    """The weights of one recurrent layer (one or two directions) and its recurrence."""

    def __init__(self, kind: str, input_size: int, units: int, use_bias: bool, directions: int = 1,
                 activation: str = "tanh", recurrent_activation: str = "sigmoid", reset_after: bool = True,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0):
        super().__init__()
        self.kind, self.units, self.use_bias, self.directions = kind, units, use_bias, directions
        self.activation, self.recurrent_activation = activation, recurrent_activation
        self.reset_after = reset_after and kind == "GRU"
        self.dropout, self.recurrent_dropout = dropout, recurrent_dropout
        self.act = activation_module(activation)
        self.rec_act = activation_module(recurrent_activation)
        rows = gates_of(kind) * units
        for sfx in self.suffixes():
            self.register_parameter(f"weight_ih_l0{sfx}", nn.Parameter(torch.empty(rows, input_size)))
            self.register_parameter(f"weight_hh_l0{sfx}", nn.Parameter(torch.empty(rows, units)))
            if use_bias:
                self.register_parameter(f"bias_ih_l0{sfx}", nn.Parameter(torch.empty(rows)))
                if self.reset_after:
                    self.register_parameter(f"bias_hh_l0{sfx}", nn.Parameter(torch.empty(rows)))
        self.reset_parameters()

    def suffixes(self) -> list[str]:
        return ["", "_reverse"][: self.directions]

    @torch.no_grad()
    def reset_parameters(self) -> None:
        """Keras's defaults: kernel glorot_uniform, recurrent kernel orthogonal, biases 0 (LSTM's
        forget gate 1). torch's (gates·u, in) fans equal Keras's (in, gates·u) ones."""
        for name, p in self.named_parameters(recurse=False):
            if p.is_meta:
                continue
            if name.startswith("weight_ih"):
                nn.init.xavier_uniform_(p)
            elif name.startswith("weight_hh"):
                nn.init.orthogonal_(p)
            else:
                nn.init.zeros_(p)
                if self.kind == "LSTM":
                    p[self.units:2 * self.units] = 1.0

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # model.pt files saved before these layers kept one bias have torch's second bias: the fused
        # kernels add both, so their sum is the same layer.
        if not self.reset_after:
            for sfx in self.suffixes():
                old = state_dict.pop(f"{prefix}bias_hh_l0{sfx}", None)
                key = f"{prefix}bias_ih_l0{sfx}"
                if old is not None and key in state_dict:
                    state_dict[key] = state_dict[key] + old
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def weights(self, sfx: str) -> tuple[Any, ...]:
        w_ih, w_hh = getattr(self, f"weight_ih_l0{sfx}"), getattr(self, f"weight_hh_l0{sfx}")
        if not self.use_bias:
            return w_ih, w_hh, None, None
        b_ih = getattr(self, f"bias_ih_l0{sfx}")
        return w_ih, w_hh, b_ih, getattr(self, f"bias_hh_l0{sfx}") if self.reset_after else None

    def can_fuse(self, mask: torch.Tensor | None) -> bool:
        dropping = self.training and (self.dropout > 0 or self.recurrent_dropout > 0)
        if mask is not None or dropping:
            return False
        if self.kind == "SimpleRNN":
            return self.activation in ("tanh", "relu")
        return self.activation == "tanh" and self.recurrent_activation == "sigmoid" and (
            self.kind == "LSTM" or self.reset_after)

    def fused(self, x: torch.Tensor, states: list[torch.Tensor]) -> tuple[torch.Tensor, list[list[torch.Tensor]]]:
        """torch's kernel over both directions: outputs (N, T, directions·u) (the backward half in
        input order) and each direction's final states."""
        n, d = x.shape[0], self.directions
        flat: list[torch.Tensor] = []
        for sfx in self.suffixes():
            w_ih, w_hh, b_ih, b_hh = self.weights(sfx)
            flat += [w_ih, w_hh]
            if b_ih is not None:
                flat += [b_ih, b_hh if b_hh is not None else torch.zeros_like(b_ih)]
        per = states_of(self.kind)
        if states:  # [h, (c,)] per direction → (directions, N, u) each
            hx = [torch.stack([states[k * per + j] for k in range(d)]) for j in range(per)]
        else:
            hx = [x.new_zeros(d, n, self.units) for _ in range(per)]
        args = (self.use_bias, 1, 0.0, False, d == 2, True)
        if self.kind == "LSTM":
            out, h, c = torch.lstm(x, hx, flat, *args)
            return out, [[h[k], c[k]] for k in range(d)]
        fn = torch.gru if self.kind == "GRU" else (torch.rnn_relu if self.activation == "relu" else torch.rnn_tanh)
        out, h = fn(x, hx[0], flat, *args)
        return out, [[h[k]] for k in range(d)]

    def loop(self, x: torch.Tensor, states: list[torch.Tensor], mask: torch.Tensor | None, sfx: str,
             zero_masked: bool) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """One direction, step by step in the order x is given (Keras's cell equations)."""
        w_ih, w_hh, b_ih, b_hh = self.weights(sfx)
        u, gates, kind = self.units, gates_of(self.kind), self.kind
        n = x.shape[0]
        if not states:
            states = [x.new_zeros(n, u) for _ in range(states_of(kind))]
        training = self.training
        # one mask per gate when recurrent dropout is set (Keras then uses implementation 1)
        count = gates if self.recurrent_dropout > 0 else 1
        if training and self.dropout > 0:
            dp = _dropout_mask(x[:, 0], self.dropout, count)
            blocks = [(x * dp[j % count].unsqueeze(1)) @ w_ih[j * u:(j + 1) * u].T for j in range(gates)]
            xp = torch.cat(blocks, dim=-1)
        else:
            xp = x @ w_ih.T
        if b_ih is not None:
            xp = xp + b_ih
        rdp = _dropout_mask(states[0], self.recurrent_dropout, count) if training and self.recurrent_dropout > 0 else None

        def rec(h: torch.Tensor, j: int, k: int = 1) -> torch.Tensor:
            """h's contribution to gates j..j+k (recurrent dropout applied per gate)."""
            if rdp is None:
                return h @ w_hh[j * u:(j + k) * u].T
            return torch.cat([(h * rdp[g % count]) @ w_hh[g * u:(g + 1) * u].T for g in range(j, j + k)], dim=-1)

        outputs = []
        prev = x.new_zeros(n, u)
        for t in range(x.shape[1]):
            xt = xp[:, t]
            h = states[0]
            if kind == "SimpleRNN":
                new = [self.act(xt + rec(h, 0))]
            elif kind == "LSTM":
                i, f, g, o = (xt + rec(h, 0, 4)).chunk(4, dim=-1)
                c = self.rec_act(f) * states[1] + self.rec_act(i) * self.act(g)
                new = [self.rec_act(o) * self.act(c), c]
            else:  # GRU, torch's gate order r, z, n
                if self.reset_after:
                    gh = rec(h, 0, 3)
                    if b_hh is not None:
                        gh = gh + b_hh
                    r = self.rec_act(xt[:, :u] + gh[:, :u])
                    z = self.rec_act(xt[:, u:2 * u] + gh[:, u:2 * u])
                    cand = self.act(xt[:, 2 * u:] + r * gh[:, 2 * u:])
                else:  # the reset gate applied before the recurrent matmul
                    r = self.rec_act(xt[:, :u] + rec(h, 0))
                    z = self.rec_act(xt[:, u:2 * u] + rec(h, 1))
                    cand = self.act(xt[:, 2 * u:] + rec(r * h, 2))
                new = [z * h + (1 - z) * cand]
            out = new[0]
            if mask is not None:
                m = mask[:, t].unsqueeze(-1)
                new = [torch.where(m, s, old) for s, old in zip(new, states)]
                out = torch.where(m, out, torch.zeros_like(out) if zero_masked else prev)
            states, prev = new, out
            outputs.append(out)
        return torch.stack(outputs, dim=1), states


class RecurrentModule(nn.Module):
    """One direction of `.rnn` over the sequence; picks the last step (unless return_sequences) and
    the states. go_backwards reads the sequence from its end (outputs in that order, as Keras)."""

    def __init__(self, rnn: RecurrentCore, return_sequences: bool, return_state: bool, go_backwards: bool = False):
        super().__init__()
        self.rnn = rnn
        self.return_sequences, self.return_state, self.go_backwards = return_sequences, return_state, go_backwards

    def forward(self, x: torch.Tensor, *states: torch.Tensor,
                mask: torch.Tensor | None = None) -> torch.Tensor | tuple[torch.Tensor, ...]:
        if self.go_backwards:
            x = x.flip(1)
            mask = None if mask is None else mask.flip(1)
        if self.rnn.can_fuse(mask):
            out, finals = self.rnn.fused(x, list(states))
            final = finals[0]
        else:
            out, final = self.rnn.loop(x, list(states), mask, "", False)
        y = out if self.return_sequences else out[:, -1]
        if not self.return_state:
            return y
        return (y, *final)


class BidirectionalModule(nn.Module):
    """`.rnn` forwards and backwards in time; Keras's merge of the two outputs.

    Without return_sequences Keras merges each direction's last step (the backward one's is at
    time 0 of the input order). With return_state it also returns Keras's states: forward h (, c),
    then backward h (, c).
    """

    def __init__(self, rnn: RecurrentCore, return_sequences: bool, merge_mode: str, return_state: bool = False):
        super().__init__()
        self.rnn = rnn
        self.return_sequences, self.merge_mode, self.return_state = return_sequences, merge_mode, return_state

    def forward(self, x: torch.Tensor, *states: torch.Tensor,
                mask: torch.Tensor | None = None) -> torch.Tensor | tuple[torch.Tensor, ...]:
        u = self.rnn.units
        if self.rnn.can_fuse(mask):
            out, finals = self.rnn.fused(x, list(states))
            forward, backward = out[..., :u], out[..., u:]
            last = (forward[:, -1], backward[:, 0])
        else:
            half = len(states) // 2
            zero = self.return_sequences  # Keras's Bidirectional zeroes masked outputs then
            forward, f_final = self.rnn.loop(x, list(states[:half]), mask, "", zero)
            back_mask = None if mask is None else mask.flip(1)
            backward, b_final = self.rnn.loop(x.flip(1), list(states[half:]), back_mask, "_reverse", zero)
            last = (forward[:, -1], backward[:, -1])
            backward = backward.flip(1)
            finals = [f_final, b_final]
        y = self.merge(forward, backward) if self.return_sequences else self.merge(*last)
        if not self.return_state:
            return y
        return (y, *finals[0], *finals[1])

    def merge(self, forward: torch.Tensor, backward: torch.Tensor) -> torch.Tensor:
        if self.merge_mode == "concat":
            return torch.cat((forward, backward), dim=-1)
        if self.merge_mode == "sum":
            return forward + backward
        if self.merge_mode == "mul":
            return forward * backward
        return (forward + backward) / 2


def _check_states(kind: str, inputs: list[Shape], count: int, units: int) -> Shape:
    x, *states = inputs
    expect_sequence(kind, x)
    if states and len(states) != count:
        raise ShapeError(f"{kind} takes the sequence and either no initial state or all {count} "
                         f"(got {len(states)}): connect every state input or none.")
    for i, s in enumerate(states):
        if tuple(s) != (units,):
            raise ShapeError(f"{kind}'s initial state {i + 1} must be a vector of its units ({units},), got "
                             f"{fmt(s)}: feed it the state output of a recurrent layer with {units} units.")
    return x


def _features(x: Shape) -> int:
    return int(x[-1] or 0)  # known: expect_sequence checked it


def _param_count(kind: str, features: int, units: int, use_bias: bool, reset_after: bool) -> int:
    rows = gates_of(kind) * units
    biases = (2 if kind == "GRU" and reset_after else 1) if use_bias else 0
    return rows * (features + units) + biases * rows


def _macs(kind: str, x: Shape, units: int) -> int:
    """Per step, each gate's x·W and h·U: gates·(features + units)·units (LSTM 4, GRU 3, SimpleRNN 1)."""
    return known(x[:1]) * gates_of(kind) * (_features(x) + units) * units


class RecurrentBase(Layer):
    family = "recurrent"

    units: PositiveInt = required(32)
    activation: ActivationName = "tanh"
    use_bias: bool = True
    dropout: float = Rate
    recurrent_dropout: float = Rate
    return_sequences: bool = False
    return_state: bool = False
    go_backwards: bool = False

    def _reset_after(self) -> bool:
        return bool(getattr(self, "reset_after", True))

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        x = _check_states(self.kind(), inputs, states_of(self.kind()), self.units)
        out: Shape = (x[0], self.units) if self.return_sequences else (self.units,)
        return [out] + [(self.units,)] * (states_of(self.kind()) if self.return_state else 0)

    def core(self, inputs: list[Shape], directions: int = 1) -> RecurrentCore:
        x = inputs[0]
        expect_sequence(self.kind(), x)
        return RecurrentCore(self.kind(), _features(x), self.units, self.use_bias, directions, self.activation,
                             getattr(self, "recurrent_activation", "sigmoid"), self._reset_after(),
                             self.dropout, self.recurrent_dropout)

    def build(self, inputs: list[Shape]) -> nn.Module:
        return RecurrentModule(self.core(inputs), self.return_sequences, self.return_state, self.go_backwards)

    def param_count(self, inputs: list[Shape]) -> ParamCount:
        x = inputs[0]
        expect_sequence(self.kind(), x)
        return ParamCount(_param_count(self.kind(), _features(x), self.units, self.use_bias, self._reset_after()))

    def macs(self, inputs: list[Shape], outputs: list[Shape]) -> int:
        return _macs(self.kind(), inputs[0], self.units)

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        x, *states = n.plain_inputs()
        kind = self.kind()
        module: Any = n.module
        weights = kio.keras_weights(n, kind, module.rnn)
        kwargs = {"initial_state": [s.ref() for s in states]} if states else None
        return n.add(kind, kio.keras_config(kind, self), weights=weights, inputs=[x], call_kwargs=kwargs)

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        kind = cls.kind()
        params = kio.keras_params(n, kind, n.cfg)
        params["go_backwards"] = bool(n.cfg.get("go_backwards", False))
        weights = n.weights
        return n.node(kind, params, lambda m: kio.load_weights(n, kind, m.rnn, weights))


RECURRENT_NOTES = ("Initial states: connect them to the extra input ports (Keras's `initial_state=[...]`). "
                   "Masks from Embedding(mask_zero=True) or Masking are followed as in Keras. `unroll` "
                   "is accepted (same results); `stateful`, `time_major`, regularizers and constraints "
                   "are refused. netcanvas's torch weights keep one bias where Keras does.")


@register
class SimpleRNN(RecurrentBase):
    """Fully connected recurrent layer: h_t = activation(x_t·W + h_{t-1}·U + b)."""

    keras_classes = ("SimpleRNN",)
    input_names = ("x", "h")  # the sequence, then Keras's initial_state
    output_names = ("out", "h")
    max_inputs = 2
    notes = RECURRENT_NOTES
    examples = (
        ({"units": 3}, [(None, 4)]),
        ({"units": 4, "activation": "relu", "return_sequences": True, "return_state": True}, [(5, 3)]),
        ({"units": 2, "use_bias": False, "go_backwards": True, "return_sequences": True}, [(4, 3)]),
        ({"units": 3, "activation": "sigmoid", "dropout": 0.2, "recurrent_dropout": 0.1}, [(5, 2)]),
        ({"units": 3, "return_sequences": True}, [(5, 2), (3,)]),  # an initial state
    )


@register
class LSTM(RecurrentBase):
    """Long short-term memory: gated memory cell; outputs h (and with return_state also h, c)."""

    keras_classes = ("LSTM",)
    input_names = ("x", "h", "c")  # the sequence, then Keras's initial_state
    output_names = ("out", "h", "c")
    max_inputs = 3
    notes = RECURRENT_NOTES
    examples = (
        ({"units": 3}, [(None, 4)]),
        ({"units": 4, "return_sequences": True, "return_state": True}, [(5, 3)]),
        ({"units": 2, "use_bias": False, "go_backwards": True}, [(4, 3)]),
        ({"units": 3, "activation": "relu", "recurrent_activation": "hard_sigmoid", "return_sequences": True},
         [(5, 2)]),
        ({"units": 3, "dropout": 0.3, "recurrent_dropout": 0.2, "return_state": True}, [(5, 2), (3,), (3,)]),
    )

    recurrent_activation: ActivationName = "sigmoid"


@register
class GRU(RecurrentBase):
    """Gated recurrent unit (Keras's GRU; reset_after=False is the original, reset-before form)."""

    keras_classes = ("GRU",)
    input_names = ("x", "h")  # the sequence, then Keras's initial_state
    output_names = ("out", "h")
    max_inputs = 2
    notes = RECURRENT_NOTES
    examples = (
        ({"units": 3}, [(None, 4)]),
        ({"units": 4, "return_sequences": True, "return_state": True}, [(5, 3)]),
        ({"units": 3, "reset_after": False, "return_sequences": True}, [(5, 2)]),
        ({"units": 2, "reset_after": False, "use_bias": False, "go_backwards": True}, [(4, 3)]),
        ({"units": 3, "activation": "softsign", "dropout": 0.1}, [(5, 2), (3,)]),
        ({"units": 2, "recurrent_activation": "hard_sigmoid", "recurrent_dropout": 0.2}, [(4, 3)]),
    )

    recurrent_activation: ActivationName = "sigmoid"
    reset_after: bool = True


@register
class Bidirectional(Layer):
    """Runs a recurrent layer forwards and backwards in time and merges both (`merge_mode`).

    Flat params (forms are generated from them): `layer` names the wrapped kind, the others are
    its params (`recurrent_activation` LSTM and GRU only, `reset_after` GRU only). Inputs: the
    sequence, then optionally the initial states, forward then backward. return_state adds Keras's
    state ports: [output, forward h, backward h], for LSTM [output, forward h, forward c,
    backward h, backward c].
    """

    family = "recurrent"
    keras_classes = ("Bidirectional",)
    max_inputs = 5
    notes = RECURRENT_NOTES + " Keras's merge_mode=None (two outputs) and a custom backward_layer are refused."
    examples = (
        ({"units": 3}, [(None, 4)]),
        ({"layer": "GRU", "units": 2, "return_sequences": True, "merge_mode": "sum"}, [(5, 3)]),
        ({"layer": "SimpleRNN", "units": 3, "activation": "relu", "merge_mode": "mul", "return_state": True},
         [(4, 2)]),
        ({"layer": "GRU", "units": 3, "reset_after": False, "merge_mode": "ave", "return_sequences": True},
         [(5, 2)]),
        ({"layer": "LSTM", "units": 2, "return_state": True}, [(4, 3), (2,), (2,), (2,), (2,)]),
        ({"layer": "LSTM", "units": 2, "recurrent_activation": "hard_sigmoid", "use_bias": False, "dropout": 0.1,
          "recurrent_dropout": 0.2}, [(4, 3)]),
    )

    layer: Literal["SimpleRNN", "LSTM", "GRU"] = "LSTM"
    units: PositiveInt = required(32)
    activation: ActivationName = "tanh"
    recurrent_activation: ActivationName = "sigmoid"
    use_bias: bool = True
    dropout: float = Rate
    recurrent_dropout: float = Rate
    return_sequences: bool = False
    return_state: bool = False
    merge_mode: MergeMode = "concat"
    reset_after: bool = True

    @field_validator("recurrent_activation")
    @classmethod
    def _gated_only(cls, v: str, info: ValidationInfo) -> str:
        layer = info.data.get("layer", "LSTM")
        if v != "sigmoid" and layer == "SimpleRNN":
            raise PydanticCustomError("recurrent_activation",
                                      f"SimpleRNN has no recurrent activation; '{v}' needs layer LSTM or GRU")
        return v

    @field_validator("reset_after")
    @classmethod
    def _gru_only(cls, v: bool, info: ValidationInfo) -> bool:
        layer = info.data.get("layer", "LSTM")
        if not v and layer != "GRU":
            raise PydanticCustomError("reset_after", f"reset_after=False is a GRU setting; {layer} has none")
        return v

    def _states(self) -> int:
        return states_of(self.layer)

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        x = _check_states("Bidirectional", inputs, 2 * self._states(), self.units)
        features = 2 * self.units if self.merge_mode == "concat" else self.units
        out: Shape = (x[0], features) if self.return_sequences else (features,)
        return [out] + [(self.units,)] * (2 * self._states() if self.return_state else 0)

    def build(self, inputs: list[Shape]) -> nn.Module:
        x = inputs[0]
        expect_sequence("Bidirectional", x)
        core = RecurrentCore(self.layer, _features(x), self.units, self.use_bias, 2, self.activation,
                             self.recurrent_activation, self.reset_after, self.dropout, self.recurrent_dropout)
        return BidirectionalModule(core, self.return_sequences, self.merge_mode, self.return_state)

    def param_count(self, inputs: list[Shape]) -> ParamCount:
        x = inputs[0]
        expect_sequence("Bidirectional", x)
        return ParamCount(2 * _param_count(self.layer, _features(x), self.units, self.use_bias, self.reset_after))

    def macs(self, inputs: list[Shape], outputs: list[Shape]) -> int:
        return 2 * _macs(self.layer, inputs[0], self.units)

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        from ..kerasio.model import nested

        x, *states = n.plain_inputs()
        inner = {"name": f"{n.name}_{self.layer.lower()}", "trainable": True, "dtype": "float32",
                 **kio.keras_config(self.layer, self)}
        module: Any = n.module
        core = module.rnn
        weights = []
        for direction, sfx in (("forward", ""), ("backward", "_reverse")):
            weights += [(f"{direction}_{w}", a) for w, a in kio.keras_weights(n, self.layer, core, sfx)]
        cfg = {"layer": nested(self.layer, inner), "merge_mode": self.merge_mode}
        kwargs = {"initial_state": [s.ref() for s in states]} if states else None
        return n.add("Bidirectional", cfg, weights=weights, inputs=[x], call_kwargs=kwargs)

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        inner = n.cfg["layer"]
        kind, cfg = inner["class_name"], inner["config"]
        if kind not in kio.RECURRENT:
            raise n.fail(f"it wraps a {kind}; netcanvas's Bidirectional wraps SimpleRNN, LSTM or GRU")
        if n.cfg.get("merge_mode", "concat") is None:
            raise n.fail("merge_mode=None (two separate outputs) is not supported")
        if cfg.get("go_backwards"):
            raise n.fail("the wrapped layer has go_backwards=True, which is not supported")
        params = kio.keras_params(n, kind, cfg)
        back = n.cfg.get("backward_layer")  # Keras writes the one it made: the same layer, go_backwards
        if back is not None and (back.get("class_name") != kind or not back["config"].get("go_backwards")
                                 or kio.keras_params(n, kind, back["config"]) != params):
            raise n.fail("a backward_layer unlike the forward one is not supported")
        params.update(layer=kind, merge_mode=n.cfg.get("merge_mode", "concat"))
        weights = n.weights

        def load(m: Any) -> None:
            half = len(weights) // 2
            kio.load_weights(n, kind, m.rnn, weights[:half])
            kio.load_weights(n, kind, m.rnn, weights[half:], "_reverse")

        return n.node("Bidirectional", params, load)
