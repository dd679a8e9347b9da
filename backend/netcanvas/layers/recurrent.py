"""Recurrent layers on (time, features) sequences: SimpleRNN, LSTM, GRU and Bidirectional.

They run torch's fused kernels (nn.RNN/LSTM/GRU, batch_first), so activations are what those
kernels compute: tanh (SimpleRNN may use relu), sigmoid gates. torch's GRU is Keras's
`reset_after=True` GRU (the Keras 2+ default). The time axis may be None (any length).

Modules keep the torch cell as `.rnn` (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, and
`_reverse` for Bidirectional). torch keeps two bias vectors where Keras's LSTM and SimpleRNN keep
one (their sum), so torch counts `units`·gates more parameters than Keras's summary.

`return_state` gives several output ports: [output, h] (SimpleRNN, GRU), [output, h, c] (LSTM);
the module then returns a tuple in that order.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import torch
from pydantic import PositiveInt, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from torch import nn

from .base import Layer, Shape, register, required
from .initializers import recurrent_
from .spatial import expect_sequence

MergeMode = Literal["concat", "sum", "mul", "ave"]


class RecurrentModule(nn.Module):
    """Runs `.rnn` and picks the last step (unless return_sequences) and the states."""

    def __init__(self, rnn: nn.RNNBase, return_sequences: bool, return_state: bool):
        super().__init__()
        self.rnn = recurrent_(rnn)
        self.return_sequences, self.return_state = return_sequences, return_state

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        out, state = self.rnn(x)
        y = out if self.return_sequences else out[:, -1]
        if not self.return_state:
            return y
        if isinstance(state, tuple):  # LSTM: (h, c), each (layers, N, units)
            return y, state[0][0], state[1][0]
        return y, state[0]


class RecurrentBase(Layer):
    family = "recurrent"
    torch_cls: ClassVar[type[nn.RNNBase]] = nn.RNN
    states: ClassVar[int] = 1  # h; LSTM also has c

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        (x,) = inputs
        expect_sequence(self.kind(), x)
        out = (x[0], self.units) if self.return_sequences else (self.units,)
        return [out] + [(self.units,)] * (self.states if self.return_state else 0)

    def torch_kwargs(self) -> dict:
        return {}

    def build(self, inputs: list[Shape]) -> nn.Module:
        rnn = self.torch_cls(inputs[0][-1], self.units, batch_first=True, bias=self.use_bias, **self.torch_kwargs())
        return RecurrentModule(rnn, self.return_sequences, self.return_state)


@register
class SimpleRNN(RecurrentBase):
    """Fully connected recurrent layer: h_t = activation(x_t·W + h_{t-1}·U + b)."""

    units: PositiveInt = required(32)
    activation: Literal["tanh", "relu"] = "tanh"
    use_bias: bool = True
    return_sequences: bool = False
    return_state: bool = False

    def torch_kwargs(self) -> dict:
        return {"nonlinearity": "relu" if self.activation == "relu" else "tanh"}


@register
class LSTM(RecurrentBase):
    """Long short-term memory: gated memory cell; outputs h (and with return_state also h, c)."""

    torch_cls = nn.LSTM
    states = 2

    units: PositiveInt = required(32)
    activation: Literal["tanh"] = "tanh"
    recurrent_activation: Literal["sigmoid"] = "sigmoid"
    use_bias: bool = True
    return_sequences: bool = False
    return_state: bool = False


@register
class GRU(RecurrentBase):
    """Gated recurrent unit (Keras reset_after=True, as torch computes it)."""

    torch_cls = nn.GRU

    units: PositiveInt = required(32)
    activation: Literal["tanh"] = "tanh"
    recurrent_activation: Literal["sigmoid"] = "sigmoid"
    use_bias: bool = True
    return_sequences: bool = False
    return_state: bool = False


class BidirectionalModule(nn.Module):
    """A bidirectional `.rnn`; Keras's merge of the forward and the backward outputs.

    Without return_sequences Keras merges the forward pass's last step with the backward pass's
    last step, which torch stores at time 0 of the backward half. With return_state it also
    returns Keras's states: forward h (, c), then backward h (, c).
    """

    def __init__(self, rnn: nn.RNNBase, return_sequences: bool, merge_mode: str, return_state: bool = False):
        super().__init__()
        self.rnn = recurrent_(rnn)
        self.return_sequences, self.merge_mode, self.return_state = return_sequences, merge_mode, return_state

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        out, state = self.rnn(x)
        y = self.merge(*out.chunk(2, dim=-1))
        if not self.return_state:
            return y
        if isinstance(state, tuple):  # LSTM: h and c, each (directions, N, units)
            h, c = state
            return y, h[0], c[0], h[1], c[1]
        return y, state[0], state[1]

    def merge(self, forward: torch.Tensor, backward: torch.Tensor) -> torch.Tensor:
        if not self.return_sequences:
            forward, backward = forward[:, -1], backward[:, 0]
        if self.merge_mode == "concat":
            return torch.cat((forward, backward), dim=-1)
        if self.merge_mode == "sum":
            return forward + backward
        if self.merge_mode == "mul":
            return forward * backward
        return (forward + backward) / 2


RNN_CLASSES: dict[str, type[nn.RNNBase]] = {"SimpleRNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}


@register
class Bidirectional(Layer):
    """Runs a recurrent layer forwards and backwards in time and merges both (`merge_mode`).

    Flat params (forms are generated from them): `layer` names the wrapped kind, the others are
    its params. `activation` is used by SimpleRNN only. return_state adds Keras's state ports:
    [output, forward h, backward h], for LSTM [output, forward h, forward c, backward h, backward c].
    """

    family = "recurrent"

    layer: Literal["SimpleRNN", "LSTM", "GRU"] = "LSTM"
    units: PositiveInt = required(32)
    activation: Literal["tanh", "relu"] = "tanh"
    use_bias: bool = True
    return_sequences: bool = False
    return_state: bool = False
    merge_mode: MergeMode = "concat"

    @field_validator("activation")
    @classmethod
    def _only_simple_rnn_chooses(cls, v: str, info: ValidationInfo) -> str:
        layer = info.data.get("layer", "LSTM")
        if v != "tanh" and layer != "SimpleRNN":
            raise PydanticCustomError("activation", f"{layer} always uses tanh; '{v}' needs layer SimpleRNN")
        return v

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        (x,) = inputs
        expect_sequence("Bidirectional", x)
        features = 2 * self.units if self.merge_mode == "concat" else self.units
        out = (x[0], features) if self.return_sequences else (features,)
        states = (4 if self.layer == "LSTM" else 2) if self.return_state else 0
        return [out] + [(self.units,)] * states

    def build(self, inputs: list[Shape]) -> nn.Module:
        kwargs = {"nonlinearity": "relu" if self.activation == "relu" else "tanh"} if self.layer == "SimpleRNN" else {}
        rnn = RNN_CLASSES[self.layer](inputs[0][-1], self.units, batch_first=True, bias=self.use_bias,
                                      bidirectional=True, **kwargs)
        return BidirectionalModule(rnn, self.return_sequences, self.merge_mode, self.return_state)
