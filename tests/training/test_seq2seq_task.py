"""The built-in seq2seq task end to end: the Encoder–decoder template (the seeds' lstm_seq2seq)
trains on "Reverse a word" with the real trainer, decodes typed words through the derived encoder
and decoder-step graphs (greedy and beam search), and exports to an .h5 that Keras loads with the
same predictions. Trained once per module (about 10 s on one slow core)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from training_factories import Recorder, mlp

from netcanvas.data import builtin
from netcanvas.data.seq2seq import (
    DECODER_INPUT,
    ENCODER_INPUT,
    N_TEST,
    N_TRAIN,
    OUTPUT,
    SEED,
    TASK_ID,
    VOCABULARY,
    _words,
    arrays,
    one_hot,
    source_ids,
)
from netcanvas.data.vocabulary import Vocabulary
from netcanvas.export import artifacts
from netcanvas.graph.compile import compile_graph
from netcanvas.graph.schema import Graph
from netcanvas.training.bundle import Bundle, InputSpec, load_bundle, predict
from netcanvas.training.engine import run_training
from netcanvas.training.seq2seq_decode import _beam, decode, derive, find_link, is_seq2seq
from netcanvas.training.settings import TrainSettings

pytestmark = [pytest.mark.slow,
              pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")]

TEMPLATES_TS = Path(__file__).resolve().parents[2] / "frontend" / "src" / "graph" / "templates.ts"
V = len(VOCABULARY)


def template_graph() -> Graph:
    """The canvas's Encoder–decoder template (frontend/src/graph/templates.ts), in the JSON format."""
    return Graph.model_validate({
        "format": "netcanvas.graph/1", "name": "encoder-decoder",
        "nodes": [
            {"id": ENCODER_INPUT, "type": "Input", "params": {"shape": [8, V]}},
            {"id": "encoder", "type": "LSTM", "params": {"units": 128, "return_state": True}},
            {"id": DECODER_INPUT, "type": "Input", "params": {"shape": [9, V]}},
            {"id": "decoder", "type": "LSTM", "params": {"units": 128, "return_sequences": True}},
            {"id": OUTPUT, "type": "Dense", "params": {"units": V, "activation": "softmax"}},
        ],
        "edges": [
            {"source": ENCODER_INPUT, "target": "encoder"},
            {"source": DECODER_INPUT, "target": "decoder"},
            {"source": "encoder", "source_port": 1, "target": "decoder", "target_port": 1},
            {"source": "encoder", "source_port": 2, "target": "decoder", "target_port": 2},
            {"source": "decoder", "target": OUTPUT},
        ],
    })


def _ts_template(template_id: str) -> Graph:
    """A template of templates.ts read back: its node specs and wires as a graph."""
    text = TEMPLATES_TS.read_text(encoding="utf-8")
    start = text.index(f'id: "{template_id}"')
    entry = text[start:text.index("\n  },\n", start)]
    nodes = [{"id": i, "type": t, "params": json.loads(re.sub(r"(\w+):", r'"\1":', p))}
             for i, t, p in re.findall(r'\["(\w+)", "(\w+)", (\{.*?\})\]', entry)]
    edges = [{"source": a, "target": b} for a, b in re.findall(r'"(\w+)>(\w+)"', entry)]
    edges += [{"source": a, "target": b, "target_port": int(tp), "source_port": int(sp)}
              for a, b, tp, sp in re.findall(r'\["(\w+)", "(\w+)", (\d+), (\d+)\]', entry)]
    name = re.search(r'graph\(\s*"([^"]+)"', entry)
    return Graph.model_validate({"name": name.group(1) if name else "", "nodes": nodes, "edges": edges})


def _edges(g: Graph) -> set[tuple]:
    return {(e.source, e.source_port, e.target, e.target_port) for e in g.edges}


def test_the_canvas_template_is_this_graph():
    ts = _ts_template("seq2seq")
    want = template_graph()
    assert [(n.id, n.type, n.params) for n in ts.nodes] == [(n.id, n.type, n.params) for n in want.nodes]
    assert _edges(ts) == _edges(want)


