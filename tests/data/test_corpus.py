""".txt corpora (data/corpus.py): Keras char-RNN windows, word tokens, the split in text order,
refusals that name the option, and the vocabulary of a set by id (data/vocabularies.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from netcanvas.config import Settings
from netcanvas.data import corpus, uploads
from netcanvas.data.errors import DataError
from netcanvas.data.options import parse_options
from netcanvas.data.registry import DatasetNotFound, DatasetRegistry
from netcanvas.data.vocabularies import NoVocabulary, vocabulary_of

SONNET = ("Shall I compare thee to a summer's day?\nThou art more lovely and more temperate:\n"
          "Rough winds do shake the darling buds of May,\nAnd summer's lease hath all too short a date;\n")


def upload(settings: Settings, tmp_path: Path, text: str | bytes, name: str = "sonnet.txt", **options: str):
    src = tmp_path / "incoming.txt"
    src.write_bytes(text.encode() if isinstance(text, str) else text)
    return uploads.create_from_file(settings, src, name, parse_options(options))


def keras_seed_windows(text: str, maxlen: int, step: int) -> tuple[list[str], list[str]]:
    """lstm_text_generation.py's own loop."""
    sentences, next_chars = [], []
    for i in range(0, len(text) - maxlen, step):
        sentences.append(text[i: i + maxlen])
        next_chars.append(text[i + maxlen])
    return sentences, next_chars


def test_a_txt_upload_is_a_char_corpus_windowed_like_the_keras_seed(settings, datasets, tmp_path):
    text = SONNET * 3
    info = upload(settings, tmp_path, text, window="12", step="3", test_split="0")
    assert info.kind == "text" and info.input_dtype == "int64" and info.input_shape == [12]
    assert info.extra["task"] == "next_token" and info.extra["window"] == 12
    assert info.suggested_loss == "sparse_categorical_crossentropy"
    chars = sorted(set(text))  # the seed's sorted(list(set(text)))
    assert info.target.kind == "classes" and info.target.num_classes == len(chars)
    ds = datasets.load(info.id)
    sentences, next_chars = keras_seed_windows(text, 12, 3)
    index = {c: i for i, c in enumerate(chars)}
    want_x = np.array([[index[c] for c in s] for s in sentences])
    want_y = np.array([index[c] for c in next_chars])
    assert ds.train.x.dtype == np.int64 and ds.train.y.dtype == np.int64
    np.testing.assert_array_equal(ds.train.x, want_x)
    np.testing.assert_array_equal(ds.train.y, want_y)
    vocab = vocabulary_of(settings, info.id)
    assert vocab.tokens == chars and vocab.unit == "char" and vocab.pad is None and vocab.oov is None
    meta = uploads.read_meta(settings, info.id)
    assert meta["file"]["kind"] == "corpus"
    assert meta["preview"]["rows"][0] == [sentences[0], next_chars[0]]


def test_one_hot_rows_and_a_per_step_target(settings, datasets, tmp_path):
    info = upload(settings, tmp_path, SONNET, window="8", step="5", encoding="one_hot", corpus_target="sequence",
                  test_split="0")
    v = info.target.num_classes
    assert info.kind == "sequence" and info.input_dtype == "float32" and info.input_shape == [8, v]
    assert info.extra["target_shape"] == [8] and info.target_specs()[0].shape == [8]
    ds = datasets.load(info.id)
    x, y = np.asarray(ds.train.x), np.asarray(ds.train.y)
    assert x.dtype == np.float32 and x.shape[1:] == (8, v) and np.all(x.sum(axis=2) == 1)
    ids = x.argmax(axis=2)
    chars = sorted(set(SONNET))
    assert "".join(chars[i] for i in ids[1]) == SONNET[5:13]
    assert y.shape == (len(x), 8)
    np.testing.assert_array_equal(y[:, :-1], ids[:, 1:])  # the window shifted by one
    assert chars[y[0, -1]] == SONNET[8]


def test_validation_and_test_are_the_end_of_the_text(settings, datasets, tmp_path):
    text = "".join(chr(ord("a") + i % 26) for i in range(1000))
    info = upload(settings, tmp_path, text, window="10", step="1", validation_split="0.1", test_split="0.2")
    ds = datasets.load(info.id)
    vocab = vocabulary_of(settings, info.id)
    # train: characters 0–699, validation 700–799, test 800–999; no window crosses a boundary
    assert len(ds.train) == 700 - 10 and len(ds.validation) == 100 - 10 and len(ds.test) == 200 - 10
    assert vocab.decode(ds.test.x[0]) == text[800:810] and vocab.tokens[ds.test.y[-1]] == text[-1]
    assert vocab.decode(ds.validation.x[0]) == text[700:710]
    assert vocab.tokens[ds.train.y[-1]] == text[699]
    assert "text order: validation = characters 700–800, test = characters 800–1,000" in info.description


