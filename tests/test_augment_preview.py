"""POST /api/datasets/{id}/augment-preview: the pictures a run's `augment` makes, from the run's own code."""

from __future__ import annotations

import base64
import io
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient
from PIL import Image

from netcanvas.api.main import create_app
from netcanvas.config import Settings
from netcanvas.data.augment_preview import augment_arrays
from netcanvas.data.registry import DatasetRegistry
from netcanvas.training.augment import RunAugment
from netcanvas.training.augment_settings import AugmentSettings

URL = "/api/datasets/digits/augment-preview"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "store", frontend_dist=tmp_path / "no-frontend")


@pytest.fixture
def client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings))


def pixels(data_url: str) -> np.ndarray:
    prefix = "data:image/png;base64,"
    assert data_url.startswith(prefix)
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data_url[len(prefix):]))))


def test_counts_shapes_and_labels(client: TestClient) -> None:
    r = client.post(URL, json={"augment": {"rotation_range": 20, "zoom_range": 0.1}, "count": 5, "variants": 3})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["shape"] == [1, 8, 8] and body["dataset_id"] == "digits" and body["seed"] == 0
    assert len(body["samples"]) == 5
    for s in body["samples"]:
        assert s["label"] in [str(k) for k in range(10)]
        assert len(s["augmented"]) == 3
        assert pixels(s["original"]).shape == (8, 8)
        assert all(pixels(a).shape == (8, 8) for a in s["augmented"])
    assert any(not np.array_equal(pixels(s["original"]), pixels(a)) for s in body["samples"] for a in s["augmented"])


def test_defaults_are_eight_samples_four_variants(client: TestClient) -> None:
    body = client.post(URL, json={"augment": {"horizontal_flip": True}}).json()
    assert len(body["samples"]) == 8 and {len(s["augmented"]) for s in body["samples"]} == {4}


def test_same_seed_same_pictures_other_seed_others(client: TestClient) -> None:
    req = {"augment": {"rotation_range": 30, "width_shift_range": 0.2}, "count": 4, "variants": 2, "seed": 7}
    first, again = client.post(URL, json=req).json(), client.post(URL, json=req).json()
    assert first == again
    other = client.post(URL, json={**req, "seed": 8}).json()
    assert [s["original"] for s in other["samples"]] == [s["original"] for s in first["samples"]]
    assert [s["augmented"] for s in other["samples"]] != [s["augmented"] for s in first["samples"]]


def test_augment_seed_wins_over_the_run_seed(client: TestClient) -> None:
    aug = {"rotation_range": 30, "seed": 3}
    a = client.post(URL, json={"augment": aug, "seed": 1}).json()
    b = client.post(URL, json={"augment": aug, "seed": 2}).json()
    assert a["seed"] == b["seed"] == 3 and a["samples"] == b["samples"]


def test_horizontal_flip_alone_is_the_exact_mirror(client: TestClient) -> None:
    body = client.post(URL, json={"augment": {"horizontal_flip": True}, "count": 6, "variants": 8}).json()
    mirrored = kept = 0
    for s in body["samples"]:
        original = pixels(s["original"])
        assert not np.array_equal(original, original[:, ::-1])  # a digit is not its own mirror
        for a in s["augmented"]:
            picture = pixels(a)
            if np.array_equal(picture, original[:, ::-1]):
                mirrored += 1
            else:
                assert np.array_equal(picture, original), "a flip alone either mirrors or keeps the image"
                kept += 1
    assert mirrored and kept  # 48 coins: both sides come up


def test_pictures_are_what_run_augment_draws(settings: Settings) -> None:
    """The arrays behind the PNGs are RunAugment's, seeded with the run seed, one call per variant."""
    data = DatasetRegistry(settings).load("digits")
    aug = AugmentSettings(rotation_range=25, zoom_range=[0.8, 1.2], brightness_range=[0.5, 1.5])
    arrays = augment_arrays(data, aug, count=6, variants=3, seed=11)
    assert arrays.augmented.shape == (3, 6, 1, 8, 8)
    np.testing.assert_array_equal(arrays.originals, np.asarray(data.train.x)[arrays.indices])
    run = RunAugment(aug, 11)
    x = torch.from_numpy(arrays.originals)
    for k in range(3):
        np.testing.assert_array_equal(arrays.augmented[k], run(x).numpy())


def test_unknown_set_is_404(client: TestClient) -> None:
    r = client.post("/api/datasets/no_such_set/augment-preview", json={"augment": {}})
    assert r.status_code == 404 and "no_such_set" in r.json()["detail"]


def test_a_table_set_is_422_naming_it(client: TestClient) -> None:
    r = client.post("/api/datasets/moons/augment-preview", json={"augment": {"horizontal_flip": True}})
    assert r.status_code == 422
    assert "'moons'" in r.json()["detail"] and "table" in r.json()["detail"]


@pytest.mark.parametrize(("body", "field"), [
    ({"augment": {"rotation_range": 400}}, "rotation_range"),
    ({"augment": {"no_such_option": 1}}, "no_such_option"),
    ({"augment": {}, "count": 0}, "count"),
    ({"augment": {}, "count": 33}, "count"),
    ({"augment": {}, "variants": 9}, "variants"),
    ({"augment": {}, "split": "test"}, "split"),
    ({"augment": {}, "extra": 1}, "extra"),
    ({}, "augment"),
])
def test_bad_settings_are_422_naming_the_field(client: TestClient, body: dict, field: str) -> None:
    r = client.post(URL, json=body)
    assert r.status_code == 422
    assert any(field in [str(p) for p in e["loc"]] for e in r.json()["detail"]), r.json()


def test_the_largest_digits_preview_is_fast(client: TestClient) -> None:
    client.post(URL, json={"augment": {}, "count": 1, "variants": 1})  # the set loads once
    t0 = time.perf_counter()
    r = client.post(URL, json={"augment": {"rotation_range": 30, "zoom_range": 0.2, "horizontal_flip": True},
                               "count": 32, "variants": 8})
    assert r.status_code == 200 and time.perf_counter() - t0 < 1.0
