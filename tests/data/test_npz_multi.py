"""NPZ uploads with several named inputs and targets, integer token ids and a class per time step:
real files written with np.savez, uploaded through the API, then loaded and trained."""

from __future__ import annotations

import io
import json
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from netcanvas.api.main import create_app
from netcanvas.config import Settings
from netcanvas.data.npz_keys import layout, parse_key
from netcanvas.data.registry import DatasetRegistry
from netcanvas.graph.schema import Graph
from netcanvas.training.events import EpochEvent

run_training = pytest.importorskip("netcanvas.training.engine").run_training


@pytest.fixture
def client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings))


def npz(**arrays: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def upload(client: TestClient, arrays: dict[str, np.ndarray], status: int = 201, name: str = "set.npz",
           **fields) -> dict:
    r = client.post("/api/datasets", files={"file": (name, io.BytesIO(npz(**arrays)))},
                    data={k: str(v) for k, v in fields.items()})
    assert r.status_code == status, r.text
    return r.json()


def seq2seq_arrays(n: int = 50, rng: np.random.Generator | None = None) -> dict[str, np.ndarray]:
    """Keras lstm_seq2seq's names, as token ids: every array's row i carries i, so a test can tell
    that the split kept the rows of all arrays together."""
    rng = rng or np.random.default_rng(0)
    enc = rng.integers(1, 20, (n, 8)).astype(np.int32)
    enc[:, 0] = np.arange(n)
    dec = (enc + 1).astype(np.int64)[:, :7]
    y = np.concatenate([enc[:, 1:], np.zeros((n, 2), np.int32)], axis=1)[:, :9] % 12  # (n, 9) ids < 12
    y[:, 0] = np.arange(n) % 12
    return {"x_encoder_input": enc, "x_decoder_input": dec, "y_decoder_dense": y}


# ---------------------------------------------------------------------------------------- key rules


def test_key_rule_reads_splits_last_and_names_after_the_underscore() -> None:
    cases = {
        "x": ("x", "single", "all"), "y_train": ("y", "single", "train"), "x_test": ("x", "single", "test"),
        "x_val": ("x", "single", "validation"), "x3": ("x3", "ordered", "all"), "y1_train": ("y1", "ordered", "train"),
        "x_encoder_input": ("encoder_input", "named", "all"), "x_tokens_test": ("tokens", "named", "test"),
        "y_decoder_dense_validation": ("decoder_dense", "named", "validation"),
        "x_interval": ("interval", "named", "all"),  # "_val" only as a whole suffix
    }
    for key, (name, style, part) in cases.items():
        k = parse_key(key)
        assert k is not None and (k.name, k.style, k.part) == (name, style, part), key
    for key in ("vocab", "xs", "x_", "years", "labels"):
        assert parse_key(key) is None, key
    lay = layout("f.npz", ["x_b", "x_a", "y", "word_index"])
    assert lay.x.names == ["b", "a"] and lay.y.style == "single" and lay.ignored == ["word_index"]
    lay = layout("f.npz", ["x1", "y0", "x0"])
    assert lay.x.names == ["x0", "x1"] and lay.x.keys["all"] == ["x0", "x1"]


# -------------------------------------------------------------------------- several named inputs


def test_named_inputs_and_target_keep_their_rows_together(client: TestClient, settings: Settings) -> None:
    arrays = seq2seq_arrays()
    info = upload(client, arrays, test_split=0.2, validation_split=0.2, seed=3)
    assert [(i["name"], i["shape"], i["dtype"]) for i in info["inputs"]] == [
        ("encoder_input", [8], "int64"), ("decoder_input", [7], "int64")]
    assert info["kind"] == "text" and info["input_shape"] == [8] and info["input_dtype"] == "int64"
    (t,) = info["targets"]
    assert (t["name"], t["kind"], t["shape"], t["num_classes"]) == ("decoder_dense", "classes", [9], 12)
    assert info["target"]["kind"] == "classes" and info["extra"]["target_shape"] == [9]
    assert info["sizes"] == {"train": 30, "validation": 10, "test": 10}
    assert info["suggested_loss"] == "sparse_categorical_crossentropy"
    assert info["extra"]["vocab_sizes"] == {"encoder_input": 50, "decoder_input": 51}
    folder = settings.uploads_dir / info["id"]
    assert sorted(p.name for p in folder.glob("*.npy")) == sorted(
        f"{a}_{s}.npy" for a in ("x0", "x1", "y") for s in ("train", "validation", "test"))

    ds = DatasetRegistry(settings).load(info["id"])
    seen = []
    for split in (ds.train, ds.validation, ds.test):
        assert split is not None
        enc, dec = (np.asarray(a) for a in split.x)
        y = np.asarray(split.y)
        assert enc.dtype == dec.dtype == y.dtype == np.int64  # ids stay ids: not scaled, not float
        rows = enc[:, 0]
        np.testing.assert_array_equal(enc, arrays["x_encoder_input"][rows])
        np.testing.assert_array_equal(dec, arrays["x_decoder_input"][rows])
        np.testing.assert_array_equal(y, arrays["y_decoder_dense"][rows])
        seen += rows.tolist()
    assert sorted(seen) == list(range(50))  # each row in exactly one split


def test_split_suffixes_with_a_single_y_and_a_float_table_input(client: TestClient, settings: Settings) -> None:
    rng = np.random.default_rng(1)
    a = rng.normal(3.0, 2.0, (40, 4)).astype(np.float32)
    tok = rng.integers(0, 9, (40, 5)).astype(np.int64)
    y = (a[:, 0] > 3).astype(np.int64)
    info = upload(client, {"x_numbers_train": a[:30], "x_tokens_train": tok[:30], "y_train": y[:30],
                           "x_numbers_test": a[30:], "x_tokens_test": tok[30:], "y_test": y[30:]},
                  validation_split=0.2)
    assert [(i["name"], i["dtype"]) for i in info["inputs"]] == [("numbers", "float32"), ("tokens", "int64")]
    assert info["kind"] == "table" and info["targets"] == [] and info["target"]["num_classes"] == 2
    assert info["sizes"] == {"train": 24, "validation": 6, "test": 10}
    ds = DatasetRegistry(settings).load(info["id"])
    num_test, tok_test = (np.asarray(p) for p in ds.test.x)
    np.testing.assert_array_equal(tok_test, tok[30:])  # the given test split, in order
    num_train = np.asarray(ds.train.x[0])
    assert abs(num_train.mean(axis=0)).max() < 1e-5 and abs(num_train.std(axis=0) - 1).max() < 1e-4  # table: standard
    meta = json.loads((settings.uploads_dir / info["id"] / "meta.json").read_text())
    numbers, tokens = meta["preprocessing"]["inputs"]
    assert numbers["scaler"]["method"] == "standard" and tokens["scaler"]["method"] == "none"
    off, sc = (np.asarray(numbers["scaler"][k], dtype=np.float32) for k in ("offset", "scale"))
    raw_train = num_train * sc + off  # the training rows as uploaded: the statistics are theirs alone
    assert all(np.isclose(a[:30], r, atol=1e-4).all(axis=1).any() for r in raw_train)
    np.testing.assert_allclose(num_test, (a[30:] - off) / sc, rtol=1e-5, atol=1e-5)  # test: train's statistics
    np.testing.assert_array_equal(np.asarray(ds.test.y), y[30:])


def test_numbered_inputs_and_targets(client: TestClient, settings: Settings) -> None:
    rng = np.random.default_rng(2)
    x0 = rng.normal(size=(30, 3)).astype(np.float32)
    x1 = rng.normal(size=(30, 6, 2)).astype(np.float32)
    y0 = np.arange(30) % 3
    y1 = rng.normal(size=(30, 2))
    info = upload(client, {"x1": x1, "x0": x0, "y0": y0, "y1": y1}, test_split=0.2)
    assert [(i["name"], i["shape"]) for i in info["inputs"]] == [("x0", [3]), ("x1", [6, 2])]
    assert [(t["name"], t["kind"], t["shape"], t["num_classes"]) for t in info["targets"]] == [
        ("y0", "classes", [], 3), ("y1", "values", [2], None)]
    assert info["extra"]["input_kinds"] == ["table", "sequence"] and "target_shape" not in info["extra"]
    ds = DatasetRegistry(settings).load(info["id"])
    assert isinstance(ds.train.y, list) and np.asarray(ds.train.y[1]).dtype == np.float32


# ----------------------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(("arrays", "fields", "message"), [
    ({"x_a": np.zeros((5, 2)), "x_b": np.zeros((4, 2)), "y": np.zeros(5, np.int64)}, {},
     "rows differ: 5 in x_a, 4 in x_b, 5 in y; every array needs one row per sample"),
    ({"x": np.zeros((5, 2)), "x_b": np.zeros((5, 2)), "y": np.zeros(5)}, {},
     "the x arrays mix naming styles \\('x', 'x_b'\\)"),
    ({"x_train": np.zeros((5, 2)), "y_train": np.zeros(5), "x_test": np.zeros((2, 2)), "y": np.zeros(5)}, {},
     "name a split .* but 'y' do not"),
    ({"x_a_train": np.zeros((5, 2)), "x_b_train": np.zeros((5, 2)), "y_train": np.zeros(5),
      "x_a_test": np.zeros((2, 2)), "y_test": np.zeros(2)}, {},
     "the test split has x arrays 'x_a_test' but not b"),
    ({"x0": np.zeros((5, 2)), "x2": np.zeros((5, 2)), "y": np.zeros(5)}, {}, "numbered x arrays run 0, 2"),
    ({"x_val": np.zeros((5, 2)), "x_validation": np.zeros((5, 2)), "x_train": np.zeros((5, 2)),
      "y_train": np.zeros(5), "y_val": np.zeros(5)}, {}, "'x_val', 'x_validation' both name x array"),
    ({"x_test": np.zeros((5, 2)), "y_test": np.zeros(5)}, {}, "no training split"),
    ({"x_a": np.array([{"k": 1}] * 3, dtype=object), "x_b": np.zeros((3, 2)), "y": np.zeros(3)}, {},
     "'x_a' holds Python objects"),
    ({"x_a": np.zeros((3, 2)), "labels": np.zeros(3)}, {}, "needs arrays 'x' and 'y'.*it has x_a, labels"),
    ({"x": np.array([[0.5, 1.0]] * 4), "y": np.zeros(4, np.int64)}, {"x_dtype": "int64"},
     "x_dtype int64 reads 'x' as integer token ids, but it holds 0.5; set x_dtype to float32"),
    ({"x": np.array([[-1, 1]] * 4), "y": np.zeros(4, np.int64)}, {"x_dtype": "int64"}, "which are 0 or more"),
    ({"x": np.array([[1, 2]] * 4), "y": np.zeros(4, np.int64)}, {"scaling": "standard"},
     "every input here is integer token ids, which are never scaled"),
    ({"x_train": np.zeros((6, 2)), "y_train": np.zeros(6), "x_val": np.zeros((2, 2)), "y_val": np.zeros(2)},
     {"validation_split": 0.2}, "validation split of its own \\('x_val'\\); leave validation_split out"),
    ({"x_a": np.zeros((4, 3, 3, 3), np.uint8), "x_b": np.zeros((4, 3, 3, 3), np.uint8), "y": np.zeros(4)},
     {"horizontal_flip": "true"}, "augment one image input, but this file has 2 inputs \\(a, b\\)"),
    ({"x": np.zeros((4, 2)), "y": np.full((4, 3), 2000)}, {}, "more than 1000 classes \\(set task=regression"),
    ({"x_train": np.zeros((4, 3, 3), np.uint8), "y_train": np.zeros(4), "x_test": np.zeros((2, 3, 3)),
      "y_test": np.zeros(2)}, {}, "the splits of one input differ in dtype \\('x_train' uint8, 'x_test' float64\\)"),
    ({"x": np.zeros((4, 0)), "y": np.zeros(4)}, {}, "'x' has shape \\(4, 0\\): no values per sample"),
    ({"x": np.zeros((4, 2)), "y": np.zeros((4, 0))}, {}, "y has shape \\(4, 0\\): no values per sample"),
])
def test_refusals_say_which_arrays_and_the_fix(client: TestClient, settings: Settings, arrays, fields,
                                               message) -> None:
    import re

    body = upload(client, arrays, 422, name="bad.npz", **fields)
    assert body["detail"].startswith("bad.npz: ") and re.search(message, body["detail"]), body["detail"]
    assert [p.name for p in settings.uploads_dir.iterdir()] == []  # nothing left behind


