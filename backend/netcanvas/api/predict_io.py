"""What /predict reads and answers beyond a batch of numbers (docs/api.md, "Predict").

In: raw strings for a text model (`{"inputs": ["a great film", "dull"]}`), tokenised exactly as the
model's data set was built — the set's vocabulary (Keras Tokenizer rules, its vocabulary cut,
unknown words → the out-of-vocabulary id) and its pad_sequences max_length, padding and
truncating — so a typed sentence meets the model as its training rows did. Token ids are checked
against the Embedding they feed (an id past input_dim is a 422, not a crash).
Out: a series model's outputs in the target's original units (data/series.py inverse_targets).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np
from fastapi import HTTPException

from ..config import Settings
from ..data import uploads
from ..data.base import DatasetInfo
from ..data.errors import DataError
from ..data.preprocess import pad_sequences
from ..data.registry import DatasetNotFound, DatasetRegistry
from ..data.vocabularies import vocabulary_of
from ..data.vocabulary import Vocabulary
from ..graph.analyze import analyze
from ..layers.embedding import Embedding
from ..training.bundle import Bundle, as_input_arrays
from .schemas import TextTokens

Side = Literal["pre", "post"]


@dataclass
class TextEncoding:
    """How a data set turns text into a row of ids: its vocabulary and pad_sequences settings
    (max_length None: the length the model's Input asks for)."""

    vocabulary: Vocabulary
    max_length: int | None = None
    padding: Side = "pre"
    truncating: Side = "pre"

    def encode(self, texts: list[str], length: int | None) -> tuple[np.ndarray, list[TextTokens]]:
        """(N, length) int64 ids, and per text the ids, words and unknown words used."""
        vocab = self.vocabulary
        length = self.max_length or length
        seqs = [vocab.encode(t) for t in texts]
        if length is None:  # a variable-length Input and a set without max_length: pad to the longest
            length = max((len(s) for s in seqs), default=0) or 1
        if vocab.pad is None:  # no padding token (a character corpus): a text must fill the window
            short = next((t for t, seq in zip(texts, seqs, strict=True) if len(seq) < length), None)
            if short is not None:
                raise ValueError(f"{short[:40]!r} has {len(vocab.encode(short))} tokens; the model reads "
                                 f"{length} and its vocabulary has no padding token, so give at least {length}.")
        pad = vocab.pad if vocab.pad is not None else 0
        ids = pad_sequences(seqs, length, self.padding, self.truncating, value=pad)
        tokens = []
        for text, seq, row in zip(texts, seqs, ids, strict=True):
            used = seq[-length:] if self.truncating == "pre" else seq[:length]
            tokens.append(TextTokens(text=text, ids=row.tolist(), words=[vocab.tokens[i] for i in used],
                                     unknown=vocab.unknown(text)))
        return ids, tokens


def text_encoding(settings: Settings, dataset_id: str | None,
                  datasets: DatasetRegistry | None = None) -> TextEncoding | None:
    """The data set's text encoding (data/vocabularies.py finds its vocabulary; a text CSV's meta
    gives its pad_sequences settings), or None for a set without a vocabulary (or no set)."""
    if not dataset_id:
        return None
    try:
        vocab = vocabulary_of(settings, dataset_id, datasets)
    except (DataError, DatasetNotFound):  # NoVocabulary, or a set that is gone
        return None
    prep: dict[str, Any] = {}
    if uploads.is_upload_id(dataset_id):
        prep = uploads.read_meta(settings, dataset_id).get("preprocessing") or {}
    length = prep.get("max_length")  # a text CSV's; a corpus reads windows as long as its Input
    return TextEncoding(vocab, int(length) if length else None, cast(Side, prep.get("padding", "pre")),
                        cast(Side, prep.get("truncating", "pre")))


def _is_text(inputs: Any) -> bool:
    return isinstance(inputs, list) and bool(inputs) and all(isinstance(t, str) for t in inputs)


def prepare_inputs(bundle: Bundle, inputs: Any, dataset_id: str | None, settings: Settings,
                   datasets: DatasetRegistry | None = None,
                   whole: bool = True) -> tuple[Any, list[TextTokens] | None]:
    """The batch to feed (one array, or a list for several inputs) and, for strings, what each became.
    422 with a sentence for strings a model cannot read and ids its Embedding does not have. With
    `whole` False (features at some nodes, which may need only some inputs) a batch that is not one
    per Input is passed on as it is, for the feature path to judge."""
    tokens = None
    if isinstance(inputs, str):
        raise HTTPException(422, "inputs: give a list of texts, e.g. [\"a great film\"], even for one text.")
    if _is_text(inputs):
        inputs, tokens = _encode(bundle, inputs, dataset_id, settings, datasets)
    elif isinstance(inputs, list) and any(isinstance(t, str) for t in inputs):
        raise HTTPException(422, "inputs: a batch is all texts (a list of strings) or all numbers, not a mix.")
    try:
        arrays = as_input_arrays(inputs, bundle.inputs)
    except ValueError as err:
        if not whole:
            return inputs, tokens
        raise HTTPException(422, str(err)) from None
    _check_ids(bundle, arrays)
    return (arrays[0] if len(arrays) == 1 else arrays), tokens


def _encode(bundle: Bundle, texts: list[str], dataset_id: str | None, settings: Settings,
            datasets: DatasetRegistry | None) -> tuple[np.ndarray, list[TextTokens]]:
    if len(bundle.inputs) != 1:
        raise HTTPException(422, f"inputs: this model has {len(bundle.inputs)} inputs; texts can be sent to a "
                                 "model with one, so send a list of batches of token ids, one per input.")
    spec = bundle.inputs[0]
    enc = text_encoding(settings, dataset_id, datasets)
    if enc is None:
        shape = "(N, " + ", ".join("None" if d is None else str(d) for d in spec.shape) + ")"
        where = f"data set '{dataset_id}'" if dataset_id else "no data set"
        raise HTTPException(422, f"inputs: this model was trained on {where}, which has no vocabulary, so texts "
                                 f"cannot be tokenised for it; send a batch of numbers of shape {shape}.")
    if spec.dtype != "int64" or len(spec.shape) != 1:
        raise HTTPException(422, f"inputs: the model's Input '{spec.id}' takes {spec.dtype} of shape "
                                 f"{tuple(spec.shape)}, not a row of token ids, so texts cannot be fed to it.")
    try:
        return enc.encode(texts, spec.shape[0])
    except ValueError as err:  # a vocabulary without an out-of-vocabulary id: names the tokens
        raise HTTPException(422, f"inputs: {err}") from None


def _check_ids(bundle: Bundle, arrays: list[np.ndarray]) -> None:
    """Token ids must be rows of the Embedding they feed, as Keras's Embedding requires."""
    if not any(s.dtype == "int64" for s in bundle.inputs):
        return
    analysis = analyze(bundle.graph)
    for spec, a in zip(bundle.inputs, arrays, strict=True):
        if spec.dtype != "int64" or a.size == 0:
            continue
        dims = [(nid, n.layer.input_dim) for nid, n in analysis.nodes.items()
                if isinstance(n.layer, Embedding) and any(e.source == spec.id for e in n.inputs)]
        if not dims:
            continue
        node, bound = min(dims, key=lambda d: d[1])
        low, high = int(a.min()), int(a.max())
        if low < 0 or high >= bound:
            bad = low if low < 0 else high
            raise HTTPException(422, f"Input '{spec.id}': token id {bad} is not a row of Embedding '{node}' "
                                     f"(input_dim {bound}); ids go from 0 to {bound - 1}.")


def dataset_info(datasets: DatasetRegistry, dataset_id: str | None) -> DatasetInfo | None:
    if not dataset_id:
        return None
    try:
        return datasets.info(dataset_id)
    except (DatasetNotFound, DataError):
        return None


def finish_outputs(info: DatasetInfo | None, outputs: Any) -> Any:
    """A series set's outputs in original units (the set's stored target scaling undone)."""
    if info is None or not info.extra.get("series"):
        return outputs
    from ..data.series import inverse_targets  # only series sets need it

    if isinstance(outputs, list):
        return [inverse_targets(info, o) for o in outputs]
    return inverse_targets(info, outputs)