def test_word_corpus_uses_keras_tokenizer_rules_and_the_most_frequent_words(settings, datasets, tmp_path):
    text = "The cat sat. The cat ran! A dog sat, the DOG ran.\n" * 4
    info = upload(settings, tmp_path, text, unit="word", window="3", step="1", vocab_size="5", test_split="0")
    vocab = vocabulary_of(settings, info.id)
    # 0 padding, 1 unknown, then the 3 most frequent words (ties: first seen)
    assert vocab.tokens == ["", "<oov>", "the", "cat", "sat"] and vocab.pad == 0 and vocab.oov == 1
    assert vocab.unit == "word" and vocab.lowercase
    ds = datasets.load(info.id)
    words = ["the", "cat", "sat", "the", "cat", "ran", "a", "dog", "sat", "the", "dog", "ran"] * 4
    index = {w: i for i, w in enumerate(vocab.tokens)}
    ids = [index.get(w, 1) for w in words]
    assert ds.train.x[0].tolist() == ids[:3] and int(ds.train.y[0]) == ids[3]
    assert len(ds.train) == len(words) - 3
    assert info.target.num_classes == 5 and info.target.class_names == vocab.tokens


def test_lowercase_option(settings, tmp_path):
    info = upload(settings, tmp_path, SONNET, window="10", lowercase="true")
    vocab = vocabulary_of(settings, info.id)
    assert "S" not in vocab.tokens and "s" in vocab.tokens and vocab.lowercase


def test_a_txt_table_is_still_a_csv_with_kind_csv(settings, tmp_path):
    info = upload(settings, tmp_path, "a,b,label\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(30)),
                  name="table.txt", kind="csv")
    assert info.kind == "table" and info.input_shape == [2]


@pytest.mark.parametrize(("text", "options", "words"), [
    ("just some words\n", {}, ["16 characters", "option window", "below 16"]),
    (SONNET, {"window": "5000"}, ["window 5000", "2000"]),
    (SONNET, {"window": "40", "test_split": "0.1"}, ["test_split 0.1", "raise test_split"]),
    (SONNET, {"window": "40", "validation_split": "0.5", "test_split": "0.49"}, ["validation_split", "training"]),
    ("caf\xe9 au lait ".encode("latin-1") * 20, {"window": "5"}, ["not UTF-8", "save the file as UTF-8"]),
    (b"\x00\x01binary" * 30, {"window": "5"}, ["NUL bytes", "not a text file"]),
    ("", {}, ["no characters"]),
])
def test_refusals_name_the_file_and_the_fix(settings, tmp_path, text, options, words):
    with pytest.raises(DataError) as err:
        upload(settings, tmp_path, text, name="notes.txt", **options)
    assert err.value.status == 422
    assert "notes.txt" in err.value.message
    for w in words:
        assert w in err.value.message
    assert uploads.list_ids(settings) == []  # nothing half-made is left


def test_limits_on_size_and_characters(settings, tmp_path, monkeypatch):
    monkeypatch.setattr(corpus, "MAX_BYTES", 100)
    with pytest.raises(DataError) as err:
        upload(settings, tmp_path, SONNET, window="5")
    assert err.value.status == 413 and "at most 100" in err.value.message
    monkeypatch.setattr(corpus, "MAX_BYTES", 1 << 20)
    monkeypatch.setattr(corpus, "MAX_CHAR_VOCAB", 10)
    with pytest.raises(DataError) as err:
        upload(settings, tmp_path, SONNET, window="5")
    assert err.value.status == 422 and "unit=word" in err.value.message
    monkeypatch.setattr(corpus, "MAX_CHAR_VOCAB", 10_000)
    monkeypatch.setattr(corpus, "MAX_X_BYTES", 1000)
    with pytest.raises(DataError) as err:
        upload(settings, tmp_path, SONNET, window="5", step="1", encoding="one_hot")
    assert err.value.status == 422 and "encoding=ids" in err.value.message and "option step" in err.value.message


def test_vocabulary_of_every_kind_of_set(settings, tmp_path):
    registry = DatasetRegistry(settings)
    csv = tmp_path / "reviews.csv"
    csv.write_text("text,label\n" + "".join(f"{'great fun' if i % 2 else 'dull slow'} film,{i % 2}\n"
                                            for i in range(20)))
    text_set = uploads.create_from_file(settings, csv, "reviews.csv", parse_options({"max_length": "5"}))
    vocab = vocabulary_of(settings, text_set.id, registry)
    assert vocab.unit == "word" and vocab.pad == 0 and vocab.oov == 1 and vocab.tokens[:2] == ["", "<oov>"]
    assert "film" in vocab.tokens and vocab.lowercase
    with pytest.raises(NoVocabulary, match=r"data set 'digits' has no vocabulary \(it is an image set\)"):
        vocabulary_of(settings, "digits", registry)
    with pytest.raises(DatasetNotFound):
        vocabulary_of(settings, "no-such-set", registry)
    with pytest.raises(DatasetNotFound, match="Unknown data set 'up-000000000000'"):
        vocabulary_of(settings, "up-000000000000", registry)  # an upload id the registry does not list
    with pytest.raises(DataError) as err:
        vocabulary_of(settings, "up-000000000000")  # without a registry: the upload folder is asked
    assert err.value.status == 404
    builtin = [i for i in registry.infos() if isinstance(i.extra.get("vocabulary"), dict)]
    for info in builtin:  # the built-in seq2seq task keeps its vocabulary in extra
        assert vocabulary_of(settings, info.id, registry).tokens == info.extra["vocabulary"]["tokens"]