def test_rows_a_file_declares_are_limited(settings: Settings, tmp_path: Path) -> None:
    from netcanvas.data import uploads
    from netcanvas.data.errors import TooLarge
    from netcanvas.data.limits import Limits
    from netcanvas.data.options import parse_options

    src = tmp_path / "in.npz"
    src.write_bytes(npz(x_a=np.zeros((30, 2)), x_b=np.zeros((30, 1)), y=np.zeros(30)))
    with pytest.raises(TooLarge, match="big.npz: 'x_a' declares 30 rows; at most 20 are read"):
        uploads.create_from_file(settings, src, "big.npz", parse_options({}), limits=Limits(max_rows=20))


def test_split_dtypes_that_read_alike_may_differ(client: TestClient) -> None:
    info = upload(client, {"x_train": np.ones((6, 2), np.float32), "y_train": np.arange(6) % 2,
                           "x_test": np.ones((2, 2), np.float64), "y_test": np.arange(2)})
    assert info["sizes"]["test"] == 2 and info["input_dtype"] == "float32"


# ---------------------------------------------------------------------------------------- integer x


def test_x_dtype_auto_float32_and_int64(client: TestClient, settings: Settings) -> None:
    rng = np.random.default_rng(4)
    ids = rng.integers(0, 50, (20, 6)).astype(np.uint16)
    y = np.arange(20) % 2
    auto = upload(client, {"x": ids, "y": y})
    assert (auto["kind"], auto["input_dtype"], auto["extra"]["vocab_size"]) == ("text", "int64", int(ids.max()) + 1)
    assert auto["inputs"] == [] and "integer token ids" in auto["description"]
    as_float = upload(client, {"x": ids, "y": y}, x_dtype="float32")
    assert (as_float["kind"], as_float["input_dtype"]) == ("table", "float32")  # standardised numbers
    big = upload(client, {"x": np.full((20, 3), 1 << 21, np.int64), "y": y})  # too big for ids: numbers
    assert big["input_dtype"] == "float32"
    negative = upload(client, {"x": rng.integers(-3, 3, (20, 3)), "y": y})
    assert negative["input_dtype"] == "float32"
    forced = upload(client, {"x": np.array([[1.0, 2.0, 3.0]] * 20), "y": y}, x_dtype="int64")  # integral floats
    assert forced["input_dtype"] == "int64"
    np.testing.assert_array_equal(np.asarray(DatasetRegistry(settings).load(forced["id"]).train.x)[0], [1, 2, 3])
    images = upload(client, {"x": rng.integers(0, 256, (20, 5, 5), dtype=np.uint8), "y": y})
    assert (images["kind"], images["input_shape"], images["input_dtype"]) == ("image", [1, 5, 5], "float32")


