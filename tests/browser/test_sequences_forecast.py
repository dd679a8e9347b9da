"""The seeds' price forecaster in the UI (issue 10): a date,price CSV uploaded as a time series
(the date parsed as dates, a lookback window, scaling, a chronological split), the LSTM forecaster
template trained on it, and the run page's plot of predicted against actual over the test period,
which says the model beats the naive last-value forecast — with the figures /forecast gives.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from pathlib import Path

import httpx
import pytest
from canvas_helpers import settle
from playwright.sync_api import Page, expect
from sequence_helpers import doc_shot, set_option, train, upload

pytestmark = pytest.mark.browser

DAYS = 500


def prices(path: Path) -> Path:
    """A daily price with a trend and a strong weekly cycle (the naive forecast, yesterday's
    price, is off by the cycle's day-to-day change), and a little noise."""
    rng = random.Random(1)
    start = dt.date(2022, 1, 1)
    rows = ["date,price"]
    for t in range(DAYS):
        p = 100 + 0.05 * t + 8 * math.sin(2 * math.pi * t / 7) + rng.gauss(0, 0.4)
        rows.append(f"{(start + dt.timedelta(days=t)).isoformat()},{p:.3f}")
    path.write_text("\n".join(rows) + "\n")
    return path


def test_forecaster_on_a_date_price_csv_beats_naive_and_plots(page: Page, server: str, artifacts: Path, tmp_path: Path):
    csv = prices(tmp_path / "prices.csv")
    page.click('[data-testid="nav-data"]')
    page.set_input_files('[data-testid="dataset-file"]', str(csv))
    set_option(page, "kind", "series")
    expect(page.locator('[data-testid="opt-target"]')).to_have_value("price")
    expect(page.locator('[data-testid="opt-window"]')).to_have_attribute("placeholder", "30")
    for absent in ("label_mode", "task"):
        assert not page.locator(f'[data-testid="opt-{absent}"]').count(), absent
    set_option(page, "scaling", "minmax")
    doc_shot(page.locator('[data-testid="upload-card"]'), "4-series-upload", artifacts)
    info = upload(page, csv, "daily price", {"kind": "series", "target": "price", "scaling": "minmax"})
    assert info["extra"]["task"] == "series"
    assert info["input_shape"] == [30, 1], info["input_shape"]  # the date is parsed, not one-hot columns
    doc_shot(page, "4-series-data", artifacts)

    page.click('[data-testid="nav-canvas"]')
    page.click('[data-testid="open-templates"]')
    page.click('[data-testid="template-lstm-forecaster"]')
    settle(page)
    run_id = train(page, info["id"], epochs=15, batch_size=32, loss="mean_squared_error", learning_rate="0.01")

    panel = page.locator('[data-testid="forecast-panel"]')
    panel.scroll_into_view_if_needed()
    verdict = page.locator('[data-testid="forecast-verdict"]')
    expect(verdict).to_have_attribute("data-beats", "yes", timeout=30_000)
    expect(verdict).to_contain_text("Beats the naive last-value forecast")
    f = httpx.get(f"{server}/api/runs/{run_id}/forecast", timeout=30).json()
    assert f["mse"] < f["naive_mse"], f  # the model beats yesterday's price on the test period
    chart = page.locator('[data-testid="forecast-chart"]')
    n = len(f["steps"])
    assert n > 10
    expect(chart).to_have_attribute("data-points-by-series", f"{n},{n},{n}")
    assert f["dates"] and f["dates"][-1].startswith("2023-05-15"), f["dates"][-3:]  # the last day of the CSV: test is the end
    expect(page.locator('[data-testid="forecast-dates"]')).to_contain_text(f["dates"][0][:10])
    for key in ("mse", "naive_mse"):
        shown = float(page.locator(f'[data-testid="forecast-{key.replace("_", "-")}"]').inner_text())
        assert shown == pytest.approx(f[key], rel=1e-2, abs=1e-4), (key, shown, f[key])  # as fmtMetric rounds
    doc_shot(panel, "4-forecast", artifacts)
