"""The Train panel's Compile / Fit groups: every run setting from the panel reaches the run, its
Settings panel and Compare; the size guard blocks Train; the shape fix keeps an MLP valid."""

from __future__ import annotations

import httpx
import pytest
from canvas_helpers import set_param, settle
from playwright.sync_api import Page, expect
from test_browser_runs import wait_done

pytestmark = pytest.mark.browser


def open_template(page: Page, template: str) -> None:
    page.click('[data-testid="open-templates"]')
    page.click(f'[data-testid="template-{template}"]')
    settle(page)


def test_every_setting_reaches_the_run_settings_and_compare(page: Page, server: str, artifacts):
    open_template(page, "mnist-cnn")
    page.fill('[data-testid="graph-name"]', "digits-settings")
    page.click('[data-testid="tab-train"]')
    expect(page.locator('[data-testid="train-dataset"]')).to_have_value("digits")
    page.click('[data-testid="apply-input-shape"]')  # a Conv2D takes the image as it is: just the shape
    settle(page)
    expect(page.locator('[data-testid="problem-count"]')).to_have_text("Ready to train")

    page.screenshot(path=str(artifacts / "train-settings-compile.png"))
    page.fill('[data-testid="train-epochs"]', "2")
    page.fill('[data-testid="train-batchSize"]', "64")
    page.select_option('[data-testid="train-device"]', "cpu")
    # A bad value is caught on its field before launch.
    page.fill('[data-testid="train-epsilon"]', "0")
    expect(page.locator('[data-testid="launch"]')).to_be_disabled()
    expect(page.locator('[data-testid="launch-blocked"]')).to_have_text("Epsilon must be greater than 0.")
    page.fill('[data-testid="train-epsilon"]', "1e-7")

    page.check('[data-testid="train-earlyStopping"]')
    page.select_option('[data-testid="train-esMonitor"]', "val_accuracy")
    page.fill('[data-testid="train-esPatience"]', "1")
    page.select_option('[data-testid="train-schedule"]', "step")
    page.fill('[data-testid="train-stepSize"]', "1")
    page.fill('[data-testid="train-gamma"]', "0.5")
    page.select_option('[data-testid="train-classWeightMode"]', "balanced")
    page.check('[data-testid="train-augment"]')
    page.check('[data-testid="train-horizontalFlip"]')
    page.fill('[data-testid="train-rotationRange"]', "10")
    page.locator('[data-testid="early-stopping"]').scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "train-settings-fit.png"))

    # The preview grid: 8 samples, each its original and 4 draws.
    preview = page.locator('[data-testid="augment-preview"]')
    expect(preview.locator('[data-testid="augment-original"]')).to_have_count(8, timeout=30_000)
    expect(preview.locator('[data-testid="augment-variant"]')).to_have_count(32)
    preview.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "train-settings-preview.png"))

    page.click('[data-testid="launch"]')
    page.wait_for_url("**/#/runs/*")
    run_id = page.url.rsplit("/", 1)[-1]
    run = wait_done(server, run_id, timeout=240)
    assert run["status"] == "succeeded", run.get("error")
    req = run["request"]
    assert req["early_stopping"] == {"monitor": "val_accuracy", "patience": 1, "min_delta": 0.0, "restore_best_weights": True}
    assert req["schedule"]["type"] == "step" and req["schedule"]["step_size"] == 1 and req["schedule"]["gamma"] == 0.5
    assert req["class_weight"] == "balanced"
    assert req["augment"]["horizontal_flip"] is True and req["augment"]["rotation_range"] == 10
    assert req["epochs"] == 2 and req["batch_size"] == 64 and req["device"] == "cpu"

    # The run page's Settings panel shows them.
    expect(page.locator('[data-testid="run-view"]')).to_have_attribute("data-status", "succeeded", timeout=60_000)
    settings = page.locator('[data-testid="run-settings"]')
    expect(settings.locator('[data-key="early_stopping.monitor"]')).to_contain_text("val_accuracy")
    expect(settings.locator('[data-key="schedule"]')).to_contain_text("step")
    expect(settings.locator('[data-key="class_weight"]')).to_contain_text("balanced")
    expect(settings.locator('[data-key="augment.horizontal_flip"]')).to_contain_text("true")
    expect(settings.locator('[data-key="augment.rotation_range"]')).to_contain_text("10")
    settings.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "train-settings-run-page.png"))

    # A plain run beside it: Compare's table shows what differs.
    plain = httpx.post(f"{server}/api/runs", json={**{k: req[k] for k in ("dataset", "epochs", "batch_size", "device")},
                                                   "graph": run["graph"], "seed": 0}, timeout=30)
    assert plain.status_code == 201, plain.text
    other = plain.json()["id"]
    assert wait_done(server, other, timeout=240)["status"] == "succeeded"
    page.goto(f"/#/compare/{run_id},{other}")
    table = page.locator('[data-testid="hparams-table"]')
    expect(table.locator('[data-testid="hp-early_stopping.monitor"]')).to_contain_text("val_accuracy")
    expect(table.locator('[data-testid="hp-class_weight"]')).to_contain_text("balanced")
    expect(table.locator('[data-testid="hp-augment.rotation_range"]')).to_contain_text("10")
    expect(table.locator('[data-testid="hp-schedule"]')).to_contain_text("step")
    table.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "train-settings-compare.png"))


