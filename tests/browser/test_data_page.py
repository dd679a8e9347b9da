"""The data sets page in a real browser: the list, previews, uploads through the drop zone's file
input (with the options form for the file type), the server's refusal on screen, Use on canvas,
and deleting an upload."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

SPECIES = ("setosa", "versicolor", "virginica")


def flowers_csv(path: Path, rows: int = 30) -> Path:
    """A small iris-like table: three measurements and a species column (10 rows per class)."""
    lines = ["sepal_length,sepal_width,petal_length,species"]
    for i in range(rows):
        k = i % 3
        lines.append(f"{4.8 + k + i * 0.01:.2f},{3.2 - k * 0.2:.2f},{1.4 + k * 2 + i * 0.02:.2f},{SPECIES[k]}")
    path.write_text("\n".join(lines) + "\n")
    return path


def open_data_page(page: Page) -> None:
    page.click('[data-testid="nav-data"]')
    expect(page.locator('[data-testid="data-page"]')).to_be_visible()
    expect(page.locator('[data-testid="dataset-digits"]')).to_be_visible()


def test_lists_data_sets_and_previews_images(page: Page, artifacts: Path):
    open_data_page(page)
    # Built-in, synthetic and published sets are listed with their shape and target.
    for ds in ("digits", "iris", "moons", "sine"):
        expect(page.locator(f'[data-testid="dataset-{ds}"]')).to_be_visible()
    expect(page.locator('[data-testid="dataset-iris"]')).to_contain_text("(4,)")
    expect(page.locator('[data-testid="dataset-iris"]')).to_contain_text("3 classes")
    expect(page.locator('[data-testid="dataset-sine"]')).to_contain_text("values")

    page.click('[data-testid="dataset-digits"]')
    detail = page.locator('[data-testid="dataset-detail"]')
    expect(detail).to_have_attribute("data-id", "digits")
    expect(page.locator('[data-testid="dataset-input-shape"]')).to_have_text("(1, 8, 8)")
    expect(detail).to_contain_text("sparse_categorical_crossentropy")
    images = page.locator('[data-testid="sample-images"] img')
    expect(images.first).to_be_visible()
    assert images.count() >= 16
    assert images.first.evaluate("img => img.complete && img.naturalWidth") == 8
    # Ten classes with train and test counts.
    expect(page.locator('[data-testid="class-balance"] .balance-row')).to_have_count(10)
    expect(page.locator('[data-testid="balance-0"]')).to_contain_text(re.compile(r"\d+ · \d+"))
    assert not page.locator('[data-testid="delete-dataset"]').count()  # built-in sets cannot be deleted
    page.screenshot(path=str(artifacts / "data-digits.png"))

    # A regression target shows its value range instead of classes.
    page.click('[data-testid="dataset-sine"]')
    expect(page.locator('[data-testid="class-balance"]')).to_contain_text("mean")
    expect(page.locator('[data-testid="preview-rows"] tbody tr').first).to_be_visible()


def test_upload_csv_preview_use_on_canvas_and_delete(page: Page, artifacts: Path, tmp_path: Path):
    csv = flowers_csv(tmp_path / "flowers.csv")
    open_data_page(page)
    page.set_input_files('[data-testid="dataset-file"]', str(csv))

    form = page.locator('[data-testid="upload-form"]')
    expect(form).to_have_attribute("data-kind", "csv")
    expect(page.locator('[data-testid="upload-file-name"]')).to_have_text("flowers.csv")
    # The CSV's header fills the target column choice; its last column is the default.
    expect(page.locator('[data-testid="opt-target"]')).to_have_value("species")
    options = page.locator('[data-testid="opt-target"] option').all_inner_texts()
    assert options == ["sepal_length", "sepal_width", "petal_length", "species"], options
    # Image options do not apply to a table.
    assert not page.locator('[data-testid="opt-image_size"]').count()
    # Reading the CSV as texts swaps in the tokenizer options.
    page.select_option('[data-testid="opt-kind"]', "text")
    expect(page.locator('[data-testid="opt-max_length"]')).to_be_visible()
    page.select_option('[data-testid="opt-kind"]', "auto")
    expect(page.locator('[data-testid="opt-max_length"]')).to_have_count(0)
    # A field that is not a number is caught before sending.
    page.fill('[data-testid="opt-test_split"]', "lots")
    expect(form).to_contain_text("Test split must be a number.")
    expect(page.locator('[data-testid="upload-submit"]')).to_be_disabled()
    page.fill('[data-testid="opt-test_split"]', "0.2")
    page.fill('[data-testid="opt-name"]', "Flowers")
    page.screenshot(path=str(artifacts / "data-upload-form.png"))

    page.click('[data-testid="upload-submit"]')
    detail = page.locator('[data-testid="dataset-detail"]')
    expect(page.locator('[data-testid="dataset-title"]')).to_have_text("Flowers")
    upload_id = detail.get_attribute("data-id")
    assert upload_id and upload_id.startswith("up-"), upload_id
    expect(page).to_have_url(re.compile(rf"#/data/{upload_id}$"))
    expect(page.locator(f'[data-testid="dataset-{upload_id}"]')).to_contain_text("(3,)")
    expect(page.locator('[data-testid="dataset-input-shape"]')).to_have_text("(3,)")

    # The first rows as uploaded, the rows as the model sees them, and the class balance.
    raw = page.locator('[data-testid="preview-raw"]')
    expect(raw.locator("thead")).to_contain_text("species")
    expect(raw.locator("tbody tr").first).to_contain_text("setosa")
    expect(raw.locator("tbody tr")).to_have_count(10)
    expect(page.locator('[data-testid="preview-rows"] tbody tr').first).to_be_visible()
    balance = page.locator('[data-testid="class-balance"]')
    for name in SPECIES:
        expect(balance.locator(f'[data-testid="balance-{name}"]')).to_be_visible()
    counts = [balance.locator(f'[data-testid="balance-{n}"] .bc').inner_text() for n in SPECIES]
    totals = [sum(int(c) for c in text.split("·")) for text in counts]
    assert totals == [10, 10, 10], counts
    page.screenshot(path=str(artifacts / "data-upload-preview.png"), full_page=True)

    # Use on canvas picks it in the Train panel (the panel's own setting) with its suggested loss.
    page.click('[data-testid="use-on-canvas"]')
    expect(page.locator('[data-testid="train-panel"]')).to_be_visible()
    expect(page.locator('[data-testid="train-dataset"]')).to_have_value(upload_id)
    expect(page.locator('[data-testid="train-loss"]')).to_have_value("sparse_categorical_crossentropy")
    page.screenshot(path=str(artifacts / "data-use-on-canvas.png"))

    # Delete asks for a second click, then the set is gone from the list.
    page.click('[data-testid="nav-data"]')
    page.click(f'[data-testid="dataset-{upload_id}"]')
    page.click('[data-testid="delete-dataset"]')
    expect(page.locator('[data-testid="delete-dataset"]')).to_contain_text("Click again")
    page.click('[data-testid="delete-dataset"]')
    expect(page.locator(f'[data-testid="dataset-{upload_id}"]')).to_have_count(0)
    expect(page).to_have_url(re.compile(r"#/data$"))
    # The Train panel no longer names the deleted set.
    expect(page.locator('[data-testid="dataset-digits"] .ds-badge')).to_have_text("training")


def test_refused_upload_shows_the_servers_message(page: Page, artifacts: Path, tmp_path: Path):
    open_data_page(page)
    # A CSV with a short row: the server refuses with a sentence naming the file and the line.
    bad = tmp_path / "measurements.csv"
    bad.write_text("a,b,label\n1,2,x\n3,4\n5,6,y\n")
    page.set_input_files('[data-testid="dataset-file"]', str(bad))
    page.click('[data-testid="upload-submit"]')
    error = page.locator('[data-testid="upload-error"]')
    expect(error).to_be_visible()
    expect(error).to_contain_text("measurements.csv")
    expect(error).to_contain_text("line 3 has 2 fields, the header has 3")
    # The form stays, so the file or an option can be changed and the upload retried.
    expect(page.locator('[data-testid="upload-form"]')).to_be_visible()
    page.screenshot(path=str(artifacts / "data-upload-refused.png"))

    # A .txt is a corpus; one shorter than a window of text is refused with the option to change.
    junk = tmp_path / "notes.txt"
    junk.write_text("just some words\n")
    page.click('[data-testid="upload-cancel"]')
    page.set_input_files('[data-testid="dataset-file"]', str(junk))
    expect(page.locator('[data-testid="upload-form"]')).to_have_attribute("data-kind", "corpus")
    page.click('[data-testid="upload-submit"]')
    expect(page.locator('[data-testid="upload-error"]')).to_contain_text("notes.txt")
    expect(page.locator('[data-testid="upload-error"]')).to_contain_text("window")
    assert page.locator('[data-testid^="dataset-up-"]').count() == 0


def test_dropping_a_file_on_the_zone_opens_its_options(page: Page):
    """A real drop (a DataTransfer holding a File) rather than the file input."""
    open_data_page(page)
    zone = page.locator('[data-testid="dropzone"]')
    page.evaluate(
        """([name, text]) => {
            window.__dt = new DataTransfer();
            window.__dt.items.add(new File([text], name, { type: "text/csv" }));
        }""",
        ["dropped.csv", "height,weight,size\n1.7,60,M\n1.8,80,L\n1.6,50,S\n"],
    )
    for kind in ("dragenter", "dragover"):
        zone.dispatch_event(kind, {"dataTransfer": page.evaluate_handle("window.__dt")})
    expect(zone).to_have_class(re.compile(r"\bover\b"))  # the zone lights up under a dragged file
    zone.dispatch_event("drop", {"dataTransfer": page.evaluate_handle("window.__dt")})
    expect(zone).to_have_count(0)
    expect(page.locator('[data-testid="upload-file-name"]')).to_have_text("dropped.csv")
    expect(page.locator('[data-testid="opt-target"]')).to_have_value("size")
    page.click('[data-testid="upload-cancel"]')
    expect(page.locator('[data-testid="dropzone"]')).to_be_visible()


def test_published_set_not_downloaded_says_how_to_get_it(page: Page, artifacts: Path):
    """MNIST is listed for download; the server's refusal (stubbed: CI may or may not be online)
    shows with the folder and files to place by hand."""
    refusal = ("Could not download https://example.invalid/train-images-idx3-ubyte.gz: no network. "
               "Put the file in /data/datasets/mnist instead.")
    page.route("**/api/datasets/published/mnist/download",
               lambda route: route.fulfill(status=502, json={"detail": refusal}))
    open_data_page(page)
    item = page.locator('[data-testid="published-mnist"]')
    expect(item).to_contain_text("MNIST")
    page.click('[data-testid="download-mnist"]')
    error = page.locator('[data-testid="published-error-mnist"]')
    expect(error).to_contain_text(refusal)
    error.locator("summary").click()
    expect(error).to_contain_text("train-images-idx3-ubyte.gz")
    expect(error.locator(".folder")).to_contain_text("mnist")
    item.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "data-published-refused.png"))
