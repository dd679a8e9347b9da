"""Shared by every test folder: this folder is on sys.path (pytest's rootdir conftest), so
`from live_server import serve, free_port, in_ci` works from any of them."""
import os

import pytest

# The server's default is token mode; the tests speak to it without credentials unless they choose a
# mode themselves (Settings(auth=...) in tests/api/test_auth.py, or env for a live server).
os.environ["NETCANVAS_AUTH"] = "none"
# In-process apps start no warm workers (each would import torch in a process of its own while the
# test runs); tests/training/test_warm_pool.py and the browser server (tests/browser/conftest.py) do.
os.environ["NETCANVAS_WARM_WORKERS"] = "0"


@pytest.fixture(scope="session")
def keras():
    """Keras 3 on its torch backend, imported once for the whole session (it takes seconds)."""
    import os

    os.environ["KERAS_BACKEND"] = "torch"
    keras = pytest.importorskip("keras")
    assert keras.backend.backend() == "torch"
    return keras
