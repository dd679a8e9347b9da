"""Shared steps of the four sequence walkthroughs (issue 10; docs/sequences.md is them in prose):
screenshots for the docs, uploads on the Data page, training from the Train tab, waiting for a run.

Screenshots go to test-artifacts/ always, and to docs/img/ only with NETCANVAS_DOC_SHOTS=1 (each
run shows new run ids, and a test run must not leave the checkout changed).
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import httpx
from canvas_helpers import settle
from playwright.sync_api import Locator, Page, expect

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
WRITE_DOCS = os.environ.get("NETCANVAS_DOC_SHOTS") == "1"


def doc_shot(target: Page | Locator, name: str, artifacts: Path) -> None:
    """`sequences-{name}.png` in test-artifacts/, and a small palette copy for docs/img (or
    test-artifacts/docs-img unless WRITE_DOCS). A page shot waits for the toasts to go."""
    from PIL import Image

    if isinstance(target, Page):
        expect(target.locator(".toast")).to_have_count(0, timeout=10_000)
    png = target.screenshot()
    (artifacts / f"sequences-{name}.png").write_bytes(png)
    img = Image.open(io.BytesIO(png)).convert("RGB")
    if img.width > 1200:
        img = img.resize((1200, round(img.height * 1200 / img.width)), Image.Resampling.LANCZOS)
    out = DOCS_IMG if WRITE_DOCS else artifacts / "docs-img"
    out.mkdir(parents=True, exist_ok=True)
    img.quantize(colors=128, method=Image.Quantize.FASTOCTREE).save(out / f"sequences-{name}.png", optimize=True)


def upload(page: Page, path: Path, name: str, options: dict[str, str] | None = None) -> dict:
    """Uploads `path` on the Data page with the options form filled (select or text field by
    its form name); returns the new data set's record from the server."""
    page.click('[data-testid="nav-data"]')
    page.set_input_files('[data-testid="dataset-file"]', str(path))
    expect(page.locator('[data-testid="upload-file-name"]')).to_have_text(path.name)
    page.fill('[data-testid="opt-name"]', name)
    for field, value in (options or {}).items():
        set_option(page, field, value)
    page.click('[data-testid="upload-submit"]')
    expect(page.locator('[data-testid="upload-error"]')).to_have_count(0)
    expect(page.locator('[data-testid="dataset-title"]')).to_have_text(name, timeout=60_000)
    dataset = page.locator('[data-testid="dataset-detail"]').get_attribute("data-id")
    assert dataset and dataset.startswith("up-"), dataset
    return dataset_info(page, dataset)


def set_option(page: Page, field: str, value: str) -> None:
    box = page.locator(f'[data-testid="opt-{field}"]')
    kind = box.evaluate("e => e.tagName === 'SELECT' ? 'select' : e.type")
    if kind == "select":
        box.select_option(value)
    elif kind == "checkbox":
        box.set_checked(value == "true")
    else:
        box.fill(value)


def dataset_info(page: Page, dataset: str) -> dict:
    base = page.url.split("#", 1)[0].rstrip("/")
    found = [d for d in httpx.get(f"{base}/api/datasets", timeout=30).json()["data"] if d["id"] == dataset]
    assert found, f"{dataset} is not listed"
    return found[0]


def train(page: Page, dataset: str, epochs: int, batch_size: int, *, loss: str | None = None,
          learning_rate: str | None = None) -> str:
    """From the canvas: the Train tab set for `dataset`, launched; returns the run id once the
    run page shows it succeeded."""
    page.click('[data-testid="tab-train"]')
    page.select_option('[data-testid="train-dataset"]', dataset)
    if loss:
        page.select_option('[data-testid="train-loss"]', loss)
    page.fill('[data-testid="train-epochs"]', str(epochs))
    page.fill('[data-testid="train-batchSize"]', str(batch_size))
    if learning_rate:
        page.fill('[data-testid="train-learningRate"]', learning_rate)
    settle(page)
    expect(page.locator('[data-testid="problem-count"]')).to_have_text("Ready to train")
    page.click('[data-testid="launch"]')
    page.wait_for_url(re.compile(r"#/runs/"))
    view = page.locator('[data-testid="run-view"]')
    expect(view).not_to_have_attribute("data-status", "", timeout=30_000)
    expect(view).to_have_attribute("data-status", re.compile("succeeded|failed|cancelled"), timeout=300_000)
    if view.get_attribute("data-status") != "succeeded":
        raise AssertionError(f"the run did not succeed: {page.locator('[data-testid=run-error]').all_inner_texts()}")
    return page.url.rsplit("/", 1)[-1]
