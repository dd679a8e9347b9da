"""Dates in CSV cells: which format a column uses, and the parsed values as datetime64[s].

A column is read with ONE format (the first of FORMATS that fits every sampled cell), so
"03/04/2024" is never April in one row and March in the next; ISO 8601 (what pandas writes) is
tried first. Time-zone-aware stamps are converted to UTC and compared without their zone.
Used by the series builder (its date column) and the table builder (date columns are never
one-hot encoded).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import numpy as np

ISO = "iso"
EPOCH = "epoch"  # numbers: Unix time in seconds (milliseconds when they are that large)
FORMATS = (
    ISO, "%Y/%m/%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d-%m-%Y", "%m-%d-%Y", "%Y.%m.%d",
    "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%b %d, %Y", "%B %d, %Y", "%d %b %Y", "%d %B %Y", "%d-%b-%Y",
    "%d-%b-%y", "%Y-%m", "%b %Y", "%B %Y",
)
SAMPLE = 200  # cells tried when guessing a column's format
_MS_FROM = 1e11  # Unix times above this are milliseconds (year 5138 in seconds)
_EPOCH_FROM = 1e8  # numbers below this (before March 1973 in seconds) are not Unix times


def _one(cell: str, fmt: str) -> datetime:
    if fmt == ISO:
        d = datetime.fromisoformat(cell)
    else:
        d = datetime.strptime(cell, fmt)
    if d.tzinfo is not None:
        d = d.astimezone(UTC).replace(tzinfo=None)
    return d


def _fits(cells: Iterable[str], fmt: str) -> bool:
    try:
        for c in cells:
            _one(c, fmt)
    except ValueError:
        return False
    return True


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def guess_format(cells: Sequence[str], allow_numbers: bool = False) -> str | None:
    """The format of a column from some of its non-empty cells, or None when they are not dates.

    Numbers are dates only when `allow_numbers` (a column the user named as the date column):
    8 digits as YYYYMMDD, other numbers from 10^8 up as Unix time (seconds, or milliseconds).
    """
    sample = [c.strip() for c in cells if c.strip()][:SAMPLE]
    if not sample:
        return None
    if all(_is_number(c) for c in sample):
        if not allow_numbers:
            return None  # 2019, 3.5 or 20240101 in an unnamed column are numbers, not dates
        if all(len(c) == 8 and c.isdigit() for c in sample) and _fits(sample, "%Y%m%d"):
            return "%Y%m%d"
        # Unix time: seconds after 1973 (or milliseconds); prices and counts are not dates
        return EPOCH if all(float(c) >= _EPOCH_FROM for c in sample) else None
    return next((f for f in FORMATS if _fits(sample, f)), None)


def parse(cells: Sequence[str], fmt: str) -> tuple[np.ndarray, int | None]:
    """datetime64[s] of every cell, and the index of the first cell that does not parse (None: all
    did). An empty cell does not parse."""
    if fmt == ISO:  # numpy reads plain ISO dates in bulk; anything else (zones, blanks) cell by cell
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                bulk = np.array([c.strip() for c in cells], dtype="datetime64[s]")
            except (ValueError, Warning):
                bulk = None
        if bulk is not None and not np.isnat(bulk).any():
            return bulk, None
    out = np.empty(len(cells), dtype="datetime64[s]")
    for i, raw in enumerate(cells):
        c = raw.strip()
        try:
            if fmt == EPOCH:
                v = float(c)
                if not np.isfinite(v):
                    return out, i
                out[i] = np.datetime64(int(v / 1000 if abs(v) >= _MS_FROM else v), "s")
            else:
                out[i] = np.datetime64(_one(c, fmt), "s")
        except (ValueError, OverflowError):
            return out, i
    return out, None


def as_strings(dates: np.ndarray) -> list[str]:
    """ISO strings: "2024-03-01" when every stamp is midnight, else "2024-03-01T12:00:00"."""
    dates = np.asarray(dates, dtype="datetime64[s]")
    daily = bool((dates.astype(np.int64) % 86400 == 0).all()) if len(dates) else True
    return [str(s) for s in np.datetime_as_string(dates, unit="D" if daily else "s")]
