import os

import pytest


@pytest.fixture(scope="session")
def keras():
    """Keras 3 on its torch backend, imported once for the whole session (it takes seconds)."""
    os.environ["KERAS_BACKEND"] = "torch"
    keras = pytest.importorskip("keras")
    assert keras.backend.backend() == "torch"
    return keras
