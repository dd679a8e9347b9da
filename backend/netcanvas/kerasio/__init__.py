"""What several layer kinds share on their Keras side: layouts, the model being written, the
node a kind exports from or imports into, and the config and weight helpers.

Each layer kind's own Keras knowledge (class names, config out and in, weights out and in) lives
in the kind's module under `layers/`; this package holds only what more than one kind needs.
The drivers that walk a whole graph or Keras model are `export/keras_h5.py` (netcanvas → Keras)
and `export/keras_import.py` (Keras → netcanvas).
"""

# The layer kinds import this package; loading the registry first means either can be imported
# first without a half-initialised module on the way.
from .. import layers as _layers  # noqa: F401