def test_the_task_is_the_seeds_set_up():
    info = builtin.BUILTIN[TASK_ID].info()
    ds = builtin.BUILTIN[TASK_ID].load()
    assert info.extra["task"] == "seq2seq" and info.kind == "sequence"
    assert [s.name for s in info.input_specs()] == [ENCODER_INPUT, DECODER_INPUT]
    assert [s.name for s in info.target_specs()] == [OUTPUT]
    assert Vocabulary.from_json(info.extra["vocabulary"]) == VOCABULARY
    enc, dec = ds.train.x
    assert enc.shape == (N_TRAIN, 8, V) and dec.shape == (N_TRAIN, 9, V) and ds.train.y.shape == (N_TRAIN, 9)
    assert len(ds.test) == N_TEST and ds.train.y.dtype == np.int64
    first = _words(np.random.default_rng(SEED), N_TRAIN)[0]
    text = "".join(VOCABULARY.tokens[i] for i in enc[0].argmax(-1))
    assert text == first  # padding ("" id 0) after the word
    assert "".join(VOCABULARY.tokens[i] for i in dec[0].argmax(-1)) == "\t" + first[::-1]
    assert [VOCABULARY.tokens[i] for i in ds.train.y[0][:len(first) + 1]] == [*first[::-1], "\n"]
    # teacher forcing: the decoder reads at t what the target was at t-1 (the end token, after which
    # nothing is decoded, as padding)
    shifted = np.where(ds.train.y == VOCABULARY.end, VOCABULARY.pad, ds.train.y)[:, :-1]
    np.testing.assert_array_equal(dec[:, 1:].argmax(-1), shifted)
    words = set(_words(np.random.default_rng(SEED), N_TRAIN + N_TEST))
    assert len(words) == N_TRAIN + N_TEST  # distinct: no test word is a training word


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[Path, Recorder]:
    """The template trained as the seeds do (rmsprop, categorical_crossentropy), 30 epochs."""
    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("seq2seq_run")
    settings = TrainSettings(dataset=TASK_ID, loss="categorical_crossentropy", metrics=["accuracy"],
                             optimizer={"type": "rmsprop", "learning_rate": 0.01}, epochs=30, batch_size=64,
                             validation_split=0.2, device="cpu", seed=0)
    rec = Recorder()
    outcome = run_training(template_graph(), settings, rec, lambda: False, out,
                           dataset=builtin.BUILTIN[TASK_ID].load())
    assert outcome == "succeeded"
    return out, rec


@pytest.fixture(scope="module")
def bundle(trained) -> Bundle:
    return load_bundle(trained[0] / "model.pt")


def test_template_trains_to_a_per_step_accuracy(trained):
    _, rec = trained
    last = rec.epochs[-1]
    # measured: val_accuracy 0.98, test 0.98 (per time step, padding steps included, as Keras counts)
    assert last["val_accuracy"] >= 0.95
    assert rec.epochs[0]["val_accuracy"] < 0.6  # it learned it: the first epoch is far off
    test = rec.of("result")[0].test_metrics
    assert test["accuracy"] >= 0.95


def test_decoder_steps_equal_the_trained_graph_under_teacher_forcing(bundle):
    model = derive(bundle)
    assert derive(bundle) is model  # cached per bundle
    (enc, dec), _ = arrays(_words(np.random.default_rng(SEED), 64))
    full = predict(bundle, [enc, dec])  # (64, 9, V) probabilities
    states = model.encode(torch.from_numpy(enc))
    assert [tuple(s.shape) for s in states] == [(64, 128), (64, 128)]
    for t in range(dec.shape[1]):
        raw, states = model.raw_step(torch.from_numpy(dec[:, t:t + 1]), states)
        assert float(np.abs(model.predicted(raw).numpy() - full[:, t]).max()) <= 1e-5


def _rate(bundle: Bundle, words: list[str], width: int) -> float:
    right = sum("".join(decode(bundle, VOCABULARY, w, max_length=20, beam_width=width)) == w[::-1] for w in words)
    return right / len(words)


def test_decode_reverses_words(bundle):
    words = _words(np.random.default_rng(SEED), N_TRAIN + N_TEST)
    train, test = words[:200], words[N_TRAIN:N_TRAIN + 200]
    greedy = _rate(bundle, train, 1)
    beam = _rate(bundle, train, 3)
    # measured: training words 0.96 greedy and beam 3, unseen words 0.86 / 0.87
    assert greedy >= 0.85
    assert beam >= greedy
    assert _rate(bundle, test, 1) >= 0.7
    assert is_seq2seq(bundle)
    # typed text: lower-cased as the vocabulary says, tokens one by one as the greedy loop picks them
    tokens = decode(bundle, VOCABULARY, "Abc", max_length=20)
    assert next(tokens) == "c"
    assert "".join(decode(bundle, VOCABULARY, "Abc", max_length=2)) == "cb"  # max_length stops it


