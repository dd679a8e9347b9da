"""The classic models as graph JSON (graphs/*.json) and the small data sets they learn."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from netcanvas.data.base import Dataset, DatasetInfo, Sizes, Split, TargetInfo
from netcanvas.graph.schema import Graph

GRAPHS = Path(__file__).parent / "graphs"


def graph(name: str) -> Graph:
    return Graph.model_validate(json.loads((GRAPHS / f"{name}.json").read_text()))


def reverse_task(n_train: int = 2000, n_test: int = 400, length: int = 5, vocab: int = 4, seed: int = 0) -> Dataset:
    """Seq2seq: read a sequence of tokens, write it reversed.

    Two inputs (the encoder's one-hot source (T, V); the decoder's one-hot previous target token
    with a start token, (T, V + 1): teacher forcing) and per-step class targets (T,).
    """
    rng = np.random.default_rng(seed)
    n = n_train + n_test
    src = rng.integers(0, vocab, (n, length))
    tgt = src[:, ::-1].copy()
    enc = np.eye(vocab, dtype=np.float32)[src]
    prev = np.concatenate([np.full((n, 1), vocab), tgt[:, :-1]], axis=1)  # start token = vocab
    dec = np.eye(vocab + 1, dtype=np.float32)[prev]
    info = DatasetInfo(
        id="reverse", name="Reverse a sequence", kind="sequence", input_shape=[length, vocab],
        extra={"input_shapes": [[length, vocab], [length, vocab + 1]]},
        target=TargetInfo(kind="classes", num_classes=vocab, class_names=[str(i) for i in range(vocab)]),
        sizes=Sizes(train=n_train, test=n_test), suggested_loss="sparse_categorical_crossentropy",
    )
    y = tgt.astype(np.int64)
    return Dataset(info, Split((enc[:n_train], dec[:n_train]), y[:n_train]),
                   Split((enc[n_train:], dec[n_train:]), y[n_train:]))
