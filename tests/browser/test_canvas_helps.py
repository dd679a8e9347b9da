"""Canvas editing that helps: a prompt before unsaved work is replaced, a replaced wire that says so
and can be undone, the right-click menu, and undo that survives a reload."""

from __future__ import annotations

import pytest
from canvas_helpers import connect, drop_layer, node_ids, select_node, set_param, settle, shape_of
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_new_asks_before_replacing_unsaved_work(page: Page, artifacts):
    page.get_by_test_id("new-graph").click()  # nothing to lose yet: no question
    expect(page.get_by_test_id("unsaved-dialog")).to_have_count(0)
    drop_layer(page, "Dense", 300, 250)
    page.get_by_test_id("new-graph").click()
    dialog = page.get_by_test_id("unsaved-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("A new graph replaces it")
    page.screenshot(path=str(artifacts / "canvas_helps_unsaved_dialog.png"))
    page.get_by_test_id("unsaved-cancel").click()
    expect(dialog).to_have_count(0)
    expect(page.locator(".react-flow__node")).to_have_count(1)

    page.get_by_test_id("open-templates").click()  # Templates asks too
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(page.get_by_test_id("templates")).to_have_count(0)

    page.get_by_test_id("new-graph").click()
    page.get_by_test_id("unsaved-discard").click()
    expect(page.locator(".react-flow__node")).to_have_count(0)


def test_save_first_saves_then_replaces(page: Page):
    drop_layer(page, "Dense", 300, 250)
    page.get_by_test_id("graph-name").fill("kept work")
    page.get_by_test_id("new-graph").click()
    page.get_by_test_id("unsaved-save").click()
    expect(page.locator(".react-flow__node")).to_have_count(0)
    page.get_by_test_id("open-graphs").click()  # an empty graph: no question
    page.get_by_test_id("saved-kept work").click()
    expect(page.locator(".react-flow__node")).to_have_count(1)
    # An edit undone brings back the saved state: nothing unsaved, New does not ask.
    drop_layer(page, "Dropout", 600, 250)
    page.get_by_test_id("undo").click()
    expect(page.locator(".react-flow__node")).to_have_count(1)
    page.get_by_test_id("new-graph").click()
    expect(page.get_by_test_id("unsaved-dialog")).to_have_count(0)
    expect(page.locator(".react-flow__node")).to_have_count(0)


def test_replaced_wire_says_so_and_undo_restores_it(page: Page, artifacts):
    a = drop_layer(page, "Input", 150, 150)
    b = drop_layer(page, "Input", 150, 400)
    d = drop_layer(page, "Dense", 550, 250)
    connect(page, a, d)
    expect(page.locator(".toast")).to_have_count(0)
    connect(page, b, d)
    expect(page.locator(f'[data-testid="rf__edge-e:{a}:0->{d}:0"]')).to_have_count(0)
    note = page.locator(".toast", has_text="Replaced the wire")
    expect(note).to_have_text(f"Replaced the wire from '{a}' into '{d}'.Undo")
    page.screenshot(path=str(artifacts / "canvas_helps_replaced_wire.png"))
    note.get_by_test_id("toast-action").click()
    expect(page.locator(f'[data-testid="rf__edge-e:{a}:0->{d}:0"]')).to_have_count(1)
    expect(page.locator(f'[data-testid="rf__edge-e:{b}:0->{d}:0"]')).to_have_count(0)
    expect(note).to_have_count(0)


def test_right_click_menu_duplicates_and_disconnects(page: Page, artifacts):
    a = drop_layer(page, "Input", 150, 200)
    d = drop_layer(page, "Dense", 550, 200)
    connect(page, a, d)
    page.locator(f'.react-flow__node[data-id="{d}"]').click(button="right")
    menu = page.get_by_test_id("context-menu")
    expect(menu).to_be_visible()
    page.screenshot(path=str(artifacts / "canvas_helps_context_menu.png"))
    menu.get_by_test_id("ctx-duplicate").click()
    expect(menu).to_have_count(0)
    expect(page.locator(".react-flow__node")).to_have_count(3)

    # its top-left corner: the copy lies 40 px right of and below it
    page.locator(f'.react-flow__node[data-id="{d}"]').click(button="right", position={"x": 12, "y": 12})
    page.get_by_test_id("ctx-freeze").click()
    expect(page.get_by_test_id("inspector-trainable")).not_to_be_checked()
    page.locator(f'.react-flow__node[data-id="{a}"]').click(button="right")
    expect(page.get_by_test_id("ctx-freeze")).to_be_disabled()  # an Input has nothing to freeze
    page.keyboard.press("Escape")
    expect(menu).to_have_count(0)
    # A wire: right-click a quarter of the way along it (its shape label sits in the middle).
    x, y = page.locator(f'[data-testid="rf__edge-e:{a}:0->{d}:0"] path').first.evaluate(
        "p => { const q = p.getPointAtLength(p.getTotalLength() / 4); const m = p.getScreenCTM();"
        " return [q.x * m.a + q.y * m.c + m.e, q.x * m.b + q.y * m.d + m.f]; }"
    )
    page.mouse.click(x, y, button="right")
    page.get_by_test_id("ctx-delete-wire").click()
    expect(page.locator(".react-flow__edge")).to_have_count(0)
    page.get_by_test_id("undo").click()
    expect(page.locator(".react-flow__edge")).to_have_count(1)
    page.locator(f'.react-flow__node[data-id="{a}"]').click(button="right")
    page.get_by_test_id("ctx-disconnect").click()
    expect(page.locator(".react-flow__edge")).to_have_count(0)

    page.locator(".react-flow__pane").click(button="right", position={"x": 700, "y": 500})
    page.get_by_test_id("ctx-add-layer").click()
    page.get_by_test_id("layer-search-input").fill("dropout")
    page.keyboard.press("Enter")
    expect(page.locator(".react-flow__node")).to_have_count(4)
    assert any(i.startswith("dropout") for i in node_ids(page))


def test_undo_works_after_a_reload(page: Page, artifacts):
    drop_layer(page, "Input", 150, 200)
    drop_layer(page, "Dense", 500, 200)
    page.wait_for_timeout(800)  # autosave and history writes are debounced
    page.reload()
    expect(page.locator(".react-flow__node")).to_have_count(2)
    expect(page.get_by_test_id("undo")).to_be_enabled()
    page.get_by_test_id("undo").click()
    expect(page.locator(".react-flow__node")).to_have_count(1)
    page.get_by_test_id("redo").click()
    expect(page.locator(".react-flow__node")).to_have_count(2)
    # The work is still unsaved after the reload: New asks.
    page.get_by_test_id("new-graph").click()
    expect(page.get_by_test_id("unsaved-dialog")).to_be_visible()
    page.screenshot(path=str(artifacts / "canvas_helps_after_reload.png"))


def test_versions_list_opens_an_older_version(page: Page, artifacts):
    expect(page.get_by_test_id("open-versions")).to_have_count(0)  # not saved yet: no versions
    drop_layer(page, "Dense", 300, 250)
    page.get_by_test_id("graph-name").fill("versioned")
    page.get_by_test_id("save-graph").click()
    expect(page.locator(".graph-version")).to_have_text("v1")
    drop_layer(page, "Dropout", 600, 250)
    page.get_by_test_id("save-graph").click()
    expect(page.locator(".graph-version")).to_have_text("v2")
    page.get_by_test_id("open-versions").click()  # saved: nothing to lose, no question
    dialog = page.get_by_test_id("versions-dialog")
    expect(dialog.get_by_test_id("version-2")).to_contain_text("2 layers")
    expect(dialog.get_by_test_id("version-1")).to_contain_text("1 layer")
    page.screenshot(path=str(artifacts / "canvas_helps_versions.png"))
    dialog.get_by_test_id("version-1").click()
    expect(page.locator(".react-flow__node")).to_have_count(1)
    expect(page.locator(".graph-version")).to_have_text("v1")
    page.get_by_test_id("save-graph").click()  # saving the older version makes it the newest
    expect(page.locator(".graph-version")).to_have_text("v3")


def test_dropped_input_takes_the_data_sets_shape_and_merge_inputs_reorder(page: Page, artifacts):
    inp = drop_layer(page, "Input", 120, 300)
    settle(page)
    expect(shape_of(page, inp)).to_have_text("(1, 8, 8)")  # the Train panel's default data set: digits
    set_param(page, inp, "shape", "4")
    a = drop_layer(page, "Dense", 420, 160)
    b = drop_layer(page, "Dense", 420, 440)
    set_param(page, b, "units", "8")
    cat = drop_layer(page, "Concatenate", 760, 300)
    connect(page, inp, a)
    connect(page, inp, b)
    connect(page, a, cat, 0, 0)
    connect(page, b, cat, 0, 1)
    select_node(page, cat)
    inputs = page.get_by_test_id("merge-inputs")
    expect(inputs.get_by_test_id("merge-input-0")).to_contain_text(a)
    expect(inputs.get_by_test_id("merge-input-1")).to_contain_text(b)
    expect(inputs.get_by_test_id("merge-up-0")).to_be_disabled()
    inputs.get_by_test_id("merge-down-0").click()
    expect(inputs.get_by_test_id("merge-input-0")).to_contain_text(b)
    expect(page.locator(f'[data-testid="rf__edge-e:{b}:0->{cat}:0"]')).to_have_count(1)
    expect(page.locator(f'[data-testid="rf__edge-e:{a}:0->{cat}:1"]')).to_have_count(1)
    settle(page)
    expect(inputs.get_by_test_id("merge-input-0")).to_contain_text("(8,)")
    page.screenshot(path=str(artifacts / "canvas_helps_merge_order.png"))
