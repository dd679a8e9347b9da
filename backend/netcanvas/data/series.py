"""Time series (kind=series): windows of `window` past rows → the target `horizon` steps ahead.

The bitcoin forecaster of the seeds, done so that it can learn: rows in date order, a
chronological split (validation and test are the END of the series: train on the past), inputs
and targets scaled with statistics of the training rows only (kept in extra["series"], so
`inverse_targets` answers in original units), and the windows whose targets would straddle a
split boundary left out, so no target value is in two splits.

Window k of the series starts at row k·stride; x = rows [s, s + window) of the features,
y = the target at rows [s + window, s + window + horizon). Missing cells are carried forward from
the previous row (said in the notes); a missing first value, text in a numeric column, a missing or
repeated date are refused with the line number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.lib.format import open_memmap
from numpy.lib.stride_tricks import sliding_window_view

from . import dates
from .base import Dataset, DatasetInfo, Provider, Sizes, Split, TargetInfo
from .build import CHUNK_ROWS
from .errors import DataError, FormatError, TooLarge
from .limits import LIMITS, Limits
from .options import UploadOptions
from .tables import _header, _rows

TASK = "series"
DEFAULT_WINDOW = 30
MAX_WINDOW = 10_000  # window and horizon options, in rows
MAX_ROWS = 2_000_000  # rows of a series CSV (read into memory, unlike table CSVs)
MAX_WINDOW_BYTES = 8 << 30  # x of all windows on disk (window × features × windows × 4 bytes)
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "-", "?"})
NO_DATE = "none"  # date_column "none": no date column, rows stay in file order
DATE_NAMES = frozenset({"date", "time", "datetime", "timestamp", "unix", "unix_time", "epoch"})
RAW_TARGET = "series_target.npy"  # the target in original units, one value per (sorted) row
RAW_DATES = "series_dates.npy"  # int64 seconds since 1970 per row, when there is a date column
SPLITS = ("train", "validation", "test")


# --- windows and the chronological split -----------------------------------------------------


@dataclass
class Layout:
    """Which windows each split gets: ranges [a, b) of window indices, in time order."""

    rows: int
    window: int
    horizon: int
    stride: int
    ranges: dict[str, tuple[int, int]]
    left_out: int  # windows dropped at split boundaries (their targets straddle it)

    def first_target(self, k: np.ndarray | int) -> Any:
        """Row of the first target of window k."""
        return self.window + np.asarray(k) * self.stride

    def size(self, split: str) -> int:
        a, b = self.ranges.get(split, (0, 0))
        return b - a


def plan_windows(rows: int, window: int, horizon: int, stride: int, validation: float, test: float,
                 what: str) -> Layout:
    """The windows of a series of `rows` rows and their split (DataError naming the option to change)."""
    for opt, v in (("window", window), ("horizon", horizon)):
        if v > MAX_WINDOW:
            raise DataError(f"{what}: option {opt} {v} is over the {MAX_WINDOW} rows allowed: lower {opt}.", 422)
    if validation + test >= 1:
        raise DataError(f"{what}: validation_split + test_split must be below 1; lower them.", 422)
    gap = math.ceil((horizon - 1) / stride)  # windows between splits whose targets straddle the boundary
    later = [s for s, f in (("validation", validation), ("test", test)) if f > 0]
    min_windows = 1 + len(later) * (1 + gap)
    need = window + horizon + (min_windows - 1) * stride
    if rows < need:
        splits = " and ".join(["one training", *(f"one {s}" for s in later)]) + " window"
        raise DataError(
            f"{what}: window {window} + horizon {horizon} needs at least {need} rows ({splits}"
            f"{f', stride {stride}' if stride > 1 and min_windows > 1 else ''}); the series has {rows}: "
            "lower window (or horizon).", 422)
    n = (rows - window - horizon) // stride + 1
    n_test = max(1, round(n * test)) if test > 0 else 0
    n_val = max(1, round(n * validation)) if validation > 0 else 0
    t0 = n - n_test
    v0 = t0 - (n_val + gap if n_val else 0)
    train_end = v0 - gap if later else v0
    if train_end < 1:
        raise DataError(
            f"{what}: {n} windows leave none for training after validation_split {validation} and "
            f"test_split {test}: lower validation_split or test_split (or window).", 422)
    ranges = {"train": (0, train_end)}
    if n_val:
        ranges["validation"] = (v0, t0 - gap)
    if n_test:
        ranges["test"] = (t0, n)
    kept = sum(b - a for a, b in ranges.values())
    return Layout(rows, window, horizon, stride, ranges, n - kept)


def fit_scaling(method: str, features: np.ndarray, target: np.ndarray, train_rows: int) -> dict[str, Any]:
    """offset/scale of each feature and of the target from the first `train_rows` rows (the rows
    the training windows read): scaled = (v - offset) / scale."""
    def stats(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        part = a[:train_rows]
        if method == "none":
            return np.zeros(a.shape[1:]), np.ones(a.shape[1:])
        if method == "standard":
            off, sc = part.mean(axis=0), part.std(axis=0)
        else:
            off, sc = part.min(axis=0), part.max(axis=0) - part.min(axis=0)
        return off, np.where(sc > 1e-12, sc, 1.0)

    x_off, x_sc = stats(features)
    y_off, y_sc = stats(target[:, None])
    return {"method": method, "x_offset": x_off.tolist(), "x_scale": x_sc.tolist(),
            "y_offset": float(y_off[0]), "y_scale": float(y_sc[0])}


def windows(features: np.ndarray, target: np.ndarray, layout: Layout, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
    """x (b-a, window, F) and y (b-a, horizon) of windows a..b-1, float32, from scaled rows."""
    starts = np.arange(a, b) * layout.stride
    xs = sliding_window_view(features, layout.window, axis=0)[starts]  # (m, F, window)
    ys = sliding_window_view(target, layout.horizon)[starts + layout.window]
    return np.ascontiguousarray(xs.transpose(0, 2, 1), dtype=np.float32), ys.astype(np.float32)


def apply_scaling(scaling: dict[str, Any], features: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = (features - np.asarray(scaling["x_offset"])) / np.asarray(scaling["x_scale"])
    return x.astype(np.float32), ((target - scaling["y_offset"]) / scaling["y_scale"]).astype(np.float32)


def inverse_targets(info: DatasetInfo, y: np.ndarray) -> np.ndarray:
    """Scaled targets or model outputs → original units (identity for a set that is not a series)."""
    series = info.extra.get("series")
    if not series:
        return np.asarray(y)
    sc = series["scaling"]
    return np.asarray(y, dtype=np.float64) * sc["y_scale"] + sc["y_offset"]


def describe(layout: Layout, scaling: dict[str, Any], target: str, features: list[str], date_column: str | None,
             row_dates: np.ndarray | None) -> dict[str, Any]:
    """extra["series"]: the options, the scaling and each split's windows and target dates (no data)."""
    splits: dict[str, Any] = {}
    for name, (a, b) in layout.ranges.items():
        entry: dict[str, Any] = {"windows": [a, b]}
        if row_dates is not None and b > a:
            first, last = int(layout.first_target(a)), int(layout.first_target(b - 1)) + layout.horizon - 1
            entry["first_date"], entry["last_date"] = dates.as_strings(row_dates[[first, last]])
        splits[name] = entry
    return {
        "window": layout.window, "horizon": layout.horizon, "stride": layout.stride, "rows": layout.rows,
        "target": target, "features": features, "date_column": date_column,
        "target_index": features.index(target) if target in features else None,
        "scaling": scaling, "splits": splits, "left_out": layout.left_out,
    }


