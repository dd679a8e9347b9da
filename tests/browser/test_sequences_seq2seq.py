"""The seeds' seq2seq translator in the UI (issue 10, first "done when"): Templates → Encoder–decoder
(the encoder LSTM's h and c on the decoder's state ports, Keras's initial_state), trained on the
built-in "Reverse a word" set, a word decoded on the run page (greedy and beam search), and the
.h5 download, which Keras loads and which predicts what /predict answers.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import httpx
import numpy as np
import pytest
from canvas_helpers import set_param, settle
from playwright.sync_api import Page, expect
from sequence_helpers import doc_shot, train

pytestmark = [pytest.mark.browser,
              pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")]

DATASET = "seq2seq_reverse"
UNITS = "64"  # 20 epochs in seconds on a CPU; encoder and decoder agree, as the states must


def test_encoder_decoder_trains_decodes_and_exports(page: Page, server: str, keras, artifacts: Path, tmp_path: Path):
    # --- the template: two Inputs, the encoder's states wired into the decoder's h and c ports -----
    page.click('[data-testid="open-templates"]')
    page.click('[data-testid="template-seq2seq"]')
    settle(page)
    for port in (1, 2):  # the state wires, drawn as the template has them
        expect(page.locator(f'[data-testid="rf__edge-e:encoder:{port}->decoder:{port}"]')).to_have_count(1)
    set_param(page, "encoder", "units", UNITS)
    set_param(page, "decoder", "units", UNITS)
    expect(page.locator('[data-testid="problem-count"]')).to_have_text("Ready to train")
    doc_shot(page, "1-seq2seq-canvas", artifacts)

    run_id = train(page, DATASET, epochs=20, batch_size=64, learning_rate="0.01")
    record = httpx.get(f"{server}/api/runs/{run_id}", timeout=30).json()
    assert record["test_metrics"]["accuracy"] > 0.9, record["test_metrics"]  # per time step, as Keras counts it
    doc_shot(page, "1-seq2seq-run", artifacts)

    # --- decode a word on the run page ----------------------------------------------------------------
    panel = page.locator('[data-testid="decode-panel"]')
    panel.scroll_into_view_if_needed()
    page.fill('[data-testid="decode-input"]', "canvas")
    with page.expect_request(lambda q: q.url.endswith(f"/api/runs/{run_id}/generate")) as req:
        page.click('[data-testid="decode-go"]')
    sent = req.value.post_data_json
    assert sent["seed"] == "canvas" and sent["beam_width"] == 1 and sent["stream"] is False
    out = page.locator('[data-testid="decode-output"]')
    expect(out).to_have_text(re.compile(r"\S"))
    greedy = out.inner_text()
    assert greedy == "savnac", greedy  # reversed, and the end token stopped it (a word it never saw)
    # the page shows what the API answers for the same request
    api = httpx.post(f"{server}/api/runs/{run_id}/generate", json=sent, timeout=60).json()
    assert api["mode"] == "seq2seq" and api["text"] == greedy
    page.fill('[data-testid="decode-beam"]', "3")
    page.click('[data-testid="decode-go"]')
    expect(page.locator('[data-testid="decode-result"]')).to_contain_text("Beam search, width 3")
    doc_shot(panel, "1-seq2seq-decode", artifacts)

    # test words, read back from the data set's one-hot inputs, fill the box
    example = page.locator('[data-testid="decode-example-0"]')
    word = example.inner_text()
    assert word and set(word) <= set(string.ascii_lowercase), word
    example.click()
    expect(page.locator('[data-testid="decode-input"]')).to_have_value(word)

    # a character the vocabulary lacks: said before sending, and the server's 422 sentence shown
    page.fill('[data-testid="decode-input"]', "ab1")
    expect(page.locator('[data-testid="generate-unknown"]')).to_contain_text("1")
    page.click('[data-testid="decode-go"]')
    expect(page.locator('[data-testid="decode-error"]')).to_be_visible()

    # --- model.h5: Keras loads it and predicts what /predict answers -------------------------------
    with page.expect_download(timeout=120_000) as dl:
        page.click('[data-testid="artifact-model.h5"]')
    assert dl.value.suggested_filename == "model.h5"
    target = tmp_path / "seq2seq.h5"
    dl.value.save_as(target)
    model = keras.models.load_model(target, compile=False)
    samples = httpx.get(f"{server}/api/datasets/{DATASET}/samples", params={"split": "test", "count": 8}, timeout=30).json()
    enc, dec = (np.asarray(x, dtype="float32") for x in samples["inputs"])
    assert enc.shape == (8, 8, 29) and dec.shape == (8, 9, 29), (enc.shape, dec.shape)
    ours = httpx.post(f"{server}/api/runs/{run_id}/predict", json={"inputs": [enc.tolist(), dec.tolist()]},
                      timeout=60).json()["outputs"]
    feed = [enc if "encoder" in t.name else dec for t in model.inputs]  # in the model's own input order
    theirs = np.asarray(model.predict(feed, verbose=0))
    np.testing.assert_allclose(theirs, np.asarray(ours), atol=1e-4)

