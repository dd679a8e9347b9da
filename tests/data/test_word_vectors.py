"""Word vectors for an Embedding: GloVe text streamed row by row into the vocabulary's order, .npy
checked by its header before any data is read (data/word_vectors.py)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from netcanvas.data.errors import DataError, FormatError, TooLarge
from netcanvas.data.word_vectors import Target, VectorLimits, kind_of, read_glove, read_npy, word_index

TOKENS = ["", "<oov>", "film", "great", "dull", "plot"]  # a text CSV's vocabulary.json: [pad, oov, words…]
GLOVE = {"great": [0.1, 0.2, 0.3, 0.4, 0.5], "film": [1.0, -1.0, 2.5, 0.0, 3.25], "zebra": [9, 9, 9, 9, 9],
         "plot": [-0.5, 0.5, -0.25, 0.25, 1e-3]}


def glove_bytes(vectors: dict[str, list[float]], header: str | None = None) -> bytes:
    lines = [header] if header else []
    lines += [w + " " + " ".join(repr(float(v)) for v in vec) for w, vec in vectors.items()]
    return ("\n".join(lines) + "\n").encode()


def index() -> dict[str, int]:
    return word_index(TOKENS, {0, 1})


def test_glove_rows_follow_the_vocabulary_and_missing_words_are_zeros() -> None:
    got = read_glove(io.BytesIO(glove_bytes(GLOVE)), "g.txt", index(), Target("emb", 8, 5))
    m = got.matrix
    assert m.shape == (8, 5) and m.dtype == np.float32
    for i, word in enumerate(TOKENS):
        want = np.asarray(GLOVE[word], dtype=np.float32) if word in GLOVE else np.zeros(5, np.float32)
        np.testing.assert_array_equal(m[i], want, err_msg=word)
    assert not m[6:].any()  # rows past the vocabulary (input_dim 8 > 6 tokens)
    assert (got.found, got.missed, got.missed_sample, got.vectors_read) == (3, 1, ["dull"], 4)


def test_glove_reads_a_fasttext_header_words_with_spaces_and_the_last_duplicate() -> None:
    data = glove_bytes({"great": [1] * 5}, header="3 5") + b"new york 1 2 3 4 5\ngreat 2 2 2 2 2\n"
    got = read_glove(io.BytesIO(data), "g.vec", index(), Target("emb", 6, 5))
    np.testing.assert_array_equal(got.matrix[3], [2] * 5)  # a dict, as Keras's example: the last one wins
    assert got.found == 1 and got.vectors_read == 3


def test_glove_dimension_mismatch_says_the_fix() -> None:
    with pytest.raises(DataError, match="the vectors have 5 dimensions but 'embedding_1' has output_dim 64: "
                                        "set output_dim to 5"):
        read_glove(io.BytesIO(glove_bytes(GLOVE)), "g.txt", index(), Target("embedding_1", 6, 64))


def test_glove_refuses_a_vocabulary_bigger_than_input_dim() -> None:
    with pytest.raises(DataError, match="vocabulary has 6 tokens but 'emb' has input_dim 4: set input_dim to 6"):
        read_glove(io.BytesIO(glove_bytes(GLOVE)), "g.txt", index(), Target("emb", 4, 5))


@pytest.mark.parametrize(("data", "error", "match"), [
    (b"great 1 2 3 4 5\nfilm 1 2 3\n", FormatError, "line 2 has 3 values after its word, the first vector had 5"),
    (b"great 1 2 x 4 5\n", FormatError, "line 1 .'great'. has a value that is not a number"),
    (b"great 1 2 nan 4 5\n", FormatError, "NaN or infinite"),
    (b"", FormatError, "has no vectors"),
    (b"great " + b"1 " * 40 + b"\n", TooLarge, "at most 16"),
    (b"great 1 2 3 4 5\nfilm " + b"1" * 300 + b"\n", TooLarge, "line 2 is longer than 200 bytes"),
])
def test_glove_refusals(data: bytes, error: type[Exception], match: str) -> None:
    limits = VectorLimits(max_dim=16, max_line_bytes=200)
    with pytest.raises(error, match=match):
        read_glove(io.BytesIO(data), "g.txt", index(), Target("emb", 6, 5), limits)


def test_glove_refuses_more_lines_than_the_limit() -> None:
    data = b"".join(f"w{i} 1 2 3 4 5\n".encode() for i in range(5))
    with pytest.raises(TooLarge, match="more than 3 vectors"):
        read_glove(io.BytesIO(data), "g.txt", index(), Target("emb", 6, 5), VectorLimits(max_lines=3))


def test_npy_matrix_is_read_as_float32(tmp_path: Path) -> None:
    m = np.arange(12, dtype=np.float64).reshape(4, 3) / 7
    np.save(tmp_path / "v.npy", m)
    assert kind_of(tmp_path / "v.npy", "v.npy") == "npy"
    got = read_npy(tmp_path / "v.npy", "v.npy", Target("emb", 4, 3))
    np.testing.assert_array_equal(got.matrix, m.astype(np.float32))
    assert got.matrix.dtype == np.float32 and got.format == "npy"


@pytest.mark.parametrize(("array", "target", "match"), [
    (np.zeros((4, 3)), Target("emb", 4, 8), "the vectors have 3 dimensions but 'emb' has output_dim 8: set output_dim to 3"),
    (np.zeros((5, 3)), Target("emb", 4, 3), "the matrix has 5 rows but 'emb' has input_dim 4: set input_dim to 5"),
    (np.zeros((4, 3, 1)), Target("emb", 4, 3), "2-D matrix"),
    (np.array([[{"a": 1}]], dtype=object), Target("emb", 1, 1), "never unpickled"),
    (np.array([["a", "b"]]), Target("emb", 1, 2), "must be numbers"),
    (np.full((2, 2), np.inf), Target("emb", 2, 2), "row 0 has a NaN or infinite value"),
])
def test_npy_refusals(tmp_path: Path, array: np.ndarray, target: Target, match: str) -> None:
    np.save(tmp_path / "v.npy", array, allow_pickle=True)
    with pytest.raises(DataError, match=match):
        read_npy(tmp_path / "v.npy", "v.npy", target)


def test_npy_oversize_header_is_refused_before_reading(tmp_path: Path) -> None:
    np.save(tmp_path / "v.npy", np.zeros((50, 3), np.float32))
    with pytest.raises(TooLarge, match="at most 10 rows"):
        read_npy(tmp_path / "v.npy", "v.npy", Target("emb", 50, 3), VectorLimits(max_rows=10))
    data = (tmp_path / "v.npy").read_bytes()
    (tmp_path / "cut.npy").write_bytes(data[:-100])
    with pytest.raises(FormatError, match="truncated"):
        read_npy(tmp_path / "cut.npy", "cut.npy", Target("emb", 50, 3))


def test_a_file_named_npy_that_is_not_one_is_refused(tmp_path: Path) -> None:
    (tmp_path / "v.npy").write_bytes(b"great 1 2 3\n")
    with pytest.raises(FormatError, match="not a NumPy array file"):
        kind_of(tmp_path / "v.npy", "v.npy")
    assert kind_of(tmp_path / "v.npy", "glove.6B.50d.txt") == "glove"


def test_the_matrix_is_the_one_keras_pretrained_word_embeddings_example_builds() -> None:
    """keras-io examples/nlp/pretrained_word_embeddings.py, its loop as written there."""
    data = glove_bytes({**GLOVE, "great": [5, 4, 3, 2, 1]})  # and a duplicate: its dict keeps the last
    data = glove_bytes(GLOVE) + data
    embeddings_index = {}
    for line in io.StringIO(data.decode()):
        word, coefs = line.split(maxsplit=1)
        embeddings_index[word] = np.array(coefs.split(), dtype="f")  # np.fromstring(coefs, "f", sep=" ")
    voc = TOKENS
    word_index_ = dict(zip(voc, range(len(voc)), strict=True))
    num_tokens, embedding_dim = len(voc) + 2, 5
    embedding_matrix = np.zeros((num_tokens, embedding_dim))
    for word, i in word_index_.items():
        embedding_vector = embeddings_index.get(word)
        if embedding_vector is not None:
            embedding_matrix[i] = embedding_vector
    got = read_glove(io.BytesIO(data), "g.txt", index(), Target("emb", num_tokens, embedding_dim))
    np.testing.assert_array_equal(got.matrix, embedding_matrix.astype(np.float32))
