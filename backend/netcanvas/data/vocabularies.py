"""The Vocabulary of a data set by id, wherever the set keeps it.

An upload keeps it in its folder (the file meta.json's preprocessing names, vocabulary.json by
default): a `.txt` corpus in Vocabulary.to_json form, a text CSV as the bare list [pad, oov,
words…] (Keras Tokenizer rules: lower-case, punctuation dropped). A built-in set with tokens
(the seq2seq task) carries it in `info.extra["vocabulary"]`. GET /api/datasets/{id}/vocabulary,
/generate and /predict on raw strings all ask here, so they read one vocabulary the same way.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from . import uploads
from .corpus import TASK
from .errors import DataError
from .vocabulary import Vocabulary

if TYPE_CHECKING:
    from ..config import Settings
    from .base import DatasetInfo
    from .registry import DatasetRegistry

KIND_WORDS = {"image": "an image set", "table": "a table", "sequence": "a sequence set without tokens",
              "text": "a text set without a stored vocabulary"}


class NoVocabulary(DataError):
    """The data set exists but has no tokens (an image set, a table): 422."""

    def __init__(self, info: DatasetInfo):
        self.info = info
        super().__init__(f"data set '{info.id}' has no vocabulary (it is {KIND_WORDS.get(info.kind, info.kind)}).",
                         422)


def vocabulary_of(settings: Settings, dataset_id: str, datasets: DatasetRegistry | None = None) -> Vocabulary:
    """The set's vocabulary. Raises DatasetNotFound / DataError 404 for an unknown set and
    NoVocabulary (422) for a set without tokens. With `datasets` (a request's registry, which in
    users mode sees only the caller's uploads), a set it does not list is unknown."""
    if datasets is not None:
        datasets.info(dataset_id)  # DatasetNotFound for another user's upload: never read its files
    if uploads.is_upload_id(dataset_id):
        meta = uploads.read_meta(settings, dataset_id)  # 404 when there is no such upload
        prep = meta.get("preprocessing") or {}
        path = uploads.folder(settings, dataset_id) / str(prep.get("vocabulary_file") or "vocabulary.json")
        if path.is_file():
            return _parse(json.loads(path.read_text(encoding="utf-8")))
        info = uploads.info(settings, dataset_id)
    else:
        from .registry import DatasetRegistry

        info = (datasets or DatasetRegistry(settings)).info(dataset_id)  # DatasetNotFound when unknown
    found = info.extra.get("vocabulary")
    if isinstance(found, dict):
        return Vocabulary.from_json(found)
    raise NoVocabulary(info)


def corpus_vocabulary(info: DatasetInfo, settings: Settings) -> Vocabulary | None:
    """A `.txt` corpus's vocabulary (its samples are read back as text with it); None for other sets."""
    if info.extra.get("task") != TASK or not uploads.is_upload_id(info.id):
        return None
    try:
        return vocabulary_of(settings, info.id)
    except DataError:
        return None


def _parse(data: object) -> Vocabulary:
    if isinstance(data, dict):
        return Vocabulary.from_json(data)
    if isinstance(data, list) and all(isinstance(t, str) for t in data):
        # a text CSV (data/tables.py build_text): Keras Tokenizer words, 0 padding, 1 unknown
        return Vocabulary(tokens=list(data), unit="word", pad=0, oov=1, lowercase=True, word_rule="keras")
    raise DataError("The data set's vocabulary file is damaged (neither a token list nor a vocabulary object).", 500)
