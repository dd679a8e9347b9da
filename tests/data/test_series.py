"""Time series uploads (kind=series): windows, the chronological split, scaling fitted on the past,
the inverse transform, the refusals; the built-in series; date columns in plain tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from netcanvas.config import Settings
from netcanvas.data import dates, series, uploads
from netcanvas.data.errors import DataError
from netcanvas.data.options import parse_options
from netcanvas.data.registry import DatasetRegistry


def price_rows(n: int = 600, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Daily `date,price`: a random walk, a trend and a weekly cycle (what /forecast is tested on)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    price = (100 + 0.05 * t + 8 * np.sin(2 * np.pi * t / 7) + np.cumsum(rng.normal(0, 0.3, n))
             + rng.normal(0, 0.5, n))
    day = np.datetime64("2021-01-01") + t
    return [f"{d},{p:.3f}" for d, p in zip(day, price)], np.round(price, 3)


def upload(settings: Settings, tmp_path: Path, lines: list[str], header: str = "date,price", **options: str):
    src = tmp_path / "in.csv"
    src.write_text(header + "\n" + "\n".join(lines) + "\n")
    return uploads.create_from_file(settings, src, "prices.csv", parse_options({"kind": "series", **options}))


def refusal(settings: Settings, tmp_path: Path, lines: list[str], header: str = "date,price", **options: str) -> str:
    with pytest.raises(DataError) as err:
        upload(settings, tmp_path, lines, header, **options)
    assert err.value.status == 422
    assert not [p for p in settings.uploads_dir.iterdir() if uploads.is_upload_id(p.name)]  # nothing kept
    return err.value.message


def test_windows_shapes_and_chronological_split(settings: Settings, datasets: DatasetRegistry, tmp_path: Path) -> None:
    lines, price = price_rows()
    info = upload(settings, tmp_path, lines, validation_split="0.1", test_split="0.2")
    meta = info.extra["series"]
    assert info.kind == "sequence" and info.extra["task"] == "series" and info.input_shape == [30, 1]
    assert info.target.kind == "values" and info.extra["target_shape"] == [1]
    assert meta["target"] == "price" and meta["features"] == ["price"] and meta["date_column"] == "date"
    n = 600 - 30  # windows of 30 rows with a target after each
    assert info.sizes.train + info.sizes.validation + info.sizes.test == n
    assert (info.sizes.validation, info.sizes.test) == (57, 114)
    splits = meta["splits"]
    assert splits["train"]["last_date"] < splits["validation"]["first_date"]
    assert splits["validation"]["last_date"] < splits["test"]["first_date"]
    assert splits["test"]["last_date"] == "2022-08-23"  # the last row of the file is the last test target

    data = datasets.load(info.id)
    assert data.train.x.shape == (info.sizes.train, 30, 1) and data.train.y.shape == (info.sizes.train, 1)
    assert data.train.x.dtype == np.float32 and data.train.y.dtype == np.float32
    assert data.validation is not None and len(data.validation) == 57
    # min-max statistics of the training rows only (inputs and targets of the training windows)
    train_rows = price[: 30 + info.sizes.train]
    sc = meta["scaling"]
    assert sc["method"] == "minmax"
    assert sc["y_offset"] == pytest.approx(train_rows.min()) and sc["x_offset"][0] == pytest.approx(train_rows.min())
    assert sc["y_scale"] == pytest.approx(train_rows.max() - train_rows.min())
    seen = np.concatenate([np.ravel(data.train.x), np.ravel(data.train.y)])  # every training row, scaled
    assert seen.min() == pytest.approx(0, abs=1e-6) and seen.max() == pytest.approx(1, abs=1e-6)
    assert np.asarray(data.test.y).max() > 1.0  # the trend goes on: later prices exceed the training range
    # window k: rows k..k+29 in, row k+30 out; back in original units through inverse_targets
    k = 5
    np.testing.assert_allclose(series.inverse_targets(info, data.train.x[k][:, 0]), price[k:k + 30], atol=1e-3)
    np.testing.assert_allclose(series.inverse_targets(info, data.train.y[k]), [price[k + 30]], atol=1e-3)
    first_test = 30 + info.sizes.train + info.sizes.validation
    np.testing.assert_allclose(series.inverse_targets(info, np.asarray(data.test.y)[:, 0]), price[first_test:],
                               atol=1e-3)


def test_standard_scaling_and_several_features(settings: Settings, datasets: DatasetRegistry, tmp_path: Path) -> None:
    lines, price = price_rows(200)
    volume = np.arange(200) * 2.0
    rows = [f"{line},{v},BTC" for line, v in zip(lines, volume)]
    info = upload(settings, tmp_path, rows, header="date,price,volume,symbol", target="price", scaling="standard",
                  window="10")
    meta = info.extra["series"]
    assert meta["features"] == ["price", "volume"] and info.input_shape == [10, 2] and meta["target_index"] == 0
    assert any("'symbol'" in note for note in info.extra["notes"])  # text column left out, and said
    train_rows = 10 + info.sizes.train
    assert meta["scaling"]["y_offset"] == pytest.approx(price[:train_rows].mean())
    assert meta["scaling"]["x_scale"][1] == pytest.approx(volume[:train_rows].std())
    x = datasets.load(info.id).train.x
    np.testing.assert_allclose(x[0][:, 1], (volume[:10] - volume[:train_rows].mean()) / volume[:train_rows].std(),
                               rtol=1e-5)


def test_rows_out_of_order_are_sorted_and_gaps_filled_forward(settings: Settings, datasets: DatasetRegistry,
                                                              tmp_path: Path) -> None:
    lines, price = price_rows(120)
    ordered = upload(settings, tmp_path, lines, window="10")
    shuffled = list(np.random.default_rng(1).permutation(lines))
    info = upload(settings, tmp_path, shuffled, window="10")
    assert any("sorted" in note for note in info.extra["notes"])
    np.testing.assert_array_equal(datasets.load(info.id).train.x, datasets.load(ordered.id).train.x)

    gappy = list(lines)
    gappy[50] = gappy[50].split(",")[0] + ","  # an empty price on day 51
    info = upload(settings, tmp_path, gappy, window="10")
    assert any("1 missing value" in note for note in info.extra["notes"])
    x = datasets.load(info.id).train.x
    np.testing.assert_allclose(series.inverse_targets(info, x[41][:, 0])[9], price[49], atol=1e-3)  # row 50 = row 49


def test_horizon_and_stride_leave_no_target_in_two_splits(settings: Settings, datasets: DatasetRegistry,
                                                          tmp_path: Path) -> None:
    lines, price = price_rows(300)
    info = upload(settings, tmp_path, lines, window="20", horizon="5", stride="2")
    meta = info.extra["series"]
    assert info.extra["target_shape"] == [5]
    data = datasets.load(info.id)
    assert data.test.y.shape == (info.sizes.test, 5)
    a1, b0 = meta["splits"]["train"]["windows"][1], meta["splits"]["test"]["windows"][0]
    last_train_target = 20 + (a1 - 1) * 2 + 4
    first_test_target = 20 + b0 * 2
    assert last_train_target < first_test_target and meta["left_out"] == b0 - a1 > 0
    np.testing.assert_allclose(series.inverse_targets(info, data.test.y[0]), price[first_test_target:][:5], atol=1e-3)


def test_refusals_name_the_option_and_the_fix(settings: Settings, tmp_path: Path) -> None:
    lines, _ = price_rows(336)
    assert "over the 10000 rows allowed" in refusal(settings, tmp_path, lines, window="20000")
    msg = refusal(settings, tmp_path, lines, window="500")
    assert "window 500 + horizon 1 needs at least 502 rows" in msg and "336" in msg and "lower window" in msg
    msg = refusal(settings, tmp_path, lines[:40], window="30", test_split="0.96")  # 10 windows, 10 to test
    assert "test_split" in msg and "none for training" in msg
    texty = [f"{line},{'x' if i == 7 else i}" for i, line in enumerate(lines)]
    msg = refusal(settings, tmp_path, texty, header="date,price,extra", target="extra")
    assert "column 'extra'" in msg and "line 9" in msg and "target" in msg
    msg = refusal(settings, tmp_path, [f"2021-01-{i + 1:02d},up" for i in range(28)], header="date,trend")
    assert "no column holds only numbers" in msg
    msg = refusal(settings, tmp_path, lines, target="close")
    assert "no column 'close'" in msg and "date, price" in msg
    msg = refusal(settings, tmp_path, [*lines, lines[3]])
    assert "2021-01-04 on lines 5 and 338" in msg and "one row per date" in msg
    gap_first = [lines[0].split(",")[0] + ",", *lines[1:]]
    msg = refusal(settings, tmp_path, gap_first)
    assert "line 2" in msg and "nothing to carry forward" in msg
    msg = refusal(settings, tmp_path, lines, date_column="price")
    assert "date_column" in msg and "'price'" in msg


def test_date_column_none_keeps_file_order_and_no_dates(settings: Settings, tmp_path: Path) -> None:
    values = [str(v) for v in np.sin(np.arange(100) / 3)]
    info = upload(settings, tmp_path, values, header="level", window="8", date_column="none")
    assert info.extra["series"]["date_column"] is None and "first_date" not in info.extra["series"]["splits"]["test"]


def test_inverse_targets_is_identity_off_series(datasets: DatasetRegistry) -> None:
    y = np.array([[0.5, 2.0]], dtype=np.float32)
    assert series.inverse_targets(datasets.info("sine"), y) is not None
    np.testing.assert_array_equal(series.inverse_targets(datasets.info("sine"), y), y)


def test_builtin_seasonal_series(datasets: DatasetRegistry) -> None:
    info = datasets.info(series.SEASONAL_ID)
    data = datasets.load(series.SEASONAL_ID)
    assert info.input_shape == [30, 1] and info.extra["task"] == "series" and info.source == "synthetic"
    assert (len(data.train), len(data.test)) == (info.sizes.train, info.sizes.test) == (1576, 394)
    assert float(data.train.x.min()) == pytest.approx(0) and float(data.train.x.max()) == pytest.approx(1)
    assert info.extra["series"]["splits"]["train"]["last_date"] < info.extra["series"]["splits"]["test"]["first_date"]
    target, when = series.raw_series(info, None)
    assert when is not None and len(target) == len(when) == 2000
    np.testing.assert_allclose(series.inverse_targets(info, data.test.y[:, 0]), target[-394:], rtol=1e-6)


def test_a_date_column_in_a_table_is_not_one_hot(settings: Settings, datasets: DatasetRegistry, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    days = np.datetime64("2024-01-01") + np.arange(1200)  # more than csv_max_categories distinct values
    rows = ["day,a,label"] + [f"{d},{rng.normal():.3f},{i % 2}" for i, d in enumerate(days)]
    src = tmp_path / "t.csv"
    src.write_text("\n".join(rows) + "\n")
    info = uploads.create_from_file(settings, src, "t.csv", parse_options({"target": "label"}))
    assert info.input_shape == [1]  # "a" only: not 1200 one-hot date columns (nor a refusal)
    assert "'day' holds dates" in info.description and info.extra["notes"]
    meta = uploads.read_meta(settings, info.id)
    assert meta["preprocessing"]["features"] == ["a"]
    assert {"name": "day", "type": "date", "format": "iso", "dropped": True} in meta["preprocessing"]["columns"]
    assert datasets.load(info.id).train.x.shape[1] == 1


def test_date_formats_are_one_per_column() -> None:
    assert dates.guess_format(["03/04/2024", "25/04/2024"]) == "%d/%m/%Y"  # 25 cannot be a month
    assert dates.guess_format(["03/04/2024", "04/25/2024"]) == "%m/%d/%Y"
    assert dates.guess_format(["2024", "2025"]) is None and dates.guess_format(["cat", "dog"]) is None
    assert dates.guess_format(["20240101"], allow_numbers=True) == "%Y%m%d"
    assert dates.guess_format(["1700000000"], allow_numbers=True) == dates.EPOCH
    assert dates.guess_format(["100.5", "99"], allow_numbers=True) is None  # a price is not a Unix time
    parsed, bad = dates.parse(["2024-03-01T12:00:00+02:00", "2024-03-01"], dates.ISO)
    assert bad is None and dates.as_strings(parsed) == ["2024-03-01T10:00:00", "2024-03-01T00:00:00"]
    assert dates.parse(["2024-03-01", "soon"], dates.ISO)[1] == 1


def test_a_unix_timestamp_column_is_the_date_column(settings: Settings, datasets: DatasetRegistry,
                                                    tmp_path: Path) -> None:
    lines, price = price_rows(100)
    start = 1_609_459_200  # 2021-01-01 in Unix seconds
    rows = [f"{start + 86400 * i},{line.split(',')[1]},{i % 3}" for i, line in enumerate(lines)]
    info = upload(settings, tmp_path, rows[::-1], header="Timestamp,price,weekday", window="7", target="price")
    meta = info.extra["series"]
    assert meta["date_column"] == "Timestamp" and meta["features"] == ["price", "weekday"]
    assert meta["splits"]["test"]["last_date"] == "2021-04-10"
    np.testing.assert_allclose(series.inverse_targets(info, datasets.load(info.id).train.y[:, 0]),
                               price[7:7 + info.sizes.train], atol=1e-3)  # sorted back into time order
