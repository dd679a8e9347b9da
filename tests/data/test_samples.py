"""GET /api/datasets/{id}/samples: model-ready inputs (the split's arrays, unchanged) with labels."""

from __future__ import annotations

import io

import numpy as np
import pytest
from fastapi.testclient import TestClient

from netcanvas.api.main import create_app
from netcanvas.config import Settings
from netcanvas.data.base import Dataset, DatasetInfo, Sizes, Split, TargetInfo
from netcanvas.data.builtin import BUILTIN
from netcanvas.data.errors import DataError
from netcanvas.data.samples import build_samples


@pytest.fixture
def client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings))


def load_dataset(dataset_id: str) -> Dataset:
    return BUILTIN[dataset_id].load()


def samples(client: TestClient, dataset: str, **params) -> dict:
    r = client.get(f"/api/datasets/{dataset}/samples", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_image_samples_are_the_test_arrays_with_class_ids(client: TestClient) -> None:
    ds = load_dataset("digits")
    body = samples(client, "digits", split="test", offset=5, count=7)
    x = np.asarray(body["inputs"], dtype=np.float32)
    assert x.shape == (7, 1, 8, 8)
    np.testing.assert_array_equal(x, ds.test.x[5:12])  # exact: float32 values survive JSON
    assert body["class_ids"] == ds.test.y[5:12].tolist()
    assert body["labels"] == [str(k) for k in body["class_ids"]]
    assert body | {"inputs": None, "class_ids": None, "labels": None} == {
        "id": "digits", "split": "test", "offset": 5, "total": len(ds.test), "input_dtype": "float32",
        "inputs": None, "input_names": ["x"], "target_kind": "classes", "class_ids": None, "labels": None,
        "values": None, "texts": None, "targets": None}


def test_defaults_and_the_end_of_a_split(client: TestClient) -> None:
    ds = load_dataset("digits")
    assert len(samples(client, "digits")["inputs"]) == 16 and samples(client, "digits")["split"] == "test"
    n = len(ds.train)
    tail = samples(client, "digits", split="train", offset=n - 3, count=256)
    assert len(tail["inputs"]) == 3 and tail["total"] == n
    np.testing.assert_array_equal(np.asarray(tail["inputs"], dtype=np.float32), ds.train.x[n - 3:])


def test_table_samples_name_their_classes(client: TestClient) -> None:
    ds = load_dataset("iris")
    body = samples(client, "iris", count=30)
    np.testing.assert_array_equal(np.asarray(body["inputs"], dtype=np.float32), ds.test.x[:30])
    names = ds.info.target.class_names
    assert names and body["labels"] == [names[k] for k in ds.test.y[:30].tolist()]
    assert "versicolor" in body["labels"]


def test_regression_and_sequence_samples(client: TestClient) -> None:
    sine = load_dataset("sine")
    body = samples(client, "sine", count=4)
    assert body["target_kind"] == "values" and body["class_ids"] is None and body["labels"] is None
    assert body["texts"] is None
    assert body["values"] == np.ravel(sine.test.y[:4]).astype(float).tolist()
    seq = load_dataset("sequence_sum_sign")
    body = samples(client, "sequence_sum_sign", split="train", count=2)
    np.testing.assert_array_equal(np.asarray(body["inputs"], dtype=np.float32), seq.train.x[:2])


def test_text_samples_are_int_token_ids(client: TestClient) -> None:
    rows = [("a fine film", "pos"), ("a dull film", "neg"), ("fine and bright", "pos"), ("dull and grey", "neg")] * 5
    data = "text,label\n" + "".join(f'"{t}",{lab}\n' for t, lab in rows)
    r = client.post("/api/datasets", files={"file": ("reviews.csv", io.BytesIO(data.encode()))},
                    data={"kind": "text", "max_length": "4"})
    assert r.status_code == 201, r.text
    info = r.json()
    body = samples(client, info["id"], count=3)
    assert body["input_dtype"] == "int64"
    assert all(isinstance(t, int) for row in body["inputs"] for t in row)
    np.testing.assert_array_equal(np.asarray(body["inputs"]), client.app.state.datasets.load(info["id"]).test.x[:3])
    assert set(body["labels"]) <= {"neg", "pos"}
    assert body["texts"] and all(set(t.split()) <= {"a", "fine", "film", "dull", "and", "bright", "grey", "<oov>"}
                                 for t in body["texts"]) and any(body["texts"])


def test_several_inputs_give_a_batch_per_input() -> None:
    a, b = np.arange(12, dtype=np.float32).reshape(6, 2), np.arange(18, dtype=np.float32).reshape(6, 3)
    y = np.array([0, 1, 0, 1, 0, 1])
    info = DatasetInfo(id="pair", name="pair", kind="table", input_shape=[2],
                       target=TargetInfo(kind="classes", num_classes=2, class_names=["no", "yes"]),
                       sizes=Sizes(train=6, test=6), suggested_loss="sparse_categorical_crossentropy")
    ds = Dataset(info=info, train=Split((a, b), y), test=Split((a, b), y))  # type: ignore[arg-type]
    out = build_samples(ds, "test", 1, 2)
    assert out.inputs == [a[1:3].tolist(), b[1:3].tolist()] and out.labels == ["yes", "no"] and out.total == 6


@pytest.mark.parametrize(("url", "status", "words"), [
    ("/api/datasets/nope/samples", 404, "nope"),
    ("/api/datasets/digits/samples?split=everything", 422, "split"),
    ("/api/datasets/digits/samples?count=0", 422, "count"),
    ("/api/datasets/digits/samples?count=257", 422, "count"),
    ("/api/datasets/digits/samples?offset=-1", 422, "offset"),
    ("/api/datasets/digits/samples?offset=abc", 422, "offset"),
    ("/api/datasets/digits/samples?offset=100000", 422, "offset 100000 is outside the test split"),
    ("/api/datasets/digits/samples?split=validation", 422, "no validation split"),
])
def test_bad_requests_are_clear_4xx(client: TestClient, url: str, status: int, words: str) -> None:
    r = client.get(url)
    assert r.status_code == status, r.text
    assert words in r.text


def test_build_samples_refuses_a_count_out_of_range() -> None:
    with pytest.raises(DataError, match="count must be between 1 and 256"):
        build_samples(load_dataset("digits"), "test", 0, 0)
