"""The two ways a Keras conversion fails; each message names the node or layer and says why."""


class KerasExportError(ValueError):
    """The graph cannot become a Keras model; the message names the node and says why."""


class ImportFailed(ValueError):
    """The upload cannot become a netcanvas model; the message names the file (and layer)."""
