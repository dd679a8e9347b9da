"""The seeds' char-RNN in the UI (issue 10): a .txt uploaded on the Data page becomes a corpus of
next-character windows, the Char-RNN template (sized to its vocabulary) trains on it, and the run
page's Generate panel continues a seed with temperature sampling, streamed token by token
(application/x-ndjson), the same text as the API gives for the same random seed.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from canvas_helpers import set_param, settle
from playwright.sync_api import Page, expect
from sequence_helpers import doc_shot, set_option, train, upload

pytestmark = pytest.mark.browser

WINDOW = 20
LINES = (
    "shall i compare thee to a summer's day?",
    "thou art more lovely and more temperate:",
    "rough winds do shake the darling buds of may,",
    "and summer's lease hath all too short a date;",
)


def corpus(path: Path) -> Path:
    """A small sonnet-like corpus: four lines, repeated (a few thousand characters)."""
    path.write_text("\n".join(LINES * 40) + "\n")
    return path


def test_char_lstm_on_an_uploaded_txt_generates_text(page: Page, server: str, artifacts: Path, tmp_path: Path):
    # --- a .txt on the Data page: read as a corpus, with its own options ---------------------------
    page.click('[data-testid="nav-data"]')
    page.set_input_files('[data-testid="dataset-file"]', str(corpus(tmp_path / "sonnets.txt")))
    expect(page.locator('[data-testid="upload-form"]')).to_have_attribute("data-kind", "corpus")
    expect(page.locator('[data-testid="opt-unit"]')).to_have_value("char")
    expect(page.locator('[data-testid="opt-window"]')).to_have_attribute("placeholder", "40")
    assert not page.locator('[data-testid="opt-target"]').count()  # a corpus has no label column
    set_option(page, "window", str(WINDOW))
    doc_shot(page.locator('[data-testid="upload-card"]'), "2-corpus-upload", artifacts)
    info = upload(page, tmp_path / "sonnets.txt", "sonnets", {"window": str(WINDOW), "step": "2"})
    assert info["extra"]["task"] == "next_token", info["extra"]
    assert info["input_shape"] == [WINDOW] and info["input_dtype"] == "int64", info
    vocab = httpx.get(f"{server}/api/datasets/{info['id']}/vocabulary", timeout=30).json()
    assert vocab["unit"] == "char" and set("shall i compare") <= set(vocab["tokens"]), vocab
    classes = info["target"]["num_classes"]
    assert classes == vocab["size"], (classes, vocab["size"])
    doc_shot(page, "2-corpus-data", artifacts)

    # --- the Char-RNN template, sized to this corpus, trained for a few epochs ----------------------
    page.click('[data-testid="nav-canvas"]')
    page.click('[data-testid="open-templates"]')
    page.click('[data-testid="template-char-rnn"]')
    settle(page)
    page.click('[data-testid="tab-train"]')
    page.select_option('[data-testid="train-dataset"]', info["id"])
    page.click('[data-testid="apply-input-shape"]')  # Input takes (20,) character ids
    settle(page)
    set_param(page, "embedding_1", "input_dim", str(classes))  # one row per character of the vocabulary
    set_param(page, "dense_1", "units", str(classes))  # one probability per character
    set_param(page, "lstm_1", "units", "64")  # small: seconds on a CPU
    doc_shot(page, "2-char-rnn-canvas", artifacts)
    run_id = train(page, info["id"], epochs=4, batch_size=64, learning_rate="0.01")

    # --- Generate: the seed continued, streamed ----------------------------------------------------
    panel = page.locator('[data-testid="generate-panel"]')
    panel.scroll_into_view_if_needed()
    seed = "shall i compare thee"
    page.fill('[data-testid="generate-seed"]', seed)
    page.fill('[data-testid="generate-length"]', "80")
    page.fill('[data-testid="generate-temperature"]', "0.5")
    page.fill('[data-testid="generate-random-seed"]', "3")
    with page.expect_response(lambda r: r.url.endswith(f"/api/runs/{run_id}/generate")) as resp:
        page.click('[data-testid="generate-go"]')
    assert "ndjson" in (resp.value.headers.get("content-type") or ""), resp.value.headers
    sent = resp.value.request.post_data_json
    assert sent == {"seed": seed, "length": 80, "temperature": 0.5, "top_k": 0, "random_seed": 3, "stream": True}
    output = page.locator('[data-testid="generate-output"][data-done="yes"]')
    expect(output).to_have_count(1, timeout=60_000)
    expect(output).to_contain_text(seed)  # the seed, then what the model wrote
    text = page.locator('[data-testid="generated-text"]').inner_text()
    assert len(text) == 80, repr(text)
    assert set(text) <= set(vocab["tokens"]), repr(text)
    # the same random seed gives the same text through the API, unstreamed
    again = httpx.post(f"{server}/api/runs/{run_id}/generate", json={**sent, "stream": False}, timeout=60).json()
    assert again["mode"] == "next_token" and again["text"] == text
    doc_shot(panel, "2-generate", artifacts)

    # greedy (temperature 0) is a different, repeatable continuation
    page.fill('[data-testid="generate-temperature"]', "0")
    page.click('[data-testid="generate-go"]')
    expect(page.locator('[data-testid="generate-output"][data-done="yes"]')).to_have_count(1, timeout=60_000)
    assert len(page.locator('[data-testid="generated-text"]').inner_text()) == 80

    # a seed with a character the corpus never had: flagged, and the server's sentence shown
    page.fill('[data-testid="generate-seed"]', "shall I compare thee")
    expect(page.locator('[data-testid="generate-unknown"]')).to_contain_text("I")
    page.click('[data-testid="generate-go"]')
    expect(page.locator('[data-testid="generate-error"]')).to_contain_text(re.compile(r"seed", re.IGNORECASE))
