"""A `.txt` corpus (kind=corpus): next-token windows for a char-RNN or a word-level language model.

Keras's lstm_text_generation, done as an upload: the text becomes windows of `window` tokens taken
every `step` tokens, each with the token that follows it (or, with corpus_target=sequence, the
window shifted by one: a class per time step). Tokens are characters (the vocabulary is the
sorted set of the text's characters, the seed's `sorted(list(set(text)))`; no padding in fixed
windows, and no unknown id: a character outside the text is refused where text is encoded) or
words (Keras Tokenizer rules: lower-case, punctuation dropped; the `vocab_size` most frequent
words of the training part, id 0 padding, id 1 the out-of-vocabulary word).

x is int64 token ids (N, window) for an Embedding (encoding=ids, kind "text"), or one-hot rows
(N, window, V) float32 (encoding=one_hot, kind "sequence", the seed's own form); y is int64 ids.

The split follows the text: validation and test are its END (test last), and windows never
cross a part boundary. A random split of windows that overlap by window - step tokens would put
almost every test character in training too.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib.format import open_memmap
from numpy.lib.stride_tricks import sliding_window_view

from .base import DatasetInfo, Sizes, TargetInfo
from .errors import DataError, FormatError, TooLarge
from .limits import LIMITS, Limits
from .options import UploadOptions
from .preprocess import OOV_TOKEN, tokenize
from .vocabulary import Vocabulary

TASK = "next_token"
DEFAULT_WINDOW = 40
MAX_WINDOW = 2_000  # tokens per window (the Keras seed uses 40)
MAX_BYTES = 64 << 20  # the .txt itself: it is read into memory
MAX_CHAR_VOCAB = 10_000  # distinct characters (a Chinese novel has a few thousand)
MAX_X_BYTES = 2 << 30  # all windows on disk (ids: 8 bytes a token; one-hot: 4 × V a token)
CLASS_NAMES_UP_TO = 512  # vocabularies this small also name the classes (larger ones: /vocabulary only)
PREVIEW_WINDOWS = 8
VOCABULARY_FILE = "vocabulary.json"
CHUNK = 4096  # windows written at a time


def read_text(src: Path, name: str, opts: UploadOptions) -> str:
    """The file as text: UTF-8 (a byte-order mark dropped), newlines as Python's text mode reads
    them (\\r\\n → \\n), lower-cased on request. Refuses other encodings and binary files."""
    size = src.stat().st_size
    if size > MAX_BYTES:
        raise TooLarge(f"{name}: {size:,} bytes; a corpus may have at most {MAX_BYTES:,}. Upload a part of it.")
    data = src.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormatError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start}); a corpus must be UTF-8, "
                          "so save the file as UTF-8 and upload it again.") from exc
    if "\x00" in text:
        raise FormatError(f"{name}: has NUL bytes, so it is not a text file; a corpus is plain UTF-8 text.")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.lower() if opts.lowercase else text


def _part_bounds(n: int, opts: UploadOptions, name: str) -> dict[str, tuple[int, int]]:
    """Token ranges [a, b) of each part, in text order: train, then validation, then test."""
    if opts.validation_split + opts.test_split >= 1:
        raise DataError(f"{name}: validation_split + test_split must be below 1; lower them.", 422)
    n_test = int(n * opts.test_split + 0.5)
    n_val = int(n * opts.validation_split + 0.5)
    a, b = n - n_test - n_val, n - n_test
    return {"train": (0, a), "validation": (a, b), "test": (b, n)}


def _count(length: int, window: int, step: int) -> int:
    """Windows of `window` tokens plus their target in a part of `length` tokens."""
    return 0 if length < window + 1 else (length - window - 1) // step + 1


def _char_ids(text: str, name: str) -> tuple[Vocabulary, np.ndarray]:
    """The sorted set of the text's characters (the whole text's: a validation character must be
    encodable too) and the text as ids, via code points (4 bytes a character, not a str each)."""
    points = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
    unique, ids = np.unique(points, return_inverse=True)  # code point order: sorted(set(text))
    if len(unique) > MAX_CHAR_VOCAB:
        raise DataError(f"{name}: {len(unique)} distinct characters, more than the {MAX_CHAR_VOCAB} a character "
                        "vocabulary may have; use the option unit=word.", 422)
    return Vocabulary(tokens=[chr(c) for c in unique], unit="char", pad=None, oov=None), ids.astype(np.int64)


def _word_ids(words: list[str], train: tuple[int, int], vocab_size: int) -> tuple[Vocabulary, np.ndarray]:
    """The `vocab_size` - 2 most frequent words of the training part (ties: first seen), after id 0
    (padding) and 1 (unknown), as Keras's Tokenizer(num_words, oov_token) keeps them; the text as ids."""
    counts = Counter(words[train[0]:train[1]])
    kept = [w for w, _ in counts.most_common(max(vocab_size - 2, 0))]
    vocab = Vocabulary(tokens=["", OOV_TOKEN, *kept], unit="word", pad=0, oov=1, lowercase=True, word_rule="keras")
    index = {w: i for i, w in enumerate(vocab.tokens) if i >= 2}
    return vocab, np.fromiter((index.get(w, 1) for w in words), dtype=np.int64, count=len(words))


