"""Sentiment from typed reviews in the UI (issue 10): a review CSV (text,label) uploaded on the
Data page and read as texts, the LSTM classifier template trained on it, and a typed sentence
classified on the run page (POST /predict with the raw string, tokenised as the data set was).
"""

from __future__ import annotations

import random
from pathlib import Path

import httpx
import pytest
from canvas_helpers import set_param, settle
from playwright.sync_api import Page, expect
from sequence_helpers import doc_shot, train, upload

pytestmark = pytest.mark.browser

MAX_LENGTH = 12
GOOD = ("great", "wonderful", "loved", "brilliant", "delightful", "superb")
BAD = ("awful", "boring", "hated", "terrible", "dull", "dreadful")
FILLER = ("the", "film", "was", "movie", "acting", "plot", "really", "and", "a", "story", "quite")


def reviews(path: Path, n: int = 400) -> Path:
    """Short reviews whose label follows their words: two positive words in a 'pos' review,
    two negative in a 'neg' one, among filler words."""
    rng = random.Random(0)
    rows = ["text,label"]
    for i in range(n):
        label = "pos" if i % 2 else "neg"
        words = [rng.choice(FILLER) for _ in range(rng.randint(3, 7))] + rng.sample(GOOD if label == "pos" else BAD, 2)
        rng.shuffle(words)
        rows.append(f"{' '.join(words).capitalize()}!,{label}")
    path.write_text("\n".join(rows) + "\n")
    return path


def test_sentiment_from_a_review_csv_classifies_a_typed_sentence(page: Page, server: str, artifacts: Path, tmp_path: Path):
    csv = reviews(tmp_path / "reviews.csv")
    info = upload(page, csv, "reviews", {"kind": "text", "max_length": str(MAX_LENGTH), "target": "label"})
    assert info["kind"] == "text" and info["input_shape"] == [MAX_LENGTH], info
    assert info["target"]["class_names"] == ["neg", "pos"], info["target"]
    doc_shot(page, "3-reviews-data", artifacts)

    # --- the LSTM classifier template, sized for these texts ----------------------------------------
    page.click('[data-testid="nav-canvas"]')
    page.click('[data-testid="open-templates"]')
    page.click('[data-testid="template-lstm-classifier"]')
    settle(page)
    page.click('[data-testid="tab-train"]')
    page.select_option('[data-testid="train-dataset"]', info["id"])
    page.click('[data-testid="apply-input-shape"]')  # Input takes (12,) token ids
    settle(page)
    set_param(page, "embedding_1", "output_dim", "16")
    set_param(page, "lstm_1", "units", "16")
    run_id = train(page, info["id"], epochs=8, batch_size=32, loss="binary_crossentropy", learning_rate="0.01")

    # --- Try the model: a typed sentence -------------------------------------------------------------
    expect(page.locator('[data-testid="try-text"]')).to_have_attribute("aria-selected", "true")  # the default for texts
    for sentence, label in (("What a wonderful, brilliant film.", "pos"), ("The plot was dull and the acting awful.", "neg")):
        page.fill('[data-testid="text-input"]', sentence)
        with page.expect_request(lambda q: q.url.endswith(f"/api/runs/{run_id}/predict")) as req:
            page.click('[data-testid="text-go"]')
        assert req.value.post_data_json == {"inputs": [sentence]}
        expect(page.locator('[data-testid="text-result"][data-done="yes"]')).to_have_count(1)
        expect(page.locator('[data-testid="predicted-class"]')).to_have_text(label)
        expect(page.locator('[data-testid="prediction"] .prob')).to_have_count(2)
        if label == "pos":
            page.locator("#try-model").scroll_into_view_if_needed()
            doc_shot(page.locator("#try-model"), "3-typed-sentence", artifacts)
    # the panel shows what the API answers for the raw string
    out = httpx.post(f"{server}/api/runs/{run_id}/predict", json={"inputs": ["The plot was dull and the acting awful."]}, timeout=30).json()
    p = out["outputs"][0][0] if isinstance(out["outputs"][0], list) else out["outputs"][0]
    shown = float(page.locator('[data-testid="prediction"] .prob.top .pv').inner_text())
    assert abs((1 - p) - shown) < 1e-3 or abs(p - shown) < 1e-3, (p, shown)
