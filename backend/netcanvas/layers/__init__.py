"""The layer registry: one source of truth for every layer kind's params, shapes and modules.

Families live in one module each: core (Input, Dense, Activation, Dropout, Flatten, Embedding),
reshaping, conv, pooling, norm, recurrent, merge; spatial holds Keras's padding and size rules,
initializers Keras's default initial weights.

Contract for export and training (state_dict keys are relative to the node's submodule):
- Dense `linear.weight/bias` (torch Linear); Embedding `embedding.weight`.
- Conv1D/Conv2D/Conv2DTranspose `conv.weight/bias` (torch layout; Conv1D runs on (N, T, F) and
  transposes internally), a parameter-free `pad` where Keras padding needs one.
- BatchNormalization `bn.weight/bias/running_mean/running_var` (torch momentum = 1 − Keras's);
  LayerNormalization `norm.weight/bias`.
- SimpleRNN/LSTM/GRU/Bidirectional `rnn.*` (torch RNN/LSTM/GRU, batch_first; `_reverse` for the
  backward direction). torch keeps bias_ih and bias_hh: Keras's LSTM/SimpleRNN bias is their sum;
  Keras's GRU (reset_after) bias is [bias_ih; bias_hh] with gates reordered r,z,n → z,r,h.
- Every other kind has no parameters.
- Several output ports (return_state): the module returns a tuple, port 0 the output, then
  h (SimpleRNN, GRU) or h, c (LSTM); Bidirectional: forward states, then backward states.
- `activation` fields: Dense, Conv* apply it last (`.activation`); softmax runs over the feature
  axis (channels for images).
"""

from . import conv, core, merge, norm, pooling, recurrent, reshaping  # noqa: F401  (registers the kinds)
from .base import REGISTRY, Layer, Shape, ShapeError, fmt, schema_entry

__all__ = ["REGISTRY", "Layer", "Shape", "ShapeError", "fmt", "schema_entry"]
