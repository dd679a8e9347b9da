"""A data set's vocabulary: token ↔ id, and how text becomes ids exactly as the set was built.

One class for every set with tokens: a text CSV (words, Keras Tokenizer rules), a `.txt` corpus
(characters or words) and the built-in sequence-to-sequence task (characters with start and end
tokens). `/vocabulary`, `/predict` on raw strings and `/generate` all read it, so a typed sentence
is tokenised the way the training rows were.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .preprocess import tokenize as keras_words

Unit = Literal["char", "word"]
_WORDS = re.compile(r"\S+")


@dataclass
class Vocabulary:
    tokens: list[str]  # id → token
    unit: Unit = "word"
    pad: int | None = 0  # the padding id (None: no padding)
    oov: int | None = 1  # the id unknown tokens become (None: unknown tokens are refused)
    start: int | None = None  # sequence-to-sequence: the decoder's first input token
    end: int | None = None  # … and the token that ends a decoded sequence
    lowercase: bool = False
    # words: "keras" (Tokenizer: lower-case, punctuation dropped) or "whitespace" (split only)
    word_rule: Literal["keras", "whitespace"] = "keras"
    _index: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        special = {i for i in (self.pad, self.oov) if i is not None}
        self._index = {t: i for i, t in enumerate(self.tokens) if i not in special}

    def __len__(self) -> int:
        return len(self.tokens)

    def split(self, text: str) -> list[str]:
        """The tokens of `text` as the data set's builder split it."""
        if self.unit == "char":
            return list(text.lower() if self.lowercase else text)
        if self.word_rule == "keras":
            return keras_words(text)
        return _WORDS.findall(text.lower() if self.lowercase else text)

    def unknown(self, text: str) -> list[str]:
        """Tokens of `text` not in the vocabulary, each once, in order of appearance."""
        return list(dict.fromkeys(t for t in self.split(text) if t not in self._index))

    def encode(self, text: str) -> list[int]:
        """Token ids of `text`; unknown tokens become `oov`, or raise ValueError naming them."""
        ids = []
        for t in self.split(text):
            i = self._index.get(t)
            if i is None:
                if self.oov is None:
                    missing = ", ".join(repr(u) for u in self.unknown(text)[:10])
                    raise ValueError(f"{missing} not in the vocabulary of {len(self.tokens)} tokens; "
                                     "use only tokens of the training text.")
                i = self.oov
            ids.append(i)
        return ids

    def decode(self, ids: Iterable[int]) -> str:
        """Text of `ids`, padding and start/end tokens left out."""
        skip = {i for i in (self.pad, self.start, self.end) if i is not None}
        words = [self.tokens[i] for i in ids if i not in skip and 0 <= i < len(self.tokens)]
        return "".join(words) if self.unit == "char" else " ".join(words)

    def index_of(self, token: str) -> int | None:
        return self._index.get(token)

    def to_json(self) -> dict[str, Any]:
        return {"tokens": self.tokens, "unit": self.unit, "pad": self.pad, "oov": self.oov,
                "start": self.start, "end": self.end, "lowercase": self.lowercase, "word_rule": self.word_rule}

    @classmethod
    def from_json(cls, data: dict[str, Any] | Sequence[str]) -> Vocabulary:
        """From `to_json`'s dict, or a bare token list (a text CSV's vocabulary.json: [pad, oov, words…])."""
        if isinstance(data, dict):
            return cls(tokens=list(data["tokens"]), unit=data.get("unit", "word"), pad=data.get("pad", 0),
                       oov=data.get("oov", 1), start=data.get("start"), end=data.get("end"),
                       lowercase=bool(data.get("lowercase", False)), word_rule=data.get("word_rule", "keras"))
        return cls(tokens=list(data))
