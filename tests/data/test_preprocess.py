"""Keras-style preparation: to_categorical, pad_sequences, the tokenizer, seeded splits, scaling,
and the on-device augmenter."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from netcanvas.data.errors import DataError
from netcanvas.data.preprocess import (
    AugmentOptions,
    ImageAugment,
    Scaler,
    build_vocabulary,
    pad_sequences,
    split_indices,
    texts_to_ids,
    to_categorical,
    tokenize,
)


def test_to_categorical() -> None:
    np.testing.assert_array_equal(to_categorical(np.array([0, 2, 1]), 3), np.eye(3, dtype=np.float32)[[0, 2, 1]])


def test_pad_sequences_like_keras() -> None:
    seqs = [[1, 2, 3], [4], [5, 6, 7, 8, 9]]
    np.testing.assert_array_equal(pad_sequences(seqs, 4), [[0, 1, 2, 3], [0, 0, 0, 4], [6, 7, 8, 9]])
    np.testing.assert_array_equal(
        pad_sequences(seqs, 4, padding="post", truncating="post"), [[1, 2, 3, 0], [4, 0, 0, 0], [5, 6, 7, 8]])
    assert pad_sequences([[]], 2).tolist() == [[0, 0]]


@given(st.lists(st.lists(st.integers(1, 50), max_size=12), min_size=1, max_size=8), st.integers(1, 10))
@settings(max_examples=50, deadline=None)
def test_pad_sequences_keeps_the_last_tokens(seqs: list[list[int]], maxlen: int) -> None:
    out = pad_sequences(seqs, maxlen)
    assert out.shape == (len(seqs), maxlen) and out.dtype == np.int64
    for row, s in zip(out, seqs):
        kept = s[-maxlen:]
        assert row[maxlen - len(kept):].tolist() == kept and not row[: maxlen - len(kept)].any()


def test_tokenizer_and_vocabulary() -> None:
    assert tokenize("Hello, World! It's 2 o'clock.") == ["hello", "world", "it's", "2", "o'clock"]
    vocab = build_vocabulary(["the cat sat", "the dog", "the cat"], num_words=4)
    assert vocab == ["", "<oov>", "the", "cat"]
    assert texts_to_ids(["The cat barked"], vocab) == [[2, 3, 1]]


def test_split_indices_are_seeded_disjoint_and_stratified() -> None:
    y = np.array([0] * 50 + [1] * 30 + [2] * 20)
    a = split_indices(100, 0.1, 0.2, seed=3, labels=y)
    b = split_indices(100, 0.1, 0.2, seed=3, labels=y)
    c = split_indices(100, 0.1, 0.2, seed=4, labels=y)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["train"], c["train"])
    together = np.concatenate(list(a.values()))
    assert sorted(together.tolist()) == list(range(100))
    assert len(a["test"]) == 20 and len(a["validation"]) == 10
    assert np.bincount(y[a["test"]]).tolist() == [10, 6, 4]  # class balance kept
    with pytest.raises(DataError, match="below 1"):
        split_indices(10, 0.5, 0.5, 0)


def test_scaler_standard_and_minmax() -> None:
    x = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 10.0]], dtype=np.float32)
    s = Scaler.fit("standard", x)
    out = s.apply(x)
    np.testing.assert_allclose(out[:, 0].mean(), 0, atol=1e-6)
    np.testing.assert_allclose(out[:, 0].std(), 1, atol=1e-6)
    np.testing.assert_allclose(out[:, 1], 0)  # constant column: no division by zero
    m = Scaler.fit("minmax", x).apply(x)
    np.testing.assert_allclose(m[:, 0], [0, 0.5, 1])


DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no GPU"))]


@pytest.mark.parametrize("device", DEVICES)
def test_augment_flip_and_shift_on_device(device: str) -> None:
    x = torch.arange(2 * 3 * 4 * 4, dtype=torch.float32, device=device).reshape(2, 3, 4, 4)
    flip = ImageAugment(AugmentOptions(horizontal_flip=True), seed=0)
    outs = [flip(x) for _ in range(20)]
    for o in outs:
        assert o.shape == x.shape
        for i in range(2):
            assert torch.equal(o[i], x[i]) or torch.equal(o[i], x[i].flip(2))
    assert any(not torch.equal(o, x) for o in outs) and any(torch.equal(o[0], x[0]) for o in outs)

    shift = ImageAugment(AugmentOptions(shift=1), seed=0)
    seen = set()
    for _ in range(40):
        o = shift(x)
        assert o.shape == x.shape and o.device == x.device
        for i in range(2):  # each sample is x[i] moved by (dy, dx) in {-1, 0, 1}², zeros filled in
            found = False
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    padded = torch.nn.functional.pad(x[i], (1, 1, 1, 1))
                    if torch.equal(o[i], padded[:, 1 + dy:5 + dy, 1 + dx:5 + dx]):
                        seen.add((dy, dx))
                        found = True
            assert found
    assert len(seen) >= 5


def test_augment_leaves_non_images_and_inactive_options_alone() -> None:
    x = torch.randn(4, 10)
    assert ImageAugment(AugmentOptions(horizontal_flip=True))(x) is x
    y = torch.randn(2, 1, 4, 4)
    assert ImageAugment(AugmentOptions())(y) is y