def series_info(id_: str, name: str, series: dict[str, Any], layout: Layout, description: str,
                source: Literal["synthetic", "upload"], notes: list[str]) -> DatasetInfo:
    return DatasetInfo(
        id=id_, name=name, kind="sequence", input_shape=[layout.window, len(series["features"])],
        target=TargetInfo(kind="values"),
        sizes=Sizes(**{s: layout.size(s) for s in SPLITS}), suggested_loss="mean_squared_error",
        description=description, source=source,
        extra={"task": TASK, "target_shape": [layout.horizon], "series": series, "notes": notes},
    )


# --- reading a CSV ---------------------------------------------------------------------------


def _read(src: Path, name: str, header: list[str],
          limits: Limits) -> tuple[list[list[str]], list[int], list[list[str]]]:
    """Columns of cells, the line number of each row, and the first rows (the preview)."""
    cols: list[list[str]] = [[] for _ in header]
    lines: list[int] = []
    head: list[list[str]] = []
    rows = _rows(src, name, limits)
    next(rows)
    most = min(limits.max_rows, MAX_ROWS)
    for line, row in rows:
        if len(row) != len(header):
            raise FormatError(f"{name}: line {line} has {len(row)} fields, the header has {len(header)}.")
        if len(lines) >= most:
            raise TooLarge(f"{name}: more than {most} rows; a series is read into memory: keep fewer rows.")
        for c, cell in zip(cols, row):
            c.append(cell)
        lines.append(line)
        if len(head) < limits.preview_rows:
            head.append(row)
    if not lines:
        raise FormatError(f"{name}: the header is there but no data rows follow.")
    return cols, lines, head


