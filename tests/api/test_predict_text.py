"""Text in, text models: /predict on raw strings (tokenised as the data set was) and word vectors
loaded into an Embedding (POST /api/models/vectors), through the real trainer."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import torch
from api_factories import make_client, mlp_graph, run_request, wait_status

from netcanvas.data.preprocess import pad_sequences, texts_to_ids, tokenize
from netcanvas.model_file import FILE_NAME
from netcanvas.model_file import read as read_model

REAL_TRAINER = "netcanvas.training.engine:run_training"
GOOD = ["great", "wonderful", "loved", "superb", "fun"]
BAD = ["awful", "boring", "dull", "hated", "bad"]
MAX_LEN = 6


def reviews_csv(n: int = 120) -> bytes:
    """Reviews whose label follows their words; capitals and punctuation, as users type them."""
    rng = np.random.default_rng(0)
    rows = []
    for i in range(n):
        pos = i % 2 == 0
        words = list(rng.choice(GOOD if pos else BAD, size=int(rng.integers(1, 4)))) + ["film", "the"]
        rng.shuffle(words)
        text = " ".join(words).capitalize() + ("!" if i % 3 else ", really.")
        rows.append(f'"{text}",{"pos" if pos else "neg"}')
    return ("text,label\n" + "\n".join(rows) + "\n").encode()


def text_graph(input_dim: int, output_dim: int = 8, trainable: bool = True) -> dict:
    return {
        "format": "netcanvas.graph/1", "name": "sentiment",
        "nodes": [
            {"id": "in", "type": "Input", "params": {"shape": [MAX_LEN], "dtype": "int64"}},
            {"id": "embedding_1", "type": "Embedding", "params": {"input_dim": input_dim, "output_dim": output_dim},
             "trainable": trainable},
            {"id": "pool", "type": "GlobalAveragePooling1D", "params": {}},
            {"id": "out", "type": "Dense", "params": {"units": 2, "activation": "softmax"}},
        ],
        "edges": [{"source": "in", "target": "embedding_1"}, {"source": "embedding_1", "target": "pool"},
                  {"source": "pool", "target": "out"}],
    }


def upload_reviews(client, **options: str) -> dict:
    r = client.post("/api/datasets", files={"file": ("reviews.csv", io.BytesIO(reviews_csv()))},
                    data={"kind": "text", "max_length": str(MAX_LEN), **options})
    assert r.status_code == 201, r.text
    return r.json()


def vocabulary(settings, dataset_id: str) -> list[str]:
    return json.loads((settings.uploads_dir / dataset_id / "vocabulary.json").read_text())


def train(client, dataset: dict, graph: dict | None, **kw) -> dict:
    body = {"graph": graph, "dataset": dataset["id"], "epochs": 8, "batch_size": 16, "device": "cpu", "seed": 0,
            "loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"],
            "optimizer": {"type": "adam", "learning_rate": 0.05}, **kw}
    r = client.post("/api/runs", json=body)
    assert r.status_code == 201, r.text
    run = wait_status(client, r.json()["id"], {"succeeded", "failed"}, timeout=180)
    assert run["status"] == "succeeded", run["error"]
    return run


def test_predict_on_typed_strings_equals_predict_on_the_sets_own_ids(settings) -> None:
    with make_client(settings, trainer=REAL_TRAINER) as client:
        ds = upload_reviews(client, padding="post", truncating="post", vocab_size="14")
        vocab = vocabulary(settings, ds["id"])
        run = train(client, ds, text_graph(len(vocab)))
        assert run["test_metrics"]["accuracy"] > 0.9

        texts = ["A GREAT film, loved it!", "dull... boring; the plot is awful", "zebra", "",
                 "great great great great great great great dull"]
        by_text = client.post(f"/api/runs/{run['id']}/predict", json={"inputs": texts})
        assert by_text.status_code == 200, by_text.text
        # the set's own pipeline (data/tables.py build_text): Tokenizer rules, vocab cut, oov 1, pad_sequences
        ids = pad_sequences(texts_to_ids(texts, vocab), MAX_LEN, "post", "post")
        by_ids = client.post(f"/api/runs/{run['id']}/predict", json={"inputs": ids.tolist()})
        assert by_ids.status_code == 200, by_ids.text
        assert by_text.json()["outputs"] == by_ids.json()["outputs"]  # bit-exact: the same JSON numbers

        tokens = by_text.json()["tokens"]
        assert [t["ids"] for t in tokens] == ids.tolist()
        known = set(vocab[2:])
        for text, got in zip(texts, tokens, strict=True):
            words = tokenize(text)
            assert got["words"] == [w if w in known else "<oov>" for w in words][:MAX_LEN]
            assert got["unknown"] == list(dict.fromkeys(w for w in words if w not in known))
        assert tokens[0]["unknown"][:1] == ["a"] and "great" in tokens[0]["words"]
        assert tokens[2]["unknown"] == ["zebra"] and tokens[3]["ids"] == [0] * MAX_LEN
        assert len(tokens[4]["words"]) == MAX_LEN  # truncated at the end ("post"), as the set was
        probs = np.asarray(by_text.json()["outputs"])
        neg, pos = ds["target"]["class_names"].index("neg"), ds["target"]["class_names"].index("pos")
        assert probs[0, pos] > 0.5 and probs[1, neg] > 0.5

        # features at a node take texts too
        feats = client.post(f"/api/runs/{run['id']}/predict", json={"inputs": texts[:2], "nodes": ["pool"]})
        assert feats.status_code == 200, feats.text
        assert np.asarray(feats.json()["outputs"]).shape == (2, 8) and feats.json()["tokens"][0]["ids"] == ids[0].tolist()

        # ids that are not rows of the Embedding: a 422 naming it, not a crash
        r = client.post(f"/api/runs/{run['id']}/predict", json={"inputs": [[0, 1, 2, 3, 4, len(vocab)]]})
        assert r.status_code == 422 and f"token id {len(vocab)} is not a row of Embedding 'embedding_1'" in r.text
        r = client.post(f"/api/runs/{run['id']}/predict", json={"inputs": "a great film"})
        assert r.status_code == 422 and "list of texts" in r.text
        r = client.post(f"/api/runs/{run['id']}/predict", json={"inputs": ["great", [1, 2, 3, 4, 5, 6]]})
        assert r.status_code == 422 and "not a mix" in r.text


def test_strings_sent_to_a_model_without_a_vocabulary_are_422(settings) -> None:
    with make_client(settings, trainer=REAL_TRAINER) as client:
        run = client.post("/api/runs", json=run_request(mlp_graph(), epochs=1)).json()
        wait_status(client, run["id"], {"succeeded"}, timeout=120)
        r = client.post(f"/api/runs/{run['id']}/predict", json={"inputs": ["a great film"]})
        assert r.status_code == 422
        assert "data set 'digits', which has no vocabulary" in r.text and "(N, 1, 8, 8)" in r.text


def glove_file(vectors: dict[str, list[float]]) -> bytes:
    return "".join(f"{w} {' '.join(repr(v) for v in vec)}\n" for w, vec in vectors.items()).encode()


def post_vectors(client, data: bytes, filename: str, graph: dict, **fields: str):
    form = {"graph": json.dumps(graph), "node": "embedding_1", **fields}
    return client.post("/api/models/vectors", files={"file": (filename, io.BytesIO(data))}, data=form)


def embedding_weight(settings, run_id: str) -> np.ndarray:
    state = read_model(settings.runs_dir / run_id / FILE_NAME)["state_dict"]
    (key,) = [k for k in state if k.endswith("embedding.weight")]
    return state[key].numpy()


def test_glove_vectors_fill_the_vocabularys_rows_and_stay_frozen_while_training_further(settings) -> None:
    with make_client(settings, trainer=REAL_TRAINER) as client:
        ds = upload_reviews(client)
        vocab = vocabulary(settings, ds["id"])
        rng = np.random.default_rng(1)
        glove = {w: [round(float(v), 4) for v in rng.normal(size=5)] for w in ["great", "dull", "film", "zebra"]}
        input_dim = len(vocab) + 2  # room to spare, as Keras's example has
        r = post_vectors(client, glove_file(glove), "glove.test.5d.txt", text_graph(input_dim, 5),
                         dataset=ds["id"], trainable="false")
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["run"]["status"] == "imported" and body["run"]["dataset"] == ds["id"]
        assert body["vectors"]["found"] == 3 and body["vectors"]["missed"] == len(vocab) - 2 - 3
        assert [n["trainable"] for n in body["run"]["graph"]["nodes"] if n["id"] == "embedding_1"] == [False]
        assert body["report"]["loaded"] == [{"node": "embedding_1", "source": "glove.test.5d.txt"}]
        assert [i["node"] for i in body["report"]["initialised"]] == ["out"]

        w = embedding_weight(settings, body["run"]["id"])
        assert w.shape == (input_dim, 5)
        for i in range(input_dim):
            word = vocab[i] if 2 <= i < len(vocab) else None
            want = np.asarray(glove[word], np.float32) if word in glove else np.zeros(5, np.float32)
            np.testing.assert_array_equal(w[i], want, err_msg=f"row {i} ({word})")

        # training further: the frozen matrix is unchanged, the head learns
        further = train(client, ds, None, init_from_run=body["run"]["id"])
        after = embedding_weight(settings, further["id"])
        np.testing.assert_array_equal(after, w)
        head = read_model(settings.runs_dir / further["id"] / FILE_NAME)["state_dict"]
        before = read_model(settings.runs_dir / body["run"]["id"] / FILE_NAME)["state_dict"]
        out_key = next(k for k in head if k.startswith("out") and k.endswith("weight"))
        assert not torch.equal(head[out_key], before[out_key])

        # trainable true: the vectors are a start, and training moves them
        r = post_vectors(client, glove_file(glove), "glove.test.5d.txt", text_graph(input_dim, 5),
                         dataset=ds["id"], trainable="true")
        assert r.status_code == 201, r.text
        moved = train(client, ds, None, init_from_run=r.json()["run"]["id"])
        assert not np.array_equal(embedding_weight(settings, moved["id"]), w)


def test_npy_vectors_and_refusals(settings) -> None:
    with make_client(settings) as client:
        matrix = np.arange(40, dtype=np.float32).reshape(10, 4) / 3
        buf = io.BytesIO()
        np.save(buf, matrix)
        r = post_vectors(client, buf.getvalue(), "m.npy", text_graph(10, 4))
        assert r.status_code == 201, r.text
        assert r.json()["vectors"]["format"] == "npy" and r.json()["run"]["dataset"] == "imported"
        np.testing.assert_array_equal(embedding_weight(settings, r.json()["run"]["id"]), matrix)

        r = post_vectors(client, buf.getvalue(), "m.npy", text_graph(10, 64))
        assert r.status_code == 422
        assert "the vectors have 4 dimensions but 'embedding_1' has output_dim 64: set output_dim to 4" in r.text
        r = post_vectors(client, buf.getvalue(), "m.npy", text_graph(12, 4))
        assert r.status_code == 422 and "set input_dim to 10" in r.text
        obj = io.BytesIO()
        np.save(obj, np.array([[object()]], dtype=object), allow_pickle=True)
        r = post_vectors(client, obj.getvalue(), "evil.npy", text_graph(1, 1))
        assert r.status_code == 422 and "never unpickled" in r.text

        r = post_vectors(client, glove_file({"great": [1.0] * 4}), "g.txt", text_graph(10, 4))
        assert r.status_code == 422 and r.json()["detail"].startswith("dataset:")
        r = post_vectors(client, glove_file({"great": [1.0] * 4}), "g.txt", text_graph(10, 4), dataset="digits")
        assert r.status_code == 422 and "'digits' has no vocabulary" in r.text
        r = client.post("/api/models/vectors", files={"file": ("m.npy", io.BytesIO(buf.getvalue()))},
                        data={"graph": json.dumps(text_graph(10, 4)), "node": "pool"})
        assert r.status_code == 422 and "'pool' is a GlobalAveragePooling1D" in r.text
        r = client.post("/api/models/vectors", files={"file": ("m.npy", io.BytesIO(buf.getvalue()))},
                        data={"graph": json.dumps(text_graph(10, 4))})
        assert r.status_code == 422 and "node" in r.json()["detail"]


@pytest.mark.parametrize("limit_mb", [1])
def test_an_oversize_vectors_file_is_413(settings, limit_mb: int) -> None:
    settings.max_upload_mb = limit_mb
    with make_client(settings) as client:
        big = b"great " + b"0.5 " * 5 + b"\n"
        r = post_vectors(client, big * ((limit_mb << 20) // len(big) + 10), "big.txt", text_graph(10, 5))
        assert r.status_code == 413 and "upload limit" in r.text
        assert not [p for p in settings.uploads_dir.iterdir() if p.name.startswith(".incoming-")]


def corpus_model(client, text: str, window: int, **options: str) -> tuple[dict, dict]:
    """A .txt corpus and an imported run on it (an Embedding given by a .npy): a model to predict with."""
    r = client.post("/api/datasets", files={"file": ("corpus.txt", io.BytesIO(text.encode()))},
                    data={"kind": "corpus", "window": str(window), **options})
    assert r.status_code == 201, r.text
    ds = r.json()
    v = ds["target"]["num_classes"]
    graph = text_graph(v, 4)
    graph["nodes"][0]["params"]["shape"] = [window]
    graph["nodes"][-1]["params"]["units"] = v
    buf = io.BytesIO()
    np.save(buf, np.random.default_rng(0).normal(size=(v, 4)).astype(np.float32))
    r = post_vectors(client, buf.getvalue(), "m.npy", graph, dataset=ds["id"])
    assert r.status_code == 201, r.text
    return ds, r.json()["run"]


def test_texts_on_corpus_models_use_the_corpus_vocabulary(settings) -> None:
    from netcanvas.data.vocabularies import vocabulary_of

    with make_client(settings) as client:
        words = "the cat sat on the mat and the dog sat on the log " * 20
        ds, run = corpus_model(client, words, 4, unit="word")
        vocab = vocabulary_of(settings, ds["id"])
        texts = ["The cat sat on", "a dog", "the mat and the dog sat"]
        r = client.post(f"/api/runs/{run['id']}/predict", json={"inputs": texts})
        assert r.status_code == 200, r.text
        ids = pad_sequences([vocab.encode(t) for t in texts], 4)  # Keras's defaults: pad and cut at the front
        assert [t["ids"] for t in r.json()["tokens"]] == ids.tolist()
        assert r.json()["tokens"][1]["unknown"] == ["a"]
        same = client.post(f"/api/runs/{run['id']}/predict", json={"inputs": ids.tolist()})
        assert same.json()["outputs"] == r.json()["outputs"]

        chars, run = corpus_model(client, "abcabcabd " * 40, 5, unit="char")
        r = client.post(f"/api/runs/{run['id']}/predict", json={"inputs": ["abc"]})
        assert r.status_code == 422 and "no padding token, so give at least 5" in r.text
        r = client.post(f"/api/runs/{run['id']}/predict", json={"inputs": ["abcaz"]})
        assert r.status_code == 422 and "'z'" in r.text and "not in the vocabulary" in r.text
        r = client.post(f"/api/runs/{run['id']}/predict", json={"inputs": ["xabcab"]})  # the last 5 count
        assert r.status_code == 422  # 'x' is still unknown: refused, never silently dropped
        r = client.post(f"/api/runs/{run['id']}/predict", json={"inputs": ["dabcab"]})
        assert r.status_code == 200, r.text
        assert r.json()["tokens"][0]["words"] == list("abcab")
        r = post_vectors(client, glove_file({"a": [1.0] * 4}), "g.txt", text_graph(10, 4), dataset=chars["id"])
        assert r.status_code == 422 and "tokenised by characters" in r.text


def test_series_outputs_are_answered_in_original_units() -> None:
    from netcanvas.api.predict_io import finish_outputs
    from netcanvas.data.base import DatasetInfo, Sizes, TargetInfo

    info = DatasetInfo(id="s", name="s", kind="sequence", input_shape=[3, 1], target=TargetInfo(kind="values"),
                       sizes=Sizes(train=1, test=1), suggested_loss="mse",
                       extra={"series": {"scaling": {"y_scale": 10.0, "y_offset": 100.0}}})
    y = np.array([[0.5], [-1.0]], dtype=np.float32)
    np.testing.assert_allclose(finish_outputs(info, y), [[105.0], [90.0]])
    plain = info.model_copy(update={"extra": {}})
    assert finish_outputs(plain, y) is y and finish_outputs(None, y) is y


def test_predict_on_a_series_model_answers_what_the_forecast_plots(settings) -> None:
    """The same test windows through /predict and GET /forecast: both in original units (prices)."""
    t = np.arange(200)
    csv = "date,price\n" + "".join(f"{np.datetime64('2021-01-01') + i},{100 + 0.1 * i + 5 * np.sin(i / 3):.3f}\n"
                                   for i in t)
    with make_client(settings, trainer=REAL_TRAINER) as client:
        r = client.post("/api/datasets", files={"file": ("prices.csv", io.BytesIO(csv.encode()))},
                        data={"kind": "series", "window": "10"})
        assert r.status_code == 201, r.text
        info = r.json()
        graph = {"format": "netcanvas.graph/1", "name": "f",
                 "nodes": [{"id": "in", "type": "Input", "params": {"shape": [10, 1]}},
                           {"id": "flat", "type": "Flatten", "params": {}},
                           {"id": "out", "type": "Dense", "params": {"units": 1}}],
                 "edges": [{"source": "in", "target": "flat"}, {"source": "flat", "target": "out"}]}
        run = train(client, info, graph, loss="mean_squared_error", metrics=[], epochs=2, validation_split=0.0)
        x = client.app.state.datasets.load(info["id"]).test.x
        got = client.post(f"/api/runs/{run['id']}/predict", json={"inputs": np.asarray(x).tolist()})
        assert got.status_code == 200, got.text
        forecast = client.get(f"/api/runs/{run['id']}/forecast").json()
        predicted = np.ravel(got.json()["outputs"])
        np.testing.assert_allclose(predicted, forecast["predicted"], rtol=1e-5)
        assert 90 < predicted.mean() < 130  # prices, not the scaled 0..1
