"""The data-set endpoints through the app: streamed uploads with limits, preview, options, delete."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from data_factories import make_image_zip
from fastapi.testclient import TestClient

from netcanvas.api.main import create_app
from netcanvas.config import Settings
from netcanvas.data import published
from netcanvas.data.idx import write_idx
from netcanvas.data.published import IDX_FILES

CSV = b"x1,x2,colour,label\n" + b"".join(
    f"{i % 7},{(i * 3) % 11},{['red', 'green'][i % 2]},{'a' if i % 3 else 'b'}\n".encode() for i in range(40))


@pytest.fixture
def client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings))


def post(client: TestClient, filename: str, data: bytes, **fields) -> object:
    return client.post("/api/datasets", files={"file": (filename, io.BytesIO(data))},
                       data={k: str(v) for k, v in fields.items()})


def test_upload_csv_then_get_preview_delete(client: TestClient, settings: Settings) -> None:
    r = post(client, "colours.csv", CSV, target="label", test_split=0.25, name="Colours")
    assert r.status_code == 201, r.text
    info = r.json()
    assert info["name"] == "Colours" and info["kind"] == "table" and info["input_shape"] == [4]
    assert info["target"] == {"kind": "classes", "num_classes": 2, "class_names": ["a", "b"]}
    assert info["sizes"] == {"train": 30, "validation": 0, "test": 10} and info["source"] == "upload"
    listed = client.get("/api/datasets").json()
    assert info["id"] in [d["id"] for d in listed["data"]] and listed["count"] == len(listed["data"])
    assert client.get(f"/api/datasets/{info['id']}").json()["id"] == info["id"]

    p = client.get(f"/api/datasets/{info['id']}/preview", params={"count": 5}).json()
    assert p["input_shape"] == [4] and len(p["samples"]) == 5 and len(p["samples"][0]["values"]) == 4
    assert p["class_balance"]["train"]["a"] + p["class_balance"]["train"]["b"] == 30
    assert p["raw"]["columns"] == ["x1", "x2", "colour", "label"] and p["raw"]["rows"][0] == ["0", "0", "red", "b"]
    assert p["features"] == ["x1", "x2", "colour=green", "colour=red"]

    r = client.put(f"/api/datasets/{info['id']}/options", json={"label_mode": "categorical"})
    assert r.status_code == 200 and r.json()["suggested_loss"] == "categorical_crossentropy"

    assert client.delete(f"/api/datasets/{info['id']}").status_code == 204
    assert client.get(f"/api/datasets/{info['id']}").status_code == 404
    assert client.delete(f"/api/datasets/{info['id']}").status_code == 404
    assert not [p for p in settings.uploads_dir.iterdir()]


def test_upload_image_zip_and_preview_pngs(client: TestClient, tmp_path: Path) -> None:
    make_image_zip(tmp_path / "shapes.zip", per_class=4, size=10, classes=("red", "green", "blue"))
    r = post(client, "shapes.zip", (tmp_path / "shapes.zip").read_bytes(), image_size=10, test_split=0.25,
             horizontal_flip="true", shift=2)
    assert r.status_code == 201, r.text
    info = r.json()
    assert info["input_shape"] == [3, 10, 10] and info["extra"]["options"]["augment"]["horizontal_flip"] is True
    p = client.get(f"/api/datasets/{info['id']}/preview").json()
    assert len(p["samples"]) == 9 and p["samples"][0]["image"].startswith("data:image/png;base64,")
    assert p["class_balance"]["test"] == {"blue": 1, "green": 1, "red": 1}


def test_upload_over_the_limit_is_413_and_leaves_nothing(settings: Settings) -> None:
    settings.max_upload_mb = 1
    client = TestClient(create_app(settings))
    r = post(client, "big.csv", b"a,b\n" + b"1,2\n" * 400_000)
    assert r.status_code == 413
    assert "big.csv" in r.json()["detail"] and "1 MB" in r.json()["detail"]
    assert [p.name for p in settings.uploads_dir.iterdir()] == []


def test_streamed_limit_without_content_length(settings: Settings) -> None:
    """A chunked body (no Content-Length) is stopped by the running count, not after the fact."""
    settings.max_upload_mb = 1
    client = TestClient(create_app(settings))
    boundary = "xyz"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.npz\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode()

    def body():
        yield head
        for _ in range(40):
            yield b"\0" * 65536
        yield f"\r\n--{boundary}--\r\n".encode()

    r = client.post("/api/datasets", content=body(),
                    headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    assert r.status_code == 413 and "big.npz" in r.json()["detail"]
    assert [p.name for p in settings.uploads_dir.iterdir()] == []


@pytest.mark.parametrize(
    ("name", "data", "fields", "status", "words"),
    [
        ("x.csv", CSV, {"target": "nope"}, 422, "no column 'nope'"),
        ("x.csv", CSV, {"image_size": "0"}, 422, "Option 'image_size'"),
        ("x.csv", CSV, {"bogus": "1"}, 422, "Unknown option 'bogus'"),
        ("x.bin", b"123", {}, 415, "x.bin: cannot tell the kind"),
        ("x.zip", b"not a zip", {}, 422, "x.zip: not a readable ZIP"),
        ("../../etc/x.npz", b"PK\x05\x06" + b"\0" * 18, {}, 422, "x.npz: needs arrays"),
    ],
)
def test_refusals_are_clear_4xx(client: TestClient, settings: Settings, name, data, fields, status, words) -> None:
    r = post(client, name, data, **fields)
    assert r.status_code == status, r.text
    assert words in r.json()["detail"]
    assert [p.name for p in settings.uploads_dir.iterdir()] == []


def test_not_multipart_and_no_file(client: TestClient) -> None:
    r = client.post("/api/datasets", json={"file": "x"})
    assert r.status_code == 415 and "multipart/form-data" in r.json()["detail"]
    r = client.post("/api/datasets", data={"target": "y"}, files={"other": ("a.csv", b"a,b\n1,2\n")})
    assert r.status_code == 422 and "`file`" in r.json()["detail"]


def test_builtin_sets_cannot_be_deleted_or_changed(client: TestClient) -> None:
    assert client.delete("/api/datasets/digits").status_code == 409
    assert client.put("/api/datasets/digits/options", json={"label_mode": "categorical"}).status_code == 409
    assert client.get("/api/datasets/nope").status_code == 404
    p = client.get("/api/datasets/digits/preview", params={"count": 3}).json()
    assert p["input_shape"] == [1, 8, 8] and len(p["samples"]) == 3 and p["samples"][0]["image"]


def test_published_sets_status_preview_and_options(client: TestClient, settings: Settings) -> None:
    status = {d["id"]: d for d in client.get("/api/datasets/published").json()["data"]}
    assert set(status) == {"mnist", "fashion_mnist", "cifar10"} and not status["mnist"]["present"]
    assert status["cifar10"]["files"][0]["md5"] == "c32a1d4ab5d03f1284b67883e8d87530"
    folder = published.folder(settings, "mnist")
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    write_idx(folder / IDX_FILES["train_x"], rng.integers(0, 256, (12, 28, 28), dtype=np.uint8))
    write_idx(folder / IDX_FILES["train_y"], (np.arange(12) % 10).astype(np.uint8))
    write_idx(folder / IDX_FILES["test_x"], rng.integers(0, 256, (4, 28, 28), dtype=np.uint8))
    write_idx(folder / IDX_FILES["test_y"], np.arange(4, dtype=np.uint8))
    assert "mnist" in [d["id"] for d in client.get("/api/datasets").json()["data"]]
    p = client.get("/api/datasets/mnist/preview", params={"count": 4}).json()
    assert p["input_shape"] == [1, 28, 28] and p["class_balance"]["test"]["3"] == 1
    r = client.put("/api/datasets/mnist/options", json={"augment": {"shift": 3}})
    assert r.status_code == 200 and r.json()["extra"]["options"]["augment"]["shift"] == 3
    r = client.post("/api/datasets/published/emnist/download")
    assert r.status_code == 404


def test_a_run_on_an_uploaded_set_trains_in_a_worker_process(settings: Settings) -> None:
    """The worker (another process, no database) finds the upload by id from its files alone."""
    import time

    graph = {"format": "netcanvas.graph/1", "name": "csv-mlp", "outputs": ["out"],
             "nodes": [{"id": "in", "type": "Input", "params": {"shape": [4]}},
                       {"id": "h", "type": "Dense", "params": {"units": 8, "activation": "relu"}},
                       {"id": "out", "type": "Dense", "params": {"units": 2, "activation": "softmax"}}],
             "edges": [{"source": "in", "target": "h"}, {"source": "h", "target": "out"}]}
    with TestClient(create_app(settings)) as c:
        info = post(c, "colours.csv", CSV, target="label").json()
        r = c.post("/api/runs", json={"graph": graph, "dataset": info["id"], "epochs": 2, "batch_size": 8,
                                      "device": "cpu"})
        assert r.status_code == 201, r.text
        run_id = r.json()["id"]
        end = time.monotonic() + 180
        while (run := c.get(f"/api/runs/{run_id}").json())["status"] not in {"succeeded", "failed", "cancelled"}:
            assert time.monotonic() < end, run["status"]
            time.sleep(0.2)
        assert run["status"] == "succeeded", run["error"]
        assert len(run["epochs"]) == 2 and "accuracy" in run["test_metrics"]


def test_options_schema_for_the_forms(client: TestClient) -> None:
    schema = client.get("/api/datasets/options-schema").json()
    props = schema["upload"]["properties"]
    assert props["color_mode"]["enum"] == ["rgb", "grayscale"] and props["test_split"]["default"] == 0.2
    assert "label_mode" in schema["load"]["properties"]


def test_download_when_offline_or_tampered_is_a_clear_502(client: TestClient, settings: Settings,
                                                           monkeypatch) -> None:
    from netcanvas.data import download

    def offline(url: str):
        raise OSError("Network is unreachable")

    monkeypatch.setattr(download, "open_url", offline)
    r = client.post("/api/datasets/published/fashion_mnist/download")
    assert r.status_code == 502 and "Could not download" in r.json()["detail"]
    assert str(published.folder(settings, "fashion_mnist")) in r.json()["detail"]

    monkeypatch.setattr(download, "open_url", lambda url: io.BytesIO(b"not the real file"))
    r = client.post("/api/datasets/published/fashion_mnist/download")
    assert r.status_code == 502 and "does not match the published" in r.json()["detail"]
    assert not any(published.folder(settings, "fashion_mnist").iterdir())