def _numbers(cells: list[str]) -> tuple[np.ndarray, int | None]:
    """float64 values (NaN where missing) and the index of the first cell with text (None: none)."""
    out = np.full(len(cells), np.nan)
    for i, raw in enumerate(cells):
        c = raw.strip()
        if c.lower() in MISSING:
            continue
        try:
            v = float(c)
        except ValueError:
            return out, i
        if math.isfinite(v):
            out[i] = v
    return out, None


def _fill_forward(values: np.ndarray, column: str, lines: list[int], name: str, notes: list[str]) -> np.ndarray:
    missing = np.isnan(values)
    if not missing.any():
        return values
    if missing[0]:
        raise DataError(
            f"{name}: column '{column}' has no value on line {lines[0]}, the first row, so there is nothing to "
            "carry forward: remove the leading rows without a value or fill them in.", 422)
    idx = np.where(missing, 0, np.arange(len(values)))
    np.maximum.accumulate(idx, out=idx)
    notes.append(f"column '{column}': {int(missing.sum())} missing value(s) filled with the previous row's value.")
    return values[idx]


def _date_column(opts: UploadOptions, header: list[str], cols: list[list[str]],
                 name: str) -> tuple[str | None, str | None]:
    """(column, format): the named date column, else the first column whose cells read as dates."""
    named = opts.date_column
    if named is not None and named.lower() == NO_DATE and named not in header:
        return None, None
    if named is not None:
        if named not in header:
            raise DataError(f"{name}: option date_column: no column '{named}'; columns are {', '.join(header)} "
                            f"(or '{NO_DATE}' for none).", 422)
        fmt = dates.guess_format(cols[header.index(named)], allow_numbers=True)
        if fmt is None:
            raise DataError(f"{name}: option date_column: column '{named}' does not hold dates in a format netcanvas "
                            f"reads (ISO 2024-03-01, 01/03/2024, Mar 1, 2024, Unix time…); set date_column "
                            f"'{NO_DATE}' to keep the file's row order.", 422)
        return named, fmt
    skip = {opts.target, *(f.strip() for f in (opts.features or "").split(","))}
    for h, cells in zip(header, cols):  # numbers count as dates only in a column named like one
        if h not in skip and (fmt := dates.guess_format(cells, h.strip().lower() in DATE_NAMES)) is not None:
            return h, fmt
    return None, None