def test_keras_pad_sequences_output_feeds_an_embedding(keras, client: TestClient, settings: Settings,
                                                       tmp_path: Path) -> None:
    """An IMDB-style file: Keras's pad_sequences output (int32) and 0/1 labels; a review is positive
    when it holds token 7. The ids arrive unchanged and an Embedding learns from them."""
    rng = np.random.default_rng(5)
    reviews = [list(rng.integers(2, 30, rng.integers(3, 15))) for _ in range(240)]
    labels = np.array([int(7 in r) for r in reviews])
    x = keras.utils.pad_sequences(reviews, maxlen=12)
    assert x.dtype == np.int32
    info = upload(client, {"x_train": x[:200], "y_train": labels[:200], "x_test": x[200:], "y_test": labels[200:]})
    assert (info["kind"], info["input_shape"], info["input_dtype"]) == ("text", [12], "int64")
    ds = DatasetRegistry(settings).load(info["id"])
    np.testing.assert_array_equal(np.asarray(ds.test.x), x[200:])  # exactly Keras's ids
    events = train(settings, chain([
        {"id": "in", "type": "Input", "params": {"shape": [12], "dtype": "int64"}},
        {"id": "emb", "type": "Embedding", "params": {"input_dim": info["extra"]["vocab_size"], "output_dim": 8}},
        {"id": "pool", "type": "GlobalAveragePooling1D", "params": {}},
        {"id": "out", "type": "Dense", "params": {"units": 2, "activation": "softmax"}},
    ]), info["id"], tmp_path / "run", epochs=25)
    epochs = [e for e in events if isinstance(e, EpochEvent)]
    assert epochs[-1].metrics["loss"] < epochs[0].metrics["loss"] * 0.8


