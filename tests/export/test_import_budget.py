"""Keras imports check the weights a file declares before reading them (issue 12, "memory bombs"):
a 9 KB .h5 declaring a 16384×16384 kernel is refused in a moment, without allocating it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
from fastapi.testclient import TestClient

from netcanvas.api.main import create_app
from netcanvas.config import Settings
from netcanvas.export.keras_import import ImportFailed, import_model

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")

BIG = 16384


def small_h5(keras, path: Path) -> Path:
    L = keras.layers
    model = keras.Sequential([keras.Input((4,), name="x"), L.Dense(3, name="d")], name="small")
    model.save(path)
    return path


def _weights(f: h5py.File) -> dict[str, h5py.Dataset]:
    """The Dense layer's datasets by their last name ("kernel:0" / "kernel", "bias…")."""
    found: dict[str, h5py.Dataset] = {}

    def visit(key: str, obj: object) -> None:  # returning a value would stop the visit
        if isinstance(obj, h5py.Dataset):
            found[key] = obj

    f["model_weights"].visititems(visit)
    return found


def declare(path: Path, kernel: tuple[int, int], bias: int, units: int | None = None, inputs: int | None = None) -> None:
    """Rewrite the file's Dense weights as declared-only datasets of these shapes (no data written,
    so the file stays a few KB), and its config's units / input size when given."""
    with h5py.File(path, "r+") as f:
        for key, ds in _weights(f).items():
            parent, leaf = ds.parent, key.rsplit("/", 1)[-1]
            shape = kernel if "kernel" in leaf else (bias,)
            del parent[leaf]
            parent.create_dataset(leaf, shape=shape, dtype="float32")
        if units is not None or inputs is not None:
            text = f.attrs["model_config"]
            config = json.loads(text.decode() if isinstance(text, bytes) else text)
            for layer in config["config"]["layers"]:
                c = layer["config"]
                if inputs is not None and "batch_shape" in c:
                    c["batch_shape"] = [None, inputs]
                if inputs is not None and "batch_input_shape" in c:
                    c["batch_input_shape"] = [None, inputs]
                if units is not None and layer["class_name"] == "Dense":
                    c["units"] = units
            f.attrs["model_config"] = json.dumps(config)


@pytest.fixture
def bomb(keras, tmp_path) -> Path:
    path = small_h5(keras, tmp_path / "bomb.h5")
    declare(path, (BIG, BIG), BIG, units=BIG, inputs=BIG)
    return path


def test_the_bomb_is_small_and_its_config_matches_its_shapes(bomb):
    assert bomb.stat().st_size < 64_000
    with h5py.File(bomb) as f:
        assert {ds.shape for ds in _weights(f).values()} == {(BIG, BIG), (BIG,)}