def _order(cells: list[str], fmt: str, column: str, lines: list[int], name: str,
           notes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The rows' order by date (stable) and the sorted dates; a missing or repeated date is refused."""
    parsed, bad = dates.parse(cells, fmt)
    if bad is not None:
        raise DataError(f"{name}: date column '{column}' has '{cells[bad].strip()}' on line {lines[bad]}, which is "
                        "not a date like the others; fix that row (or set the option date_column).", 422)
    order = np.argsort(parsed, kind="stable")
    if (np.diff(order) < 0).any():
        notes.append(f"rows sorted by '{column}' (the file was not in date order).")
    parsed = parsed[order]
    same = np.flatnonzero(parsed[1:] == parsed[:-1])
    if len(same):
        i, j = order[same[0]], order[same[0] + 1]
        raise DataError(
            f"{name}: date column '{column}' has {dates.as_strings(parsed[same[0]:same[0] + 1])[0]} on lines "
            f"{lines[min(i, j)]} and {lines[max(i, j)]}; a series needs one row per date: keep one series per file "
            "(filter the rows, e.g. by a symbol column) or combine the duplicates.", 422)
    return order, parsed


def _check_numeric(header: list[str], parsed: dict[str, tuple[np.ndarray, int | None]], cols: list[list[str]],
                   column: str, role: str, lines: list[int], name: str) -> None:
    if column not in header:
        raise DataError(f"{name}: option {role}: no column '{column}'; columns are {', '.join(header)}.", 422)
    bad = parsed[column][1]
    if bad is not None:
        cell = cols[header.index(column)][bad].strip()
        raise DataError(f"{name}: option {role}: column '{column}' has text ('{cell[:40]}') on line {lines[bad]}; "
                        f"a series {role} must be numbers: pick another column or fix that row.", 422)


def build_series(src: Path, out: Path, name: str, opts: UploadOptions, limits: Limits = LIMITS) -> dict[str, Any]:
    header = _header(src, name, limits)
    cols, lines, head = _read(src, name, header, limits)
    notes: list[str] = []
    date_col, fmt = _date_column(opts, header, cols, name)
    parsed = {h: _numbers(c) for h, c in zip(header, cols) if h != date_col}
    numeric = [h for h, (_, bad) in parsed.items() if bad is None]
    if opts.features:
        features = [f.strip() for f in opts.features.split(",") if f.strip()]
        if not features:
            raise DataError(f"{name}: option features names no column; give comma-separated column names.", 422)
        dup = sorted({f for f in features if features.count(f) > 1})
        if dup:
            raise DataError(f"{name}: option features names '{dup[0]}' twice; name each column once.", 422)
    else:
        if not numeric:
            raise DataError(f"{name}: no column holds only numbers; a series needs a numeric column to forecast "
                            "(options target, features).", 422)
        features = numeric
        text = [h for h in header if h not in numeric and h != date_col]
        if text:
            notes.append("column(s) " + ", ".join(f"'{h}'" for h in text) + " hold text: left out of the features.")
    target = opts.target or (numeric[-1] if numeric else None)
    if target is None:
        raise DataError(f"{name}: no column holds only numbers, so there is no target to forecast; "
                        "set the option target to a numeric column.", 422)
    for col in (target, *features):
        if col == date_col:
            raise DataError(f"{name}: column '{col}' is the date column; it cannot be a target or feature "
                            f"(set the option date_column to another column or '{NO_DATE}').", 422)
    for role, cols_named in (("target", [target]), ("features", features)):
        for col in cols_named:
            _check_numeric(header, parsed, cols, col, role, lines, name)
    order = np.arange(len(lines))
    row_dates = None
    if date_col is not None and fmt is not None:
        order, row_dates = _order(cols[header.index(date_col)], fmt, date_col, lines, name, notes)
    sorted_lines = [lines[i] for i in order]
    filled = {c: _fill_forward(parsed[c][0][order], c, sorted_lines, name, notes)
              for c in dict.fromkeys([target, *features])}
    y_raw = filled[target]
    x_raw = np.stack([filled[f] for f in features], axis=1)
    del filled, parsed, cols
    window = opts.window or DEFAULT_WINDOW
    layout = plan_windows(len(y_raw), window, opts.horizon, opts.stride, opts.validation_split, opts.test_split, name)
    total = sum(layout.size(s) for s in SPLITS) * window * len(features) * 4
    if total > MAX_WINDOW_BYTES:
        raise TooLarge(f"{name}: {window}-row windows of {len(features)} feature(s) take {total / 2**30:.1f} GiB, over "
                       f"the {MAX_WINDOW_BYTES >> 30} GiB allowed: raise stride or lower window.")
    a, b = layout.ranges["train"]
    method = "minmax" if opts.scaling == "auto" else opts.scaling
    scaling = fit_scaling(method, x_raw, y_raw, int(layout.first_target(b - 1)) + layout.horizon)
    x_scaled, y_scaled = apply_scaling(scaling, x_raw, y_raw)
    for split in SPLITS:
        a, b = layout.ranges.get(split, (0, 0))
        xs = open_memmap(out / f"x_{split}.npy", mode="w+", dtype=np.float32, shape=(b - a, window, len(features)))
        ys = open_memmap(out / f"y_{split}.npy", mode="w+", dtype=np.float32, shape=(b - a, layout.horizon))
        step = max(1, CHUNK_ROWS * 64 // (window * len(features)))
        for k in range(a, b, step):
            xs[k - a:min(k + step, b) - a], ys[k - a:min(k + step, b) - a] = windows(
                x_scaled, y_scaled, layout, k, min(k + step, b))
        xs.flush()
        ys.flush()
        del xs, ys
    np.save(out / RAW_TARGET, y_raw, allow_pickle=False)
    if row_dates is not None:
        np.save(out / RAW_DATES, row_dates.astype(np.int64), allow_pickle=False)
    if layout.left_out:
        notes.append(f"{layout.left_out} window(s) whose targets straddle a split boundary left out, so no target "
                     "is in two splits.")
    series = describe(layout, scaling, target, features, date_col, row_dates)
    desc = (f"{len(y_raw)} rows from {name}: forecast '{target}' {layout.horizon} step(s) ahead from {window} rows of "
            f"{len(features)} feature(s); split in time order (the test period is the end).")
    info = series_info("", opts.name or Path(name).stem, series, layout, " ".join([desc, *notes]), "upload", notes)
    return {
        "info": info,
        "preprocessing": {"series": series, "features": features, "notes": notes},
        "preview": {"columns": header, "rows": head},
    }


def raw_series(info: DatasetInfo, folder: Path | None) -> tuple[np.ndarray, np.ndarray | None]:
    """The target in original units and the dates (datetime64[s] or None), one per row in time order:
    from the upload's folder, or regenerated for the built-in series."""
    if info.id == SEASONAL_ID:
        s = _seasonal()
        return s.values[:, 0], s.dates
    if folder is None or not (folder / RAW_TARGET).is_file():
        raise DataError(f"Data set '{info.id}' does not keep its series in original units; upload it again.", 422)
    target = np.load(folder / RAW_TARGET, allow_pickle=False)
    when = folder / RAW_DATES
    return target, (np.load(when, allow_pickle=False).astype("datetime64[s]") if when.is_file() else None)


# --- the built-in series ---------------------------------------------------------------------

SEASONAL_ID = "series_seasonal"
SEASONAL_DAYS = 2000
SEASONAL_SEED = 7


@dataclass
class _Generated:
    dates: np.ndarray
    values: np.ndarray  # (rows, 1)
    layout: Layout
    scaling: dict[str, Any]


@cache
def _seasonal() -> _Generated:
    """Daily sales-like values from 2019-01-01: a slow trend, a yearly and a weekly cycle, noise
    (seeded; the same series every time). The weekly swing makes yesterday's value a poor forecast."""
    rng = np.random.default_rng(SEASONAL_SEED)
    t = np.arange(SEASONAL_DAYS, dtype=np.float64)
    values = (100 + 0.01 * t + 10 * np.sin(2 * np.pi * t / 365.25) + 6 * np.sin(2 * np.pi * t / 7)
              + 3 * np.cos(4 * np.pi * t / 7) + rng.normal(0, 1.0, len(t)))
    when = np.datetime64("2019-01-01", "s") + (t.astype(np.int64) * 86400).astype("timedelta64[s]")
    layout = plan_windows(len(t), DEFAULT_WINDOW, 1, 1, 0.0, 0.2, SEASONAL_ID)
    b = layout.ranges["train"][1]
    scaling = fit_scaling("minmax", values[:, None], values, int(layout.first_target(b - 1)) + 1)
    return _Generated(when, values[:, None], layout, scaling)


def _seasonal_info() -> DatasetInfo:
    s = _seasonal()
    series = describe(s.layout, s.scaling, "value", ["value"], "date", s.dates)
    return series_info(
        SEASONAL_ID, "Seasonal daily series", series, s.layout,
        f"{SEASONAL_DAYS} generated days: trend, yearly and weekly cycles, noise. Forecast tomorrow's value from "
        f"the last {DEFAULT_WINDOW} days (min-max scaled on the training period; the last 20% of days is the test "
        "period). For the LSTM forecaster template.", "synthetic", [])


def _seasonal_load() -> Dataset:
    s = _seasonal()
    x, y = apply_scaling(s.scaling, s.values, s.values[:, 0])
    train = Split(*windows(x, y, s.layout, *s.layout.ranges["train"]))
    test = Split(*windows(x, y, s.layout, *s.layout.ranges["test"]))
    return Dataset(_seasonal_info(), train, test)


def register(builtin: dict[str, Provider]) -> None:
    """Add the built-in series to data.builtin's table (info and arrays made on first use)."""
    builtin[SEASONAL_ID] = Provider(_seasonal_info, _seasonal_load)
