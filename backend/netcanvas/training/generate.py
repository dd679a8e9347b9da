"""Text generation with a next-token model: continue a seed, token by token (the char-RNN).

Keras's lstm_text_generation loop, done once for every such model so users need not write it: the
context is the seed's last `window` tokens; each step the model gives the next token's
probabilities, one is picked, appended, and the window slides by one.

Which models: one Input of token ids (int64, (window,)) or of one-hot rows (float32,
(window, V)), and one output of V probabilities (a per-step output (T, V), as with
corpus_target=sequence, gives its last step's). Outputs that are not probabilities (a linear
Dense trained from logits) are turned into them with a softmax.

A seed shorter than the window is left-filled: with the padding id when the vocabulary has one
(word corpora), with all-zero rows for one-hot inputs (no character at all), else with spaces —
text that starts after a blank, which is what a training window that began before the seed most
often held. An Input of variable length (None) takes the seed as it is. Unknown tokens in the
seed are refused, naming them, where the vocabulary has no unknown id (characters).

Picking: temperature 0 is greedy (argmax). Otherwise the seed's `sample()`: p^(1/T),
renormalised, drawn from — after keeping only the `top_k` most likely when top_k > 0. The
padding id is never drawn. `random_seed` makes the draw reproducible.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ..data.vocabulary import Vocabulary
from .bundle import Bundle

MAX_LENGTH = 2_000  # tokens per request: generation runs in the API process
MAX_CONTEXT = 2_000  # tokens of context fed to a variable-length Input
FILL = " "  # left-fill of a short seed for id inputs without a padding id


@dataclass
class NextTokenModel:
    bundle: Bundle
    vocabulary: Vocabulary
    window: int | None  # None: a variable-length Input (the context grows up to MAX_CONTEXT)
    one_hot: bool


def next_token_model(bundle: Bundle, vocabulary: Vocabulary, window_hint: int | None = None) -> NextTokenModel:
    """Check that `bundle` reads a window of tokens and answers one distribution (ValueError why not)."""
    if len(bundle.inputs) != 1 or len(bundle.outputs) != 1:
        raise ValueError(f"Generating text needs a model with one input and one output (the next token's "
                         f"probabilities); this one has {len(bundle.inputs)} inputs and {len(bundle.outputs)} "
                         "outputs.")
    spec = bundle.inputs[0]
    size = len(vocabulary)
    if spec.dtype == "int64" and len(spec.shape) == 1:
        return NextTokenModel(bundle, vocabulary, spec.shape[0] or window_hint, one_hot=False)
    if spec.dtype == "float32" and len(spec.shape) == 2:
        if spec.shape[1] != size:
            raise ValueError(f"The model's Input '{spec.id}' reads {spec.shape[1]} features per step but the "
                             f"vocabulary has {size} tokens: generate with the data set the model was trained on.")
        return NextTokenModel(bundle, vocabulary, spec.shape[0] or window_hint, one_hot=True)
    raise ValueError(f"The model's Input '{spec.id}' takes {spec.dtype} of shape {tuple(spec.shape)}; generating "
                     f"feeds a window of token ids (int64, (window,)) or of one-hot rows (float32, (window, {size})).")


def check_options(length: int, temperature: float, top_k: int) -> None:
    if not 1 <= length <= MAX_LENGTH:
        raise ValueError(f"length must be between 1 and {MAX_LENGTH} tokens, got {length}.")
    if not np.isfinite(temperature) or temperature < 0:
        raise ValueError(f"temperature must be 0 (greedy) or more, got {temperature}.")
    if top_k < 0:
        raise ValueError(f"top_k must be 0 (every token) or a positive number of tokens, got {top_k}.")


def seed_ids(vocabulary: Vocabulary, seed: str) -> list[int]:
    """The seed's token ids; ValueError naming unknown characters and the fix."""
    if not vocabulary.split(seed):
        raise ValueError("seed: type some text to continue (it is empty"
                         + (" once split into words)." if vocabulary.unit == "word" else ")."))
    if vocabulary.oov is None:
        unknown = vocabulary.unknown(seed)
        if unknown:
            shown = ", ".join(repr(u) for u in unknown[:10])
            more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
            what = "characters" if vocabulary.unit == "char" else "tokens"
            raise ValueError(f"seed: {shown}{more} not in the vocabulary of the training text ({len(vocabulary)} "
                             f"{what}); use only {what} of that text"
                             + (" (it was lower-cased)." if vocabulary.lowercase else "."))
    return vocabulary.encode(seed)