def test_a_bomb_is_refused_quickly_without_allocating(bomb):
    """In a fresh interpreter (so the peak RSS is this import's): refused in < 2 s, RSS grows < 200 MB
    (reading the kernel would take 1 GB)."""
    code = f"""
import resource, time
from pathlib import Path
from netcanvas.export.keras_import import ImportFailed, import_model
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.monotonic()
try:
    import_model("bomb.h5", Path({str(bomb)!r}), max_model_mb=4096)
    print("IMPORTED")
except ImportFailed as err:
    print("REFUSED", err)
print("SECONDS", time.monotonic() - t)
print("GROWTH_KB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""
    out = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120).stdout
    lines = dict(line.split(" ", 1) for line in out.strip().splitlines())
    assert "REFUSED" in lines, out
    assert "model budget (NETCANVAS_MAX_MODEL_MB)" in lines["REFUSED"]
    assert "layer 'd'" in lines["REFUSED"] and f"({BIG}, {BIG})" in lines["REFUSED"]
    assert "Nothing was read" in lines["REFUSED"]
    assert float(lines["SECONDS"]) < 2.0
    assert int(lines["GROWTH_KB"]) < 200_000


def test_the_budget_is_the_servers_setting(keras, tmp_path):
    """A model that fits by default is refused under a tighter budget: 4×3+3 = 15 values × 16 bytes."""
    path = small_h5(keras, tmp_path / "ok.h5")
    assert import_model("ok.h5", path, max_model_mb=1).graph.nodes
    declare(path, (1000, 1000), 1000, units=1000, inputs=1000)  # 1,001,000 values: 16 MB with Adam
    with pytest.raises(ImportFailed, match=r"ok.h5 declares 1,001,000 weight values: 16 MB .* over this server's "
                                           r"1 MB model budget"):
        import_model("ok.h5", path, max_model_mb=1)


def test_weights_that_do_not_match_the_config_are_refused_before_reading(keras, tmp_path):
    path = small_h5(keras, tmp_path / "mismatch.h5")
    declare(path, (400, 300), 300)  # the config still says Dense(3) on 4 inputs
    with pytest.raises(ImportFailed) as err:
        import_model("mismatch.h5", path, max_model_mb=4096)
    msg = str(err.value)
    assert "layer 'd' (Dense)" in msg and "(400, 300)" in msg and "120,300 values" in msg
    assert "configuration makes 15" in msg


def test_a_model_that_fits_still_imports_with_its_weights(keras, tmp_path):
    path = small_h5(keras, tmp_path / "fine.h5")
    model = keras.models.load_model(path)
    imported = import_model("fine.h5", path)
    x = np.random.default_rng(0).normal(size=(2, 4)).astype("float32")
    kernel = next(v for k, v in imported.state_dict.items() if k.endswith("weight"))
    np.testing.assert_allclose(kernel.numpy().T, model.get_layer("d").get_weights()[0])
    assert x.shape == (2, 4)


def test_a_keras3_archive_declaring_a_huge_kernel_is_refused(keras, tmp_path):
    import zipfile

    L = keras.layers
    model = keras.Sequential([keras.Input((BIG,), name="x"), L.Dense(2, name="d")], name="arch")
    model.save(tmp_path / "a.keras")
    with zipfile.ZipFile(tmp_path / "a.keras") as z:
        members = {n: z.read(n) for n in z.namelist()}
    (tmp_path / "w.h5").write_bytes(members["model.weights.h5"])
    with h5py.File(tmp_path / "w.h5", "r+") as f:
        v = f["layers/dense/vars"] if "layers/dense/vars" in f else next(
            g["vars"] for g in f["layers"].values() if "vars" in g)
        del v["0"]
        v.create_dataset("0", shape=(BIG, BIG), dtype="float32")
    config = json.loads(members["config.json"])
    config["config"]["layers"][-1]["config"]["units"] = BIG
    members["config.json"] = json.dumps(config).encode()
    members["model.weights.h5"] = (tmp_path / "w.h5").read_bytes()
    with zipfile.ZipFile(tmp_path / "bomb.keras", "w") as z:
        for n, data in members.items():
            z.writestr(n, data)
    t = time.monotonic()
    with pytest.raises(ImportFailed, match="model budget"):
        import_model("bomb.keras", tmp_path / "bomb.keras", max_model_mb=4096)
    assert time.monotonic() - t < 2.0


def test_the_api_refuses_the_bomb_with_422(bomb, tmp_path):
    settings = Settings(data_dir=tmp_path / "store", frontend_dist=tmp_path / "none", auth="none")
    with TestClient(create_app(settings)) as client, bomb.open("rb") as f:
        t = time.monotonic()
        r = client.post("/api/models/import", files={"file": ("bomb.h5", f, "application/x-hdf5")})
        took = time.monotonic() - t
    assert r.status_code == 422, r.text
    assert "model budget (NETCANVAS_MAX_MODEL_MB)" in r.json()["detail"]
    assert took < 30  # a spawned reader process starts, reads headers, refuses
    assert not any((settings.uploads_dir).glob(".incoming-*"))  # the streamed upload is removed
    assert client.get("/api/runs").json()["count"] == 0
