"""The built-in sequence-to-sequence task: reverse a word, character by character.

Shaped like the Keras lstm_seq2seq example (the seeds' translator), so its Encoder–decoder
template trains on it straight away: the encoder reads the word one-hot, the decoder reads the
answer shifted right behind a start token "\\t" (teacher forcing), and the target is the answer's
class id per step, ended by "\\n" and padded. Words of 3–8 lowercase letters, drawn once with a
fixed seed (distinct words, so no test word is seen in training).

One vocabulary serves source and target (the letters are the same on both sides; simpler than the
seeds' two): "" (padding, id 0), "\\t" (start), "\\n" (end), then a–z. Padding follows the word
("post", as the seeds' zero-filled arrays) and is itself a one-hot token. `source_ids` and
`one_hot` are that rule in one place: training/seq2seq_decode.py encodes a typed word with them.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Sequence

import numpy as np

from .base import Dataset, DatasetInfo, InputSpec, Sizes, Split, TargetInfo, TargetSpec
from .vocabulary import Vocabulary

TASK_ID = "seq2seq_reverse"
SEED = 2024
N_TRAIN, N_TEST = 3200, 800
MIN_LEN, MAX_LEN = 3, 8
SOURCE_STEPS = MAX_LEN  # encoder time steps
TARGET_STEPS = MAX_LEN + 1  # the reversed word and its end token
ENCODER_INPUT, DECODER_INPUT, OUTPUT = "encoder_input", "decoder_input", "decoder_dense"

VOCABULARY = Vocabulary(tokens=["", "\t", "\n", *string.ascii_lowercase], unit="char", pad=0, oov=None,
                        start=1, end=2, lowercase=True)


def source_ids(vocabulary: Vocabulary, texts: Sequence[str], length: int | None) -> np.ndarray:
    """(N, length) token ids, each text followed by padding: the padding id, or -1 (a zero one-hot
    row) for a vocabulary without one. ValueError naming unknown tokens or for a text longer than
    `length`; `length` None: the longest text's length."""
    rows = [vocabulary.encode(t) for t in texts]  # raises for unknown tokens (oov None)
    longest = max((len(r) for r in rows), default=0)
    steps = longest if length is None else length
    if longest > steps:
        raise ValueError(f"The input is {longest} tokens long but the model reads at most {steps}: "
                         f"shorten it to {steps} tokens.")
    pad = vocabulary.pad if vocabulary.pad is not None else -1
    out = np.full((len(rows), steps), pad, dtype=np.int64)
    for i, r in enumerate(rows):
        out[i, :len(r)] = r
    return out


def one_hot(ids: np.ndarray, size: int) -> np.ndarray:
    """float32 one-hot rows of `ids` (…, size); a negative id is a row of zeros."""
    out = np.zeros((*ids.shape, size), dtype=np.float32)
    np.put_along_axis(out, np.maximum(ids, 0)[..., None], 1.0, axis=-1)
    out[ids < 0] = 0.0
    return out


def _words(rng: np.random.Generator, n: int) -> list[str]:
    letters = np.array(list(string.ascii_lowercase))
    seen: dict[str, None] = {}
    while len(seen) < n:
        length = int(rng.integers(MIN_LEN, MAX_LEN + 1))
        seen.setdefault("".join(rng.choice(letters, length)), None)
    return list(seen)


def arrays(words: Sequence[str]) -> tuple[list[np.ndarray], np.ndarray]:
    """([encoder one-hot (N, 8, V), decoder one-hot (N, 9, V)], targets (N, 9) int64) for `words`."""
    v = VOCABULARY
    assert v.start is not None and v.end is not None and v.pad is not None
    src = source_ids(v, words, SOURCE_STEPS)
    answers = source_ids(v, [w[::-1] for w in words], TARGET_STEPS)
    lengths = np.array([len(w) for w in words])
    target = answers.copy()
    target[np.arange(len(words)), lengths] = v.end
    decoder = np.concatenate([np.full((len(words), 1), v.start), answers[:, :-1]], axis=1)
    size = len(v)
    return [one_hot(src, size), one_hot(decoder, size)], target


def _load(info: DatasetInfo) -> Dataset:
    words = _words(np.random.default_rng(SEED), N_TRAIN + N_TEST)
    (enc, dec), y = arrays(words)
    train = Split([enc[:N_TRAIN], dec[:N_TRAIN]], y[:N_TRAIN])
    test = Split([enc[N_TRAIN:], dec[N_TRAIN:]], y[N_TRAIN:])
    return Dataset(info, train, test)


def info() -> DatasetInfo:
    size = len(VOCABULARY)
    target = TargetInfo(kind="classes", num_classes=size, class_names=list(VOCABULARY.tokens))
    return DatasetInfo(
        id=TASK_ID, name="Reverse a word (seq2seq)", kind="sequence", input_shape=[SOURCE_STEPS, size],
        target=target, sizes=Sizes(train=N_TRAIN, test=N_TEST), suggested_loss="sparse_categorical_crossentropy",
        source="synthetic",
        inputs=[InputSpec(name=ENCODER_INPUT, shape=[SOURCE_STEPS, size]),
                InputSpec(name=DECODER_INPUT, shape=[TARGET_STEPS, size])],
        targets=[TargetSpec(name=OUTPUT, shape=[TARGET_STEPS], **target.model_dump())],
        extra={"task": "seq2seq", "target_shape": [TARGET_STEPS], "vocabulary": VOCABULARY.to_json()},
        description=(
            f"Reverse a word of {MIN_LEN}–{MAX_LEN} lowercase letters, character by character ({N_TRAIN + N_TEST} "
            f"distinct words): the Keras lstm_seq2seq set-up. Two inputs: '{ENCODER_INPUT}', the word one-hot "
            f"({SOURCE_STEPS} steps, padded after it), and '{DECODER_INPUT}', the answer one-hot behind the start "
            f"token \\t ({TARGET_STEPS} steps: teacher forcing). Target: the answer's class id per step, ended by "
            f"\\n, then padding. One vocabulary of {size} tokens for both sides (padding, \\t, \\n, a–z)."
        ),
    )


def register(add: Callable[[DatasetInfo, Callable[[DatasetInfo], Dataset]], None]) -> None:
    """Adds the task to the built-in sets (data/builtin.py passes its `_register`)."""
    add(info(), _load)