def test_a_model_over_the_budget_disables_train_with_the_reason(page: Page, artifacts):
    open_template(page, "mlp")
    page.click('[data-testid="tab-train"]')
    page.click('[data-testid="apply-input-shape"]')
    settle(page)
    # The panel's batch size and optimizer size the budgets: validate is asked with them.
    with page.expect_request(lambda r: "/api/graphs/validate?batch_size=48&optimizer=adam" in r.url):
        page.fill('[data-testid="train-batchSize"]', "48")
    page.click('[data-testid="tab-inspect"]')
    set_param(page, "dense_1", "units", "1000000000")
    page.click('[data-testid="tab-train"]')
    launch = page.locator('[data-testid="launch"]')
    expect(launch).to_be_disabled()
    reason = page.locator('[data-testid="launch-blocked"]')
    expect(reason).to_contain_text("dense_1")
    expect(reason).to_contain_text("budget")
    expect(page.locator('[data-testid="problem-dense_1"]')).to_contain_text("budget")
    page.screenshot(path=str(artifacts / "train-settings-budget.png"))


def test_the_shape_fix_keeps_an_mlp_valid(page: Page, artifacts):
    open_template(page, "mlp")  # Input (784,) → Dense: digits gives (1, 8, 8)
    page.click('[data-testid="tab-train"]')
    fix = page.locator('[data-testid="apply-input-shape"]')
    expect(fix).to_have_text("Use (1, 8, 8) + Flatten")
    page.screenshot(path=str(artifacts / "train-settings-shape-fix-before.png"))
    fix.click()
    settle(page)
    expect(page.locator(".react-flow__node")).to_have_count(5)
    expect(page.locator('[data-testid="problem-count"]')).to_have_text("Ready to train")
    expect(page.locator('[data-testid="launch"]')).to_be_enabled()
    expect(page.locator('[data-testid="apply-input-shape"]')).to_have_count(0)
    page.screenshot(path=str(artifacts / "train-settings-shape-fix-after.png"))


def test_a_refused_run_shows_the_error_on_its_field(page: Page, artifacts):
    open_template(page, "mlp")
    page.click('[data-testid="tab-train"]')
    page.click('[data-testid="apply-input-shape"]')
    settle(page)
    detail = {"detail": [{"loc": ["body", "batch_size"], "msg": "Input should be less than or equal to 4096",
                          "type": "less_than_equal"}]}
    page.route("**/api/runs", lambda route: route.fulfill(status=422, json=detail)
               if route.request.method == "POST" else route.continue_())
    page.click('[data-testid="launch"]')
    field = page.locator('[data-testid="train-batchSize"]')
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("label.field", has=field).locator(".field-error")).to_have_text(
        "Input should be less than or equal to 4096")
    expect(page.locator('[data-testid="group-fit"] .settings-group-errors')).to_have_text("1")
    expect(field).to_be_in_viewport()  # the panel brings the marked field into view
    page.wait_for_timeout(400)  # the smooth scroll settles
    page.screenshot(path=str(artifacts / "train-settings-422.png"))
    # Changing the field clears what the server said of it.
    field.fill("128")
    expect(field).to_have_attribute("aria-invalid", "false")