def _context(model: NextTokenModel, ids: list[int]) -> tuple[list[int], int]:
    """The window fed each step: the last `window` ids and how many fill positions lead it (-1 ids
    stand for an all-zero one-hot row)."""
    vocab, window = model.vocabulary, model.window
    if window is None:
        return ids[-MAX_CONTEXT:], 0
    ctx = ids[-window:]
    missing = window - len(ctx)
    if missing <= 0:
        return ctx, 0
    if vocab.pad is not None:
        fill = vocab.pad
    elif model.one_hot:
        fill = -1
    else:
        space = vocab.index_of(FILL)
        if space is None:
            raise ValueError(f"seed: give at least {window} tokens (the model's window); this vocabulary has no "
                             "padding and no space to fill a shorter seed with.")
        fill = space
    return [fill] * missing + ctx, missing


def _features(model: NextTokenModel, ctx: list[int]) -> np.ndarray:
    ids = np.asarray([ctx], dtype=np.int64)
    if not model.one_hot:
        return ids
    hot = np.zeros((1, len(ctx), len(model.vocabulary)), dtype=np.float32)
    rows = np.flatnonzero(ids[0] >= 0)
    hot[0, rows, ids[0, rows]] = 1.0
    return hot


def _distribution(model: NextTokenModel, x: np.ndarray) -> np.ndarray:
    """The next token's probabilities (float64, sums to 1) for one window."""
    from .bundle import predict

    out = np.asarray(predict(model.bundle, x), dtype=np.float64)[0]
    if out.ndim == 2:  # a distribution per step: the last one is the next token's
        out = out[-1]
    if out.ndim != 1 or out.shape[0] != len(model.vocabulary):
        raise ValueError(f"The model's output has shape {tuple(out.shape)} per sample; generating needs "
                         f"{len(model.vocabulary)} probabilities (one per token of the vocabulary), "
                         "e.g. Dense(units=vocabulary size, activation='softmax').")
    if out.min() < 0 or abs(out.sum() - 1) > 1e-3:  # logits: a softmax makes them probabilities
        out = np.exp(out - out.max())
    return out / out.sum()


def pick(p: np.ndarray, temperature: float, top_k: int, rng: np.random.Generator,
         banned: tuple[int, ...] = ()) -> int:
    """One token id from probabilities `p`: argmax at temperature 0, else Keras's `sample()`
    (log p / T, exponentiated, renormalised, drawn) among the `top_k` most likely (0: all)."""
    p = np.asarray(p, dtype=np.float64).copy()
    for b in banned:
        if 0 <= b < len(p) and len(p) > 1:
            p[b] = 0.0
    if temperature == 0:
        return int(np.argmax(p))
    with np.errstate(divide="ignore"):
        logits = np.log(p) / temperature
    if 0 < top_k < len(p):
        cut = np.partition(logits, -top_k)[-top_k]
        logits = np.where(logits >= cut, logits, -np.inf)
    logits -= logits.max()
    q = np.exp(logits)
    return int(rng.choice(len(q), p=q / q.sum()))


def generate(bundle: Bundle, vocabulary: Vocabulary, seed: str, *, length: int, temperature: float = 1.0,
             top_k: int = 0, random_seed: int | None = None, window_hint: int | None = None) -> Iterator[str]:
    """The generated tokens, one at a time. Every check (model, options, seed) raises ValueError
    here, before the first token, so a streamed answer never starts for a request it must refuse."""
    check_options(length, temperature, top_k)
    model = next_token_model(bundle, vocabulary, window_hint)
    ctx, _ = _context(model, seed_ids(vocabulary, seed))
    rng = np.random.default_rng(random_seed)
    banned = tuple(i for i in (vocabulary.pad, vocabulary.start) if i is not None)
    first = _distribution(model, _features(model, ctx))  # the model's output is checked before streaming
    return _steps(model, ctx, first, length, temperature, top_k, rng, banned)


def _steps(model: NextTokenModel, ctx: list[int], p: np.ndarray, length: int, temperature: float, top_k: int,
           rng: np.random.Generator, banned: tuple[int, ...]) -> Iterator[str]:
    tokens = model.vocabulary.tokens
    limit = model.window or MAX_CONTEXT
    # bundle.predict runs each step under torch.no_grad (a `with` here would leak the grad mode to
    # whatever thread resumes this generator next)
    for step in range(length):
        if step:
            p = _distribution(model, _features(model, ctx))
        nxt = pick(p, temperature, top_k, rng, banned)
        yield tokens[nxt]
        ctx = (ctx + [nxt])[-limit:]


def join(vocabulary: Vocabulary, tokens: list[str]) -> str:
    """Generated tokens as text: characters side by side, words with a space between."""
    return "".join(tokens) if vocabulary.unit == "char" else " ".join(tokens)