def _check_sizes(name: str, opts: UploadOptions, window: int, n: int, unit: str,
                 counts: dict[str, int], bounds: dict[str, tuple[int, int]], v: int, limits: Limits) -> None:
    """A refusal naming the option to change when a part has no window or the arrays are too big."""
    units = "characters" if unit == "char" else "words"
    if counts["train"] == 0:
        if n < window + 1:
            raise DataError(f"{name}: {n} {units} are too few for one window of {window} plus the {units[:-1]} "
                            f"after it; lower the option window (below {max(n, 1)}) or upload a longer text.", 422)
        a, b = bounds["train"]
        raise DataError(f"{name}: validation_split and test_split leave {b - a} {units} for training, fewer than "
                        f"one window of {window} plus its target; lower them or the option window.", 422)
    for part, opt in (("validation", "validation_split"), ("test", "test_split")):
        a, b = bounds[part]
        if b > a and counts[part] == 0:
            raise DataError(f"{name}: {opt} {getattr(opts, opt)} gives the {part} part {b - a} {units}, fewer than "
                            f"one window of {window} plus its target needs; raise {opt}, set it to 0 or lower "
                            "the option window.", 422)
    total = sum(counts.values())
    if total > limits.max_rows:
        raise DataError(f"{name}: {total:,} windows, more than the {limits.max_rows:,} allowed; raise the option step.",
                        422)
    per_token = 8 if opts.encoding == "ids" else 4 * v
    size = total * window * per_token + (total * window * 8 if opts.corpus_target == "sequence" else 0)
    if size > MAX_X_BYTES:
        fix = "raise the option step or lower window" + (" or use encoding=ids" if opts.encoding == "one_hot" else "")
        raise DataError(f"{name}: the windows would take {size / (1 << 30):.1f} GiB (encoding {opts.encoding}, "
                        f"{total:,} windows of {window}, vocabulary {v}); at most {MAX_X_BYTES >> 30} GiB: {fix}.", 422)


def _write_part(out: Path, part: str, ids: np.ndarray, window: int, step: int, opts: UploadOptions,
                v: int) -> int:
    """x_{part}.npy and y_{part}.npy of the part's token ids, a chunk of windows at a time."""
    spans = sliding_window_view(ids, window + 1)[::step] if len(ids) >= window + 1 else ids[:0].reshape(0, window + 1)
    n = len(spans)
    x_shape = (n, window) if opts.encoding == "ids" else (n, window, v)
    xs = open_memmap(out / f"x_{part}.npy", mode="w+", dtype=np.int64 if opts.encoding == "ids" else np.float32,
                     shape=x_shape)
    ys = open_memmap(out / f"y_{part}.npy", mode="w+", dtype=np.int64,
                     shape=(n,) if opts.corpus_target == "next" else (n, window))
    for s in range(0, n, CHUNK):
        block = np.asarray(spans[s:s + CHUNK])
        x = block[:, :window]
        if opts.encoding == "ids":
            xs[s:s + len(block)] = x
        else:
            hot = np.zeros((len(block), window, v), dtype=np.float32)
            np.put_along_axis(hot, x[..., None], 1.0, axis=2)
            xs[s:s + len(block)] = hot
        ys[s:s + len(block)] = block[:, window] if opts.corpus_target == "next" else block[:, 1:]
    xs.flush()
    ys.flush()
    del xs, ys
    return n


def _preview(ids: np.ndarray, vocab: Vocabulary, window: int, step: int, opts: UploadOptions) -> dict[str, Any]:
    """The first training windows as text, beside their targets (meta "preview", a table)."""
    rows = []
    for k in range(min(PREVIEW_WINDOWS, _count(len(ids), window, step))):
        span = ids[k * step:k * step + window + 1].tolist()
        target = span[window:] if opts.corpus_target == "next" else span[1:]
        rows.append([vocab.decode(span[:window]), vocab.decode(target)])
    second = "next token" if opts.corpus_target == "next" else "target (the window shifted by one)"
    return {"columns": ["window", second], "rows": rows}