@pytest.mark.parametrize("source, max_length, width, message", [
    ("ab1c", 10, 1, "'1', not in the model's vocabulary"),
    ("abcdefghi", 10, 1, "at most 8"),
    ("", 10, 1, "empty"),
    ("abc", 0, 1, "max_length"),
    ("abc", 10, 0, "beam_width"),
    ("abc", 10, 17, "beam_width"),
])
def test_decode_errors_name_the_fix(bundle, source, max_length, width, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        decode(bundle, VOCABULARY, source, max_length=max_length, beam_width=width)  # raised before iterating


def test_decode_needs_a_start_token(bundle):
    no_start = Vocabulary(tokens=list(VOCABULARY.tokens), unit="char", pad=0, oov=None, end=2)
    with pytest.raises(ValueError, match="no start token"):
        decode(bundle, no_start, "abc", max_length=5)


def test_a_beam_of_one_is_greedy(bundle):
    model = derive(bundle)
    for word in _words(np.random.default_rng(SEED + 2), 20):
        ids = source_ids(VOCABULARY, [word], 8)
        states = model.encode(torch.from_numpy(one_hot(ids, V)))
        beam = list(_beam(model, VOCABULARY, states, 1, {0, 2}, 20, 1))
        assert beam == list(decode(bundle, VOCABULARY, word, max_length=20))


def _bundle_of(graph: Graph) -> Bundle:
    module = compile_graph(graph).eval()
    inputs = [InputSpec(n.id, list(n.params["shape"]), n.params.get("dtype", "float32"))
              for n in graph.nodes if n.type == "Input"]
    return Bundle(module=module, graph=graph, settings=None, inputs=inputs, outputs=[graph.nodes[-1].id],
                  output_activations=[None], linear_outputs=[])


def test_a_model_that_is_not_an_encoder_decoder_is_refused():
    plain = _bundle_of(mlp())
    assert not is_seq2seq(plain)
    with pytest.raises(ValueError, match="not an encoder–decoder"):
        decode(plain, VOCABULARY, "abc", max_length=5)


def test_a_decoder_followed_by_a_recurrent_layer_cannot_step():
    g = template_graph().model_dump()
    g["nodes"].insert(4, {"id": "again", "type": "GRU", "params": {"units": 8, "return_sequences": True}})
    g["edges"] = [e for e in g["edges"] if e["target"] != OUTPUT]
    g["edges"] += [{"source": "decoder", "target": "again"}, {"source": "again", "target": OUTPUT}]
    graph = Graph.model_validate(g)
    with pytest.raises(ValueError, match="'again' \\(GRU\\) mixes time steps"):
        find_link(graph)
    assert not is_seq2seq(_bundle_of(graph))


def test_token_id_inputs_with_embeddings_and_a_gru_step_exactly():
    """Not only the template: token ids through Embeddings (the encoder's masked), GRUs, one state."""
    torch.manual_seed(0)
    graph = Graph.model_validate({"name": "ids", "nodes": [
        {"id": "src", "type": "Input", "params": {"shape": [8], "dtype": "int64"}},
        {"id": "src_emb", "type": "Embedding", "params": {"input_dim": V, "output_dim": 6, "mask_zero": True}},
        {"id": "enc", "type": "GRU", "params": {"units": 5, "return_state": True}},
        {"id": "tgt", "type": "Input", "params": {"shape": [9], "dtype": "int64"}},
        {"id": "tgt_emb", "type": "Embedding", "params": {"input_dim": V, "output_dim": 6}},
        {"id": "dec", "type": "GRU", "params": {"units": 5, "return_sequences": True}},
        {"id": "drop", "type": "Dropout", "params": {"rate": 0.3}},
        {"id": "out", "type": "Dense", "params": {"units": V, "activation": "softmax"}},
    ], "edges": [
        {"source": "src", "target": "src_emb"}, {"source": "src_emb", "target": "enc"},
        {"source": "tgt", "target": "tgt_emb"}, {"source": "tgt_emb", "target": "dec"},
        {"source": "enc", "source_port": 1, "target": "dec", "target_port": 1},
        {"source": "dec", "target": "drop"}, {"source": "drop", "target": "out"},
    ]})
    b = _bundle_of(graph)
    assert is_seq2seq(b)
    (enc, dec), _ = arrays(_words(np.random.default_rng(SEED), 16))
    src, tgt = enc.argmax(-1), dec.argmax(-1)
    full = predict(b, [src, tgt])
    model = derive(b)
    states = model.encode(torch.from_numpy(src))
    for t in range(tgt.shape[1]):
        raw, states = model.raw_step(torch.from_numpy(tgt[:, t:t + 1]), states)
        assert float(np.abs(model.predicted(raw).numpy() - full[:, t]).max()) <= 1e-5
    assert len(list(decode(b, VOCABULARY, "abc", max_length=4, beam_width=2))) <= 4


def test_h5_export_loads_in_keras_with_the_same_predictions(keras, trained, bundle):
    path = artifacts.render(trained[0], "model.h5")
    km = keras.models.load_model(path)
    assert [tuple(i.shape[1:]) for i in km.inputs] == [(8, V), (9, V)]
    (enc, dec), _ = arrays(_words(np.random.default_rng(SEED + 1), 32))
    want = predict(bundle, [enc, dec])
    got = km([enc, dec], training=False).detach().cpu().numpy()
    assert float(np.abs(got - want).max()) <= 1e-4
