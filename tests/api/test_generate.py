"""A char-LSTM trained on an uploaded .txt generates text: POST /api/runs/{id}/generate (greedy,
temperature, top-k, streamed) and GET /api/datasets/{id}/vocabulary, with the refusals they give."""

from __future__ import annotations

import json
from itertools import pairwise

import numpy as np
import pytest
from api_factories import make_client, mlp_graph, run_request, wait_status

from netcanvas.training.generate import pick

REAL_TRAINER = "netcanvas.training.engine:run_training"
TEXT = ("shall i compare thee to a summer's day? thou art more lovely and more temperate. "
        "rough winds do shake the darling buds of may, and summer's lease hath all too short a date. ") * 12


def char_lstm(vocab_size: int, window: int) -> dict:
    nodes = [
        {"id": "in", "type": "Input", "params": {"shape": [window], "dtype": "int64"}},
        {"id": "emb", "type": "Embedding", "params": {"input_dim": vocab_size, "output_dim": 16}},
        {"id": "lstm", "type": "LSTM", "params": {"units": 32}},
        {"id": "out", "type": "Dense", "params": {"units": vocab_size, "activation": "softmax"}},
    ]
    edges = [{"source": a["id"], "target": b["id"]} for a, b in pairwise(nodes)]
    return {"format": "netcanvas.graph/1", "name": "char-rnn", "nodes": nodes, "edges": edges}