def window_text(vocab: Vocabulary, values: Any) -> str:
    """One window read back as text: a row of token ids, or one-hot rows (their argmax)."""
    row = np.asarray(values)
    if row.ndim == 2:
        row = row.argmax(axis=-1)
    return vocab.decode(int(t) for t in row.ravel())


def build_corpus(src: Path, out: Path, name: str, opts: UploadOptions, limits: Limits = LIMITS) -> dict[str, Any]:
    """Windows, targets, vocabulary.json (Vocabulary.to_json) and the info of a .txt upload."""
    window = opts.window or DEFAULT_WINDOW
    if window > MAX_WINDOW:
        raise DataError(f"{name}: option window {window} is over the {MAX_WINDOW} tokens allowed; lower window.", 422)
    text = read_text(src, name, opts)
    n = len(text) if opts.unit == "char" else 0
    words: list[str] = []
    if opts.unit == "word":
        words = tokenize(text)
        n = len(words)
    if n == 0:
        raise FormatError(f"{name}: the file has no {'characters' if opts.unit == 'char' else 'words'}.")
    bounds = _part_bounds(n, opts, name)
    if opts.unit == "char":
        vocab, ids = _char_ids(text, name)
        vocab.lowercase = opts.lowercase
    else:
        vocab, ids = _word_ids(words, bounds["train"], opts.vocab_size)
    del text, words
    v = len(vocab)
    counts = {p: _count(b - a, window, opts.step) for p, (a, b) in bounds.items()}
    _check_sizes(name, opts, window, n, opts.unit, counts, bounds, v, limits)
    sizes = {p: _write_part(out, p, ids[a:b], window, opts.step, opts, v) for p, (a, b) in bounds.items()}
    (out / VOCABULARY_FILE).write_text(json.dumps(vocab.to_json(), ensure_ascii=False), encoding="utf-8")
    return {"info": _info(name, opts, window, n, v, vocab, sizes, bounds),
            "preprocessing": {"unit": opts.unit, "window": window, "step": opts.step, "lowercase": opts.lowercase,
                              "encoding": opts.encoding, "corpus_target": opts.corpus_target, "tokens": n,
                              "vocab_size": v, "vocabulary_file": VOCABULARY_FILE,
                              "parts": {p: list(r) for p, r in bounds.items()}},
            "preview": _preview(ids[slice(*bounds["train"])], vocab, window, opts.step, opts)}


def _info(name: str, opts: UploadOptions, window: int, n: int, v: int, vocab: Vocabulary, sizes: dict[str, int],
          bounds: dict[str, tuple[int, int]]) -> DatasetInfo:
    units = "characters" if opts.unit == "char" else "words"
    ids = opts.encoding == "ids"
    target = ("the next " + units[:-1]) if opts.corpus_target == "next" else "the window shifted by one (a class per step)"
    split = [f"{part} = {units} {a:,}–{b:,}" for part in ("validation", "test")
             for a, b in [bounds[part]] if b > a]
    where = (f" Split in text order: {', '.join(split)}, the end of the text (not at random: overlapping "
             "windows would leak test text into training).") if split else ""
    extra: dict[str, Any] = {"task": TASK, "unit": opts.unit, "window": window, "step": opts.step,
                             "encoding": opts.encoding, "corpus_target": opts.corpus_target, "vocab_size": v,
                             "tokens": n, "split": "chronological"}
    if opts.corpus_target == "sequence":
        extra["target_shape"] = [window]
    names = vocab.tokens if v <= CLASS_NAMES_UP_TO else None
    return DatasetInfo(
        id="", name=opts.name or Path(name).stem, kind="text" if ids else "sequence",
        input_shape=[window] if ids else [window, v], input_dtype="int64" if ids else "float32",
        target=TargetInfo(kind="classes", num_classes=v, class_names=names),
        sizes=Sizes(**sizes), suggested_loss="", source="upload",
        description=(f"{n:,} {units} of {name}: windows of {window} every {opts.step}, each with {target}; "
                     f"vocabulary {v} ({'Embedding input_dim' if ids else 'one-hot width'} and Dense units "
                     f"{v}).{where}"),
        extra=extra,
    )
