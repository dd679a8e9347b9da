"""The runs list: rename inline, notes, tags, filters and sort kept in the URL, delete with confirmation."""

from __future__ import annotations

import re
import time
import uuid

import httpx
import pytest
from playwright.sync_api import Page, expect
from test_browser_runs import mlp, start_run, wait_done

pytestmark = pytest.mark.browser


def row(page: Page, run_id: str):
    return page.locator(f'[data-testid="run-row-{run_id}"]')


def row_ids(page: Page) -> list[str]:
    ids = page.locator('[data-testid="runs-table"] tbody tr[data-testid^="run-row-"]').evaluate_all(
        "rows => rows.map(r => r.dataset.testid)")
    return [i.removeprefix("run-row-") for i in ids]


def search(page: Page, text: str) -> None:
    page.fill('[data-testid="runs-search"]', text)
    page.press('[data-testid="runs-search"]', "Enter")


def test_rename_note_tag_filter_sort_delete(page: Page, server: str, artifacts):
    key = f"rp{uuid.uuid4().hex[:6]}"  # the server is shared by the session: only this test's runs match it
    ids = [start_run(server, mlp(f"{key}-h{h}", h), epochs=2) for h in (4, 16, 64)]
    runs = [wait_done(server, i) for i in ids]
    assert [r["status"] for r in runs] == ["succeeded"] * 3
    a, b, c = ids
    assert runs[0]["name"] == f"{key}-h4 · digits"  # the default name: graph · data set

    page.goto(f"/#/runs?q={key}")
    expect(page.locator('[data-testid="runs-table"] tbody tr[data-testid^="run-row-"]')).to_have_count(3)

    # Rename inline: Esc leaves the name as it was, Enter saves, a reload keeps it.
    row(page, b).locator('[data-testid="rename-run"]').click()
    page.fill('[data-testid="run-name-input"]', "not this")
    page.press('[data-testid="run-name-input"]', "Escape")
    expect(row(page, b).locator('[data-testid="run-name"]')).to_have_text(f"{key}-h16 · digits")
    row(page, a).locator('[data-testid="rename-run"]').click()
    page.fill('[data-testid="run-name-input"]', f"{key} tiny baseline")
    page.press('[data-testid="run-name-input"]', "Enter")
    expect(row(page, a).locator('[data-testid="run-name"]')).to_have_text(f"{key} tiny baseline")
    page.reload()
    expect(row(page, a).locator('[data-testid="run-name"]')).to_have_text(f"{key} tiny baseline")
    assert httpx.get(f"{server}/api/runs/{b}", timeout=30).json()["name"] == f"{key}-h16 · digits"

    # A note: opened under the row, saved, previewed under the name.
    row(page, a).locator('[data-testid="toggle-notes"]').click()
    page.fill('[data-testid="notes-input"]', "Four hidden units: how low can it go?\nSecond line.")
    page.click('[data-testid="save-notes"]')
    expect(page.locator('[data-testid="notes-row"]')).to_have_count(0)
    expect(row(page, a).locator('[data-testid="note-preview"]')).to_have_text("Four hidden units: how low can it go?")
    assert httpx.get(f"{server}/api/runs/{a}", timeout=30).json()["notes"].endswith("Second line.")

    # Tags: two at once on a, one on b; a too-long one is refused before anything is sent.
    row(page, a).locator('[data-testid="add-tag"]').click()
    page.fill('[data-testid="tag-input"]', f"small, {key}-keep")
    page.press('[data-testid="tag-input"]', "Enter")
    expect(row(page, a).locator('[data-testid="run-tag"] .tag-name')).to_have_text(["small", f"{key}-keep"])
    row(page, b).locator('[data-testid="add-tag"]').click()
    page.fill('[data-testid="tag-input"]', "x" * 41)
    page.press('[data-testid="tag-input"]', "Enter")
    expect(page.locator('[data-testid="tag-error"]')).to_contain_text("longer than 40")
    page.fill('[data-testid="tag-input"]', f"{key}-keep")
    page.press('[data-testid="tag-input"]', "Enter")
    expect(row(page, b).locator('[data-testid="run-tag"] .tag-name')).to_have_text([f"{key}-keep"])
    row(page, a).get_by_role("button", name="Remove tag small").click()
    expect(row(page, a).locator('[data-testid="run-tag"] .tag-name')).to_have_text([f"{key}-keep"])
    assert httpx.get(f"{server}/api/runs/{a}", timeout=30).json()["tags"] == [f"{key}-keep"]
    page.screenshot(path=str(artifacts / "runs-page-edited.png"), full_page=True)

    # A click on a tag filters by it; the filter is in the URL, so a reload shows the same list.
    row(page, a).locator(".tag-name", has_text=f"{key}-keep").click()
    expect(page).to_have_url(re.compile(f"tag={key}-keep"))
    expect(page.locator('[data-testid="runs-table"] tbody tr[data-testid^="run-row-"]')).to_have_count(2)
    page.reload()
    expect(page.locator('[data-testid="filter-tag"]')).to_have_value(f"{key}-keep")
    expect(page.locator('[data-testid="runs-table"] tbody tr[data-testid^="run-row-"]')).to_have_count(2)
    assert set(row_ids(page)) == {a, b}
    page.screenshot(path=str(artifacts / "runs-page-tag-filter.png"), full_page=True)

    # Text search (notes count too), and the empty state names what matched nothing.
    page.click('[data-testid="clear-filters"]')
    search(page, "how low can it go")
    expect(page.locator('[data-testid="runs-table"] tbody tr[data-testid^="run-row-"]')).to_have_count(1)
    assert row_ids(page) == [a]
    search(page, f"{key}-nothing")
    expect(page.locator('[data-testid="runs-empty"]')).to_contain_text(f"No runs match “{key}-nothing”")
    page.screenshot(path=str(artifacts / "runs-page-empty.png"), full_page=True)
    search(page, key)
    page.select_option('[data-testid="filter-status"]', "running")
    expect(page.locator('[data-testid="runs-empty"]')).to_contain_text(f"No runs match “{key}”, status running")
    page.select_option('[data-testid="filter-status"]', "succeeded")
    page.select_option('[data-testid="filter-dataset"]', "digits")
    expect(page).to_have_url(re.compile("status=succeeded&dataset=digits"))
    expect(page.locator('[data-testid="runs-table"] tbody tr[data-testid^="run-row-"]')).to_have_count(3)
    page.select_option('[data-testid="filter-status"]', "")
    page.select_option('[data-testid="filter-dataset"]', "")

    # Sort by the best validation accuracy: high to low, then low to high; the order survives a reload.
    search(page, key)
    expect(page.locator('[data-testid="runs-table"] tbody tr[data-testid^="run-row-"]')).to_have_count(3)
    best = {r["id"]: r["best_metrics"]["val_accuracy"] for r in (httpx.get(f"{server}/api/runs/{i}", timeout=30).json() for i in ids)}
    page.click('[data-testid="sort-best_val_accuracy"]')
    expect(page).to_have_url(re.compile("sort=best_val_accuracy&order=desc"))
    expect(page.locator('th[aria-sort="descending"]')).to_contain_text("best val_accuracy")
    desc = sorted(ids, key=lambda i: -best[i])
    expect(page.locator('[data-testid="runs-table"] tbody tr[data-testid^="run-row-"]')).to_have_count(3)
    page.wait_for_function("ids => [...document.querySelectorAll('tbody tr[data-testid^=run-row-]')]"
                           ".map(r => r.dataset.testid.slice(8)).join() === ids.join()", arg=desc)
    values = [best[i] for i in row_ids(page)]
    assert values == sorted(values, reverse=True), values
    page.click('[data-testid="sort-best_val_accuracy"]')
    expect(page).to_have_url(re.compile("order=asc"))
    page.reload()
    page.wait_for_function("ids => [...document.querySelectorAll('tbody tr[data-testid^=run-row-]')]"
                           ".map(r => r.dataset.testid.slice(8)).join() === ids.join()", arg=sorted(ids, key=lambda i: best[i]))
    values = [best[i] for i in row_ids(page)]
    assert values == sorted(values), values
    page.screenshot(path=str(artifacts / "runs-page-sorted.png"), full_page=True)

    # Delete c: "Keep it" leaves it, confirming removes it for good.
    row(page, c).locator('[data-testid="delete-run"]').click()
    dialog = page.locator('[data-testid="delete-run-dialog"]')
    expect(dialog).to_contain_text(f"{key}-h64 · digits")
    page.screenshot(path=str(artifacts / "runs-page-delete-confirm.png"))
    dialog.get_by_role("button", name="Keep it").click()
    expect(row(page, c)).to_have_count(1)
    row(page, c).locator('[data-testid="delete-run"]').click()
    page.click('[data-testid="confirm-delete-run"]')
    expect(dialog).to_have_count(0)
    expect(row(page, c)).to_have_count(0)
    page.reload()
    expect(page.locator('[data-testid="runs-table"] tbody tr[data-testid^="run-row-"]')).to_have_count(2)
    expect(row(page, c)).to_have_count(0)
    assert httpx.get(f"{server}/api/runs/{c}", timeout=30).status_code == 404


def test_deleting_a_running_run_stops_it_first(page: Page, server: str, artifacts):
    key = f"rp{uuid.uuid4().hex[:6]}"
    run_id = start_run(server, mlp(f"{key}-long", 32), epochs=500)
    deadline = time.monotonic() + 90
    while httpx.get(f"{server}/api/runs/{run_id}", timeout=30).json()["status"] != "running":
        assert time.monotonic() < deadline, "the run did not start"
        time.sleep(0.5)
    page.goto(f"/#/runs?q={key}")
    expect(row(page, run_id).locator('[data-testid="run-status"]')).to_have_text("running")
    row(page, run_id).locator('[data-testid="delete-run"]').click()
    expect(page.locator('[data-testid="delete-run-active"]')).to_contain_text("stopped first")
    page.screenshot(path=str(artifacts / "runs-page-delete-running.png"))
    page.click('[data-testid="confirm-delete-run"]')
    expect(page.locator('[data-testid="delete-run-dialog"]')).to_have_count(0, timeout=40_000)
    expect(page.locator('[data-testid="runs-empty"]')).to_contain_text(f"No runs match “{key}”")
    assert httpx.get(f"{server}/api/runs/{run_id}", timeout=30).status_code == 404