def encoder_decoder() -> dict:
    """The canvas's Encoder–decoder template (Keras's seq2seq: the encoder's h and c start the decoder)."""
    nodes = [
        {"id": "encoder_input", "type": "Input", "params": {"shape": [8, 29]}},
        {"id": "encoder", "type": "LSTM", "params": {"units": 32, "return_state": True}},
        {"id": "decoder_input", "type": "Input", "params": {"shape": [9, 29]}},
        {"id": "decoder", "type": "LSTM", "params": {"units": 32, "return_sequences": True}},
        {"id": "decoder_dense", "type": "Dense", "params": {"units": 29, "activation": "softmax"}},
    ]
    edges = [{"source": "encoder_input", "target": "encoder"}, {"source": "decoder_input", "target": "decoder"},
             {"source": "encoder", "target": "decoder", "source_port": 1, "target_port": 1},
             {"source": "encoder", "target": "decoder", "source_port": 2, "target_port": 2},
             {"source": "decoder", "target": "decoder_dense"}]
    return {"format": "netcanvas.graph/1", "name": "seq2seq", "nodes": nodes, "edges": edges}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One client, a corpus, a char-LSTM trained on it and an image model (trained once for the module)."""
    from netcanvas.config import Settings

    root = tmp_path_factory.mktemp("generate")
    settings = Settings(data_dir=root / "store", frontend_dist=root / "no-frontend", max_concurrent_runs=2)
    with make_client(settings, trainer=REAL_TRAINER) as client:
        r = client.post("/api/datasets", files={"file": ("sonnet.txt", TEXT.encode(), "text/plain")},
                        data={"window": "10", "step": "2", "validation_split": "0.1"})
        assert r.status_code == 201, r.text
        ds = r.json()
        size = ds["target"]["num_classes"]
        body = run_request(char_lstm(size, 10), dataset=ds["id"], epochs=2, batch_size=32,
                           optimizer={"type": "adam", "learning_rate": 0.01})
        run = client.post("/api/runs", json=body).json()
        image = client.post("/api/runs", json=run_request(mlp_graph(), epochs=1)).json()
        seq2seq = client.post("/api/runs", json=run_request(encoder_decoder(), dataset="seq2seq_reverse", epochs=1))
        assert seq2seq.status_code == 201, seq2seq.text
        run = wait_status(client, run["id"], {"succeeded", "failed"}, timeout=180)
        assert run["status"] == "succeeded", run["error"]
        image = wait_status(client, image["id"], {"succeeded", "failed"}, timeout=180)
        assert image["status"] == "succeeded", image["error"]
        seq = wait_status(client, seq2seq.json()["id"], {"succeeded", "failed"}, timeout=180)
        assert seq["status"] == "succeeded", seq["error"]
        yield {"client": client, "settings": settings, "dataset": ds, "run": run["id"], "image_run": image["id"],
               "seq2seq_run": seq["id"]}


def gen(client, run_id: str, **body):
    return client.post(f"/api/runs/{run_id}/generate", json={"seed": "shall i ", "length": 40, **body})


def test_the_vocabulary_endpoint(trained):
    client, ds = trained["client"], trained["dataset"]
    v = client.get(f"/api/datasets/{ds['id']}/vocabulary").json()
    assert v["unit"] == "char" and v["tokens"] == sorted(set(TEXT)) and v["size"] == len(v["tokens"])
    assert v["pad"] is None and v["oov"] is None and v["start"] is None and v["end"] is None
    assert v["lowercase"] is False
    r = client.get("/api/datasets/digits/vocabulary")
    assert r.status_code == 422 and r.json()["detail"] == "data set 'digits' has no vocabulary (it is an image set)."
    assert client.get("/api/datasets/no-such-set/vocabulary").status_code == 404
    assert client.get("/api/datasets/up-000000000000/vocabulary").status_code == 404


def test_preview_and_samples_read_windows_back_as_text(trained):
    client, ds = trained["client"], trained["dataset"]
    samples = client.get(f"/api/datasets/{ds['id']}/samples?split=train&count=3").json()
    assert samples["texts"][0] == TEXT[:10] and samples["texts"][1] == TEXT[2:12]
    assert samples["labels"][0] == TEXT[10]  # class names are the characters
    preview = client.get(f"/api/datasets/{ds['id']}/preview?count=2")
    assert preview.status_code == 200, preview.text
    assert preview.json()["samples"][0]["text"] == TEXT[:10]
    assert preview.json()["raw"]["rows"][0] == [TEXT[:10], TEXT[10]]


def test_greedy_generation_is_deterministic_and_from_the_vocabulary(trained):
    client, run = trained["client"], trained["run"]
    r = gen(client, run, temperature=0)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["mode"] == "next_token" and len(out["tokens"]) == 40 and out["text"] == "".join(out["tokens"])
    assert all(len(t) == 1 and t in TEXT for t in out["tokens"])
    assert gen(client, run, temperature=0).json() == out
    # a seed longer than the window: only its last 10 characters count
    longer = gen(client, run, seed="rough winds shall i ", temperature=0).json()["text"]
    assert longer == gen(client, run, seed="s shall i ", temperature=0).json()["text"]


def test_sampling_is_reproducible_with_a_random_seed(trained):
    client, run = trained["client"], trained["run"]
    a = gen(client, run, temperature=1.0, top_k=5, random_seed=7, length=120).json()
    b = gen(client, run, temperature=1.0, top_k=5, random_seed=7, length=120).json()
    c = gen(client, run, temperature=1.0, top_k=5, random_seed=8, length=120).json()
    assert a == b and len(a["tokens"]) == 120
    assert a["text"] != c["text"]  # 120 draws from a 2-epoch model: another seed, another text
    greedy = gen(client, run, temperature=0, length=120).json()
    assert gen(client, run, temperature=0.7, top_k=1, random_seed=3, length=120).json()["text"] == greedy["text"]


def test_streaming_answers_ndjson_lines(trained):
    client, run = trained["client"], trained["run"]
    with client.stream("POST", f"/api/runs/{run}/generate",
                       json={"seed": "thou art ", "length": 25, "temperature": 0, "stream": True}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
        lines = [json.loads(line) for line in r.iter_lines() if line]
    assert len(lines) == 26 and all(set(x) == {"token"} for x in lines[:-1])
    assert lines[-1] == {"done": True, "text": "".join(x["token"] for x in lines[:-1]), "mode": "next_token"}
    same = gen(client, run, seed="thou art ", length=25, temperature=0).json()
    assert lines[-1]["text"] == same["text"]


def test_a_seq2seq_model_decodes_the_seed(trained):
    client, run = trained["client"], trained["seq2seq_run"]
    out = gen(client, run, seed="abc", length=9)
    assert out.status_code == 200, out.text
    out = out.json()
    assert out["mode"] == "seq2seq" and len(out["tokens"]) <= 9  # 1 epoch: may end at once and out["text"] == "".join(out["tokens"])
    assert all(t in "abcdefghijklmnopqrstuvwxyz" for t in out["tokens"])
    beam = gen(client, run, seed="abc", length=9, beam_width=3)
    assert beam.status_code == 200 and beam.json()["mode"] == "seq2seq"
    with client.stream("POST", f"/api/runs/{run}/generate", json={"seed": "abc", "length": 9, "stream": True}) as r:
        lines = [json.loads(line) for line in r.iter_lines() if line]
    assert lines[-1] == {"done": True, "text": out["text"], "mode": "seq2seq"}
    bad = gen(client, run, seed="ab1")
    assert bad.status_code == 422 and "'1'" in bad.json()["detail"]


@pytest.mark.parametrize(("body", "words"), [
    ({"seed": "Shall I, Zeus"}, ["'S', 'I', 'Z'", "not in the vocabulary"]),
    ({"length": 0}, ["length", "2000"]),
    ({"length": 5000}, ["length", "2000"]),
    ({"temperature": -1}, ["temperature", "0 (greedy)"]),
    ({"top_k": -2}, ["top_k"]),
    ({"seed": ""}, ["seed", "empty"]),
    ({"beam_width": 3}, ["beam_width", "seq2seq"]),
])
def test_bad_requests_are_422_with_a_sentence(trained, body, words):
    r = gen(trained["client"], trained["run"], **body)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert isinstance(detail, str)
    for w in words:
        assert w in detail


def test_an_image_model_and_a_run_without_a_model_are_refused(trained):
    client = trained["client"]
    r = gen(client, trained["image_run"])
    assert r.status_code == 422
    assert r.json()["detail"] == (f"generate needs a model trained on text or a corpus; run '{trained['image_run']}' "
                                  "was trained on 'digits' (image).")
    (trained["settings"].runs_dir / trained["image_run"] / "model.pt").unlink()
    r = gen(client, trained["image_run"])
    assert r.status_code == 409 and "no trained model" in r.json()["detail"]
    assert gen(client, "no-such-run").status_code == 404


def test_pick_is_the_keras_seed_sample_with_top_k():
    p = np.array([0.5, 0.3, 0.15, 0.05])
    assert pick(p, 0, 0, np.random.default_rng(0)) == 0
    assert pick(p, 0, 0, np.random.default_rng(0), banned=(0,)) == 1
    # the seed's sample(): exp(log(p) / T), renormalised — drawn often, the frequencies match it
    t = 0.5
    keras = np.exp(np.log(p) / t) / np.exp(np.log(p) / t).sum()
    rng = np.random.default_rng(1)
    counts = np.bincount([pick(p, t, 0, rng) for _ in range(20_000)], minlength=4) / 20_000
    np.testing.assert_allclose(counts, keras, atol=0.015)
    rng = np.random.default_rng(2)
    top2 = {pick(p, 1.0, 2, rng) for _ in range(500)}
    assert top2 == {0, 1}


def bundle_of(nodes: list[dict]):
    """An untrained model of a chain of nodes, as a Bundle (random weights: enough to test the loop)."""
    import torch

    from netcanvas.graph.compile import compile_graph
    from netcanvas.graph.schema import Graph
    from netcanvas.training.bundle import Bundle, InputSpec

    torch.manual_seed(0)
    edges = [{"source": a["id"], "target": b["id"]} for a, b in pairwise(nodes)]
    graph = Graph.model_validate({"format": "netcanvas.graph/1", "name": "g", "nodes": nodes, "edges": edges})
    out = nodes[-1]["id"]
    module = compile_graph(graph).eval()
    params = nodes[0]["params"]
    return Bundle(module=module, graph=graph, settings=None,
                  inputs=[InputSpec("in", params["shape"], params.get("dtype", "float32"))], outputs=[out],
                  output_activations=[None], linear_outputs=[])


CHARS = sorted(set("abcde "))


def test_one_hot_input_and_a_per_step_output_generate_from_the_last_step():
    from netcanvas.data.vocabulary import Vocabulary
    from netcanvas.training.generate import generate

    v = len(CHARS)
    vocab = Vocabulary(tokens=CHARS, unit="char", pad=None, oov=None)
    bundle = bundle_of([
        {"id": "in", "type": "Input", "params": {"shape": [6, v]}},
        {"id": "lstm", "type": "LSTM", "params": {"units": 8, "return_sequences": True}},
        {"id": "out", "type": "Dense", "params": {"units": v, "activation": "softmax"}},
    ])
    tokens = list(generate(bundle, vocab, "ab", length=30, temperature=0.9, random_seed=1))
    assert len(tokens) == 30 and set(tokens) <= set(CHARS)
    assert tokens == list(generate(bundle, vocab, "ab", length=30, temperature=0.9, random_seed=1))
    with pytest.raises(ValueError, match="'x' not in the vocabulary"):
        generate(bundle, vocab, "abx", length=3)
    wrong = Vocabulary(tokens=[*CHARS, "f"], unit="char", pad=None, oov=None)
    with pytest.raises(ValueError, match="reads 6 features per step but the vocabulary has 7"):
        generate(bundle, wrong, "ab", length=3)


def test_a_variable_length_input_logits_and_a_classifier_head():
    from netcanvas.data.vocabulary import Vocabulary
    from netcanvas.training.generate import generate

    v = len(CHARS)
    vocab = Vocabulary(tokens=CHARS, unit="char", pad=None, oov=None)
    chain = [
        {"id": "in", "type": "Input", "params": {"shape": [None], "dtype": "int64"}},
        {"id": "emb", "type": "Embedding", "params": {"input_dim": v, "output_dim": 4}},
        {"id": "lstm", "type": "LSTM", "params": {"units": 8}},
    ]
    logits = bundle_of([*chain, {"id": "out", "type": "Dense", "params": {"units": v}}])
    assert len(list(generate(logits, vocab, "a", length=12, temperature=0))) == 12
    classifier = bundle_of([*chain, {"id": "out", "type": "Dense", "params": {"units": 2, "activation": "softmax"}}])
    with pytest.raises(ValueError, match="needs 6 probabilities"):
        generate(classifier, vocab, "abc", length=5)


def test_word_models_pad_a_short_seed_never_draw_padding_and_join_with_spaces():
    from netcanvas.data.vocabulary import Vocabulary
    from netcanvas.training.generate import generate, join

    vocab = Vocabulary(tokens=["", "<oov>", "the", "cat", "sat"], unit="word", pad=0, oov=1, lowercase=True)
    bundle = bundle_of([
        {"id": "in", "type": "Input", "params": {"shape": [5], "dtype": "int64"}},
        {"id": "emb", "type": "Embedding", "params": {"input_dim": 5, "output_dim": 4}},
        {"id": "lstm", "type": "LSTM", "params": {"units": 8}},
        {"id": "out", "type": "Dense", "params": {"units": 5, "activation": "softmax"}},
    ])
    tokens = list(generate(bundle, vocab, "The DOG", length=200, temperature=3.0, random_seed=0))
    assert "" not in tokens and set(tokens) <= {"<oov>", "the", "cat", "sat"} and len(set(tokens)) > 2
    assert join(vocab, tokens) == " ".join(tokens)
