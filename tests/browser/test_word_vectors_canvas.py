"""Load word vectors on an Embedding: a GloVe file goes into the node's matrix in the order of an
uploaded text set's vocabulary, frozen; the dialog says how many words it found and leads to the
imported run."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from canvas_helpers import select_node
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser]

REVIEWS = "text,label\n" + "".join(
    f'"{t}",{lab}\n' for t, lab in [("a great film", "pos"), ("a dull film", "neg"), ("great fun", "pos"),
                                    ("dull plot", "neg")] * 5)


def sentiment_graph(input_dim: int) -> dict:
    def layer(nid: str, kind: str, x: float, **params) -> dict:
        return {"id": nid, "type": kind, "params": params, "position": {"x": x, "y": 80}}

    return {
        "format": "netcanvas.graph/1", "name": "glove-sentiment",
        "nodes": [layer("in", "Input", 0, shape=[4], dtype="int64"),
                  layer("embedding_1", "Embedding", 240, input_dim=input_dim, output_dim=3),
                  layer("pool", "GlobalAveragePooling1D", 480),
                  layer("out", "Dense", 720, units=2, activation="softmax")],
        "edges": [{"source": "in", "target": "embedding_1"}, {"source": "embedding_1", "target": "pool"},
                  {"source": "pool", "target": "out"}],
    }


def test_glove_vectors_load_into_an_embedding_frozen(page: Page, artifacts: Path, tmp_path: Path):
    r = page.request.post("/api/datasets", multipart={
        "file": {"name": "reviews.csv", "mimeType": "text/csv", "buffer": REVIEWS.encode()},
        "kind": "text", "max_length": "4", "name": "reviews"})
    assert r.ok, r.text()
    dataset = r.json()
    vocab_size = dataset["extra"]["vocab_size"]  # pad, oov, a, film, great, dull, fun, plot
    graph_file = tmp_path / "glove-sentiment.json"
    graph_file.write_text(json.dumps(sentiment_graph(vocab_size)))
    page.set_input_files('[data-testid="import-file"]', str(graph_file))
    expect(page.locator(".react-flow__node")).to_have_count(4)

    select_node(page, "pool")
    expect(page.locator('[data-testid="load-vectors"]')).to_have_count(0)  # only on an Embedding
    select_node(page, "embedding_1")
    page.click('[data-testid="load-vectors"]')
    expect(page.locator('[data-testid="vectors-dialog"]')).to_be_visible()
    glove = tmp_path / "glove.tiny.3d.txt"
    glove.write_text("great 0.1 0.2 0.3\nzebra 1 1 1\nfilm -1 0.5 2\ndull 3 2 1\n")
    page.set_input_files('[data-testid="vectors-file"]', str(glove))
    expect(page.locator('[data-testid="vectors-file-name"]')).to_contain_text("glove.tiny.3d.txt")
    page.select_option('[data-testid="vectors-dataset"]', dataset["id"])
    page.click('[data-testid="vectors-submit"]')

    report = page.locator('[data-testid="vectors-report"]')
    expect(report).to_contain_text(f"{vocab_size}×3 matrix")
    expect(report).to_contain_text("frozen")
    expect(page.locator('[data-testid="vectors-found"]')).to_have_text("3")
    expect(report).to_contain_text(f"of {vocab_size - 2} vocabulary words")
    page.screenshot(path=str(artifacts / "word-vectors-report.png"))

    page.click('[data-testid="vectors-open-run"]')
    page.wait_for_url(re.compile(r"#/runs/"))
    expect(page.locator('[data-testid="run-view"]')).to_have_attribute("data-status", "imported")
    expect(page.locator('[data-testid="run-logs"]')).to_contain_text(
        f"Word vectors for 'embedding_1': 3 of {vocab_size - 2} vocabulary words found")
    page.screenshot(path=str(artifacts / "word-vectors-run.png"))


def test_a_dimension_mismatch_shows_the_fix(page: Page, tmp_path: Path):
    graph_file = tmp_path / "g.json"
    graph_file.write_text(json.dumps(sentiment_graph(10)))
    page.set_input_files('[data-testid="import-file"]', str(graph_file))
    expect(page.locator(".react-flow__node")).to_have_count(4)
    select_node(page, "embedding_1")
    page.click('[data-testid="load-vectors"]')
    path = tmp_path / "vectors.npy"
    np.save(path, np.zeros((10, 5), np.float32))
    page.set_input_files('[data-testid="vectors-file"]', str(path))
    page.click('[data-testid="vectors-submit"]')
    expect(page.locator('[data-testid="vectors-error"]')).to_contain_text(
        "the vectors have 5 dimensions but 'embedding_1' has output_dim 3: set output_dim to 5")