# ------------------------------------------------------------------------------- per-step targets


def test_target_shapes_per_sample_and_per_step(client: TestClient, settings: Settings) -> None:
    x = np.random.default_rng(6).normal(size=(24, 3))
    steps = np.arange(24 * 5).reshape(24, 5) % 7
    per_step = upload(client, {"x": x, "y": steps})
    assert per_step["target"] == {"kind": "classes", "num_classes": 7, "class_names": [str(i) for i in range(7)]}
    assert per_step["extra"]["target_shape"] == [5] and per_step["targets"] == []
    one_hot_steps = upload(client, {"x": x, "y": np.eye(7)[steps]})  # (N, T, V) → (N, T) ids
    assert one_hot_steps["extra"]["target_shape"] == [5] and one_hot_steps["target"]["num_classes"] == 7
    ds = DatasetRegistry(settings).load(one_hot_steps["id"])
    assert np.asarray(ds.train.y).shape[1:] == (5,) and np.asarray(ds.train.y).dtype == np.int64
    rows = upload(client, {"x": x, "y": np.eye(4, dtype=np.int64)[np.arange(24) % 4]})  # one-hot rows
    assert rows["target"]["num_classes"] == 4 and "target_shape" not in rows["extra"]
    values = upload(client, {"x": x, "y": steps}, task="regression")
    assert values["target"]["kind"] == "values" and values["suggested_loss"] == "mean_squared_error"
    floats = upload(client, {"x": x, "y": steps.astype(np.float64) + 0.5})
    assert floats["target"]["kind"] == "values"


