"""Shared by every test folder: this folder is on sys.path (pytest's rootdir conftest), so
`from live_server import serve, free_port, in_ci` works from any of them."""
import os

import pytest

# The server's default is token mode; the tests speak to it without credentials unless they choose a
# mode themselves (Settings(auth=...) in tests/api/test_auth.py, or env for a live server).
os.environ["NETCANVAS_AUTH"] = "none"


@pytest.fixture(scope="session")
def keras():
    """Keras 3 on its torch backend, imported once for the whole session (it takes seconds)."""
    import os

    os.environ["KERAS_BACKEND"] = "torch"
    keras = pytest.importorskip("keras")
    assert keras.backend.backend() == "torch"
    return keras
