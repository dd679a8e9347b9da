"""POST /api/runs/{id}/generate: text from a trained model.

A next-token model (trained on a .txt corpus) continues the seed (training/generate.py); an
encoder–decoder decodes the seed as its input sequence (training/seq2seq_decode.py). Both run on
the CPU in the API process, in the threadpool (a sync route; a streamed answer is iterated there
too), and every refusal comes before the first token: 409 for a run without a model, 422 with a
sentence for a model or a seed that cannot be generated from.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import StreamingResponse

from ...data.errors import DataError
from ...data.registry import DatasetNotFound, DatasetRegistry
from ...data.vocabularies import NoVocabulary, vocabulary_of
from ...data.vocabulary import Vocabulary
from ...store.models import RunRow
from ...training.bundle import Bundle
from ...training.generate import generate, join
from ...training.seq2seq_decode import decode, is_seq2seq
from ..deps import DatasetsDep, RunDep, SettingsDep
from ..schemas import GenerateRequest, GenerateResponse, Message
from .runs import _model_path

router = APIRouter(prefix="/api", tags=["runs"])
Mode = Literal["next_token", "seq2seq"]
NDJSON = "application/x-ndjson"


@router.post("/runs/{run_id}/generate", response_model=GenerateResponse,
             responses={200: {"content": {NDJSON: {}}, "description": "With stream true: one JSON object a line, "
                                                                      "{\"token\"} … then {\"done\": true, \"text\", "
                                                                      "\"mode\"} (or {\"error\"})."},
                        409: {"model": Message}, 422: {"model": Message}})
def generate_text(row: RunDep, body: GenerateRequest, settings: SettingsDep, datasets: DatasetsDep,
                  request: Request) -> GenerateResponse | StreamingResponse:
    """Continue `seed` for `length` tokens (greedy at temperature 0, else sampled; `top_k`,
    `random_seed`), or decode it with a seq2seq model (`length` = the most output tokens,
    `beam_width`). `stream` answers NDJSON lines as tokens are made."""
    path = _model_path(row, settings.runs_dir)
    try:
        bundle = request.app.state.bundles.get(path)
    except Exception as err:  # noqa: BLE001  (a foreign or damaged file: say so, not 500)
        raise HTTPException(409, f"The model of run '{row.id}' could not be loaded: {err}") from None
    vocab = _vocabulary(row, settings, datasets)
    mode: Mode = "seq2seq" if is_seq2seq(bundle) else "next_token"
    try:
        tokens = _tokens(mode, bundle, vocab, body, _window(datasets, row.dataset))
    except ValueError as err:
        raise HTTPException(422, str(err)) from None
    if body.stream:
        return StreamingResponse(_lines(tokens, vocab, mode), media_type=NDJSON)
    try:
        made = list(tokens)
    except ValueError as err:
        raise HTTPException(422, str(err)) from None
    return GenerateResponse(mode=mode, text=join(vocab, made), tokens=made)


def _tokens(mode: Mode, bundle: Bundle, vocab: Vocabulary, body: GenerateRequest,
            window: int | None) -> Iterator[str]:
    if mode == "seq2seq":
        return decode(bundle, vocab, body.seed, max_length=body.length, beam_width=body.beam_width)
    if body.beam_width != 1:
        raise ValueError("beam_width: beam search decodes seq2seq models; a next-token model samples, so leave "
                         "beam_width at 1 (use temperature 0 for the most likely text).")
    return generate(bundle, vocab, body.seed, length=body.length, temperature=body.temperature, top_k=body.top_k,
                    random_seed=body.random_seed, window_hint=window)


def _lines(tokens: Iterator[str], vocab: Vocabulary, mode: Mode) -> Iterator[str]:
    made: list[str] = []
    try:
        for t in tokens:
            made.append(t)
            yield json.dumps({"token": t}, ensure_ascii=False) + "\n"
    except ValueError as err:  # the status line is sent already: the error is the last line
        yield json.dumps({"error": str(err)}, ensure_ascii=False) + "\n"
        return
    yield json.dumps({"done": True, "text": join(vocab, made), "mode": mode}, ensure_ascii=False) + "\n"


def _vocabulary(row: RunRow, settings: SettingsDep, datasets: DatasetRegistry) -> Vocabulary:
    """The vocabulary of the run's data set; 422 naming the set when it has none or is gone."""
    need = "generate needs a model trained on text or a corpus"
    if not row.dataset:
        raise HTTPException(422, f"{need}; run '{row.id}' names no data set.")
    try:
        return vocabulary_of(settings, row.dataset, datasets)
    except NoVocabulary as exc:
        raise HTTPException(422, f"{need}; run '{row.id}' was trained on '{row.dataset}' ({exc.info.kind}).") from None
    except (DataError, DatasetNotFound):
        raise HTTPException(422, f"{need}, and the vocabulary of its data set: '{row.dataset}', which run '{row.id}' "
                                 "was trained on, is gone (deleted?). Upload the text again and train on it.") from None


def _window(datasets: DatasetRegistry, dataset_id: str | None) -> int | None:
    """The data set's window (for a model whose Input has a variable length)."""
    try:
        window = datasets.info(dataset_id).extra.get("window") if dataset_id else None
    except (DataError, DatasetNotFound):
        return None
    return window if isinstance(window, int) else None