def test_a_class_per_step_target_trains_with_sparse_crossentropy(client: TestClient, settings: Settings,
                                                                 tmp_path: Path) -> None:
    """A copy task from an uploaded file: the target at each step is the token id at that step."""
    tokens = np.random.default_rng(7).integers(1, 6, (300, 6))
    info = upload(client, {"x": tokens, "y": tokens}, test_split=0.2)
    assert info["input_dtype"] == "int64" and info["extra"]["target_shape"] == [6]
    events = train(settings, chain([
        {"id": "in", "type": "Input", "params": {"shape": [6], "dtype": "int64"}},
        {"id": "emb", "type": "Embedding", "params": {"input_dim": 6, "output_dim": 8}},
        {"id": "lstm", "type": "LSTM", "params": {"units": 16, "return_sequences": True}},
        {"id": "out", "type": "Dense", "params": {"units": 6, "activation": "softmax"}},
    ]), info["id"], tmp_path / "run", epochs=12, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    epochs = [e for e in events if isinstance(e, EpochEvent)]
    assert epochs[-1].metrics["accuracy"] > 0.9  # per-step accuracy over (sample, step) pairs


def test_two_named_inputs_train_matched_by_name(client: TestClient, settings: Settings, tmp_path: Path) -> None:
    """Stored tokens then numbers; the graph draws the numbers Input first: names put them right."""
    rng = np.random.default_rng(8)
    nums = rng.normal(size=(300, 3)).astype(np.float32)
    tok = rng.integers(0, 5, (300, 4))
    y = ((nums[:, 0] > 0) ^ (tok[:, 0] >= 3)).astype(np.int64)
    info = upload(client, {"x_tokens": tok, "x_numbers": nums, "y_label": y}, test_split=0.2)
    g = Graph.model_validate({
        "format": "netcanvas.graph/1", "name": "two",
        "nodes": [
            {"id": "numbers", "type": "Input", "params": {"shape": [3]}},
            {"id": "tokens", "type": "Input", "params": {"shape": [4], "dtype": "int64"}},
            {"id": "emb", "type": "Embedding", "params": {"input_dim": 5, "output_dim": 4}},
            {"id": "flat", "type": "Flatten", "params": {}},
            {"id": "cat", "type": "Concatenate", "params": {}},
            {"id": "h", "type": "Dense", "params": {"units": 32, "activation": "relu"}},
            {"id": "label", "type": "Dense", "params": {"units": 2, "activation": "softmax"}},
        ],
        "edges": [
            {"source": "tokens", "target": "emb"}, {"source": "emb", "target": "flat"},
            {"source": "numbers", "target": "cat", "target_port": 0}, {"source": "flat", "target": "cat", "target_port": 1},
            {"source": "cat", "target": "h"}, {"source": "h", "target": "label"},
        ],
        "outputs": ["label"],
    })
    events = train(settings, g, info["id"], tmp_path / "run", epochs=30, metrics=["accuracy"])
    assert [e for e in events if isinstance(e, EpochEvent)][-1].metrics["accuracy"] > 0.9


# ------------------------------------------------------------------------------- preview and samples


def test_preview_and_samples_show_every_input_and_per_step_labels(client: TestClient) -> None:
    arrays = seq2seq_arrays(30)
    info = upload(client, arrays, test_split=0.2)
    p = client.get(f"/api/datasets/{info['id']}/preview", params={"count": 3}).json()
    assert [(i["name"], i["shape"], i["dtype"]) for i in p["inputs"]] == [
        ("encoder_input", [8], "int64"), ("decoder_input", [7], "int64")]
    assert [(t["name"], t["shape"]) for t in p["targets"]] == [("decoder_dense", [9])]
    s0 = p["samples"][0]
    assert [part["name"] for part in s0["inputs"]] == ["encoder_input", "decoder_input"]
    row = s0["inputs"][0]["values"][0]
    np.testing.assert_array_equal(s0["inputs"][0]["values"], arrays["x_encoder_input"][row])
    np.testing.assert_array_equal(s0["inputs"][1]["values"], arrays["x_decoder_input"][row])
    assert s0["label"] == [str(k) for k in arrays["y_decoder_dense"][row]] and s0["values"] is None
    assert sum(p["class_balance"]["train"].values()) == 24 * 9  # per-step: every step counted

    s = client.get(f"/api/datasets/{info['id']}/samples", params={"split": "test", "count": 4}).json()
    assert s["input_names"] == ["encoder_input", "decoder_input"] and len(s["inputs"]) == 2
    rows = [r[0] for r in s["inputs"][0]]
    np.testing.assert_array_equal(s["inputs"][1], arrays["x_decoder_input"][rows])
    assert s["class_ids"] == arrays["y_decoder_dense"][rows].tolist() and len(s["labels"][0]) == 9
    assert s["targets"] is None


def test_samples_of_several_targets_list_each(client: TestClient) -> None:
    rng = np.random.default_rng(9)
    x = rng.normal(size=(20, 3))
    info = upload(client, {"x": x, "y_kind": np.arange(20) % 2, "y_size": x[:, :1] * 2}, test_split=0.25,
                  scaling="none")
    s = client.get(f"/api/datasets/{info['id']}/samples", params={"count": 5}).json()
    assert s["input_names"] == ["x"]
    kind, size = s["targets"]
    assert (kind["name"], kind["target_kind"], size["name"], size["target_kind"]) == ("kind", "classes", "size", "values")
    np.testing.assert_allclose(size["values"], np.asarray(s["inputs"])[:, 0] * 2, rtol=1e-5)  # rows kept together
    assert s["class_ids"] == kind["class_ids"] and kind["labels"] == [str(k) for k in kind["class_ids"]]
    p = client.get(f"/api/datasets/{info['id']}/preview", params={"count": 2}).json()
    assert len(p["samples"][0]["targets"]) == 2 and p["samples"][0]["label"] in ("0", "1")


# ------------------------------------------------------------------------------------------ helpers


def chain(nodes: list[dict]) -> Graph:
    edges = [{"source": a["id"], "target": b["id"]} for a, b in pairwise(nodes)]
    return Graph.model_validate({"format": "netcanvas.graph/1", "name": "t", "nodes": nodes, "edges": edges,
                                 "outputs": [nodes[-1]["id"]]})


def train(settings: Settings, g: Graph, dataset_id: str, out: Path, **kw) -> list:
    from netcanvas.training.settings import TrainSettings

    events: list = []
    ts = TrainSettings(dataset=dataset_id, epochs=kw.pop("epochs", 2), batch_size=16, device="cpu",
                       validation_split=0.0, optimizer=kw.pop("optimizer", {"type": "adam", "learning_rate": 0.01}),
                       **kw)
    status = run_training(g, ts, events.append, lambda: False, out, datasets=DatasetRegistry(settings))
    assert status == "succeeded", [getattr(e, "message", e) for e in events][-5:]
    return events
