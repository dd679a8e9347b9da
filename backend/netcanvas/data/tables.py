"""CSV uploads: a table (numeric columns scaled, categorical ones one-hot) and a text CSV (token ids).

Both read the file as a stream, row by row, in passes; the matrix is written to a memory-mapped
.npy, so a CSV larger than memory can still be prepared (only the labels are held in memory).
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib.format import open_memmap

from .base import DatasetInfo, Sizes, TargetInfo
from .build import CHUNK_ROWS, fit_scaler_chunked, write_split_files
from .dates import guess_format
from .errors import DataError, FormatError, TooLarge
from .limits import LIMITS, Limits
from .options import UploadOptions
from .preprocess import build_vocabulary, pad_sequences, split_indices, texts_to_ids

MAX_CLASSES_AUTO = 50  # an integer target with at most this many values counts as classes


DELIMITERS = ",;\t|"


def _delimiter(path: Path) -> str:
    """The separator of the header line: the most frequent of , ; tab | outside quotes (',' if none)."""
    with open(path, "rb") as f:
        first = f.readline(1 << 20).decode("utf-8", "replace")
    unquoted = "".join(part for i, part in enumerate(first.split('"')) if i % 2 == 0)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _rows(path: Path, name: str, limits: Limits) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of each non-empty row, the header included."""
    csv.field_size_limit(limits.csv_max_field)
    delimiter = _delimiter(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f, delimiter=delimiter)
            for row in reader:
                if row and any(cell.strip() for cell in row):
                    yield reader.line_num, row
    except UnicodeDecodeError as exc:
        raise FormatError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start}); save the CSV as UTF-8.") from exc
    except csv.Error as exc:
        raise FormatError(f"{name}: not a readable CSV ({exc}).") from exc


def _header(path: Path, name: str, limits: Limits) -> list[str]:
    for _, row in _rows(path, name, limits):
        header = [h.strip() for h in row]
        if len(header) > limits.csv_max_columns:
            raise TooLarge(f"{name}: {len(header)} columns, more than the {limits.csv_max_columns} allowed.")
        for i, h in enumerate(header):
            if not h:
                raise FormatError(f"{name}: column {i + 1} of the header has no name.")
        dupes = sorted({h for h in header if header.count(h) > 1})
        if dupes:
            raise FormatError(f"{name}: the header names column '{dupes[0]}' more than once.")
        return header
    raise FormatError(f"{name}: the file is empty.")


def _number(cell: str) -> float | None:
    try:
        v = float(cell)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


@dataclass
class ColumnStats:
    name: str
    numeric: bool = True
    missing: int = 0
    total: float = 0.0
    count: int = 0
    values: dict[str, int] = field(default_factory=dict)  # distinct raw values (bounded), insertion order
    too_many: bool = False

    def add(self, cell: str, limit: int) -> None:
        self.add_many([cell], limit)

    def add_many(self, cells: list[str], limit: int) -> None:
        """A chunk of raw cells of this column (numpy parses the numbers in bulk)."""
        cells = [c.strip() for c in cells]
        present = [c for c in cells if c]
        self.missing += len(cells) - len(present)
        if not present:
            return
        if self.numeric:
            try:
                nums = np.array(present, dtype=np.float64)
                ok = bool(np.isfinite(nums).all())
            except ValueError:
                ok = False
            if ok:
                self.total += float(nums.sum())
                self.count += len(nums)
            else:
                self.numeric = False
        if not self.too_many:
            self.values.update(dict.fromkeys(present, 0))
            if len(self.values) > limit:
                self.too_many = True


def _scan(path: Path, name: str, header: list[str], limits: Limits) -> tuple[list[ColumnStats], int, list[list[str]]]:
    stats = [ColumnStats(h) for h in header]
    limit = max(limits.csv_max_categories, MAX_CLASSES_AUTO)
    n = 0
    head: list[list[str]] = []
    chunk: list[list[str]] = []

    def flush() -> None:
        for i, st in enumerate(stats):
            st.add_many([row[i] for row in chunk], limit)
        chunk.clear()

    rows = _rows(path, name, limits)
    next(rows)
    for line, row in rows:
        if len(row) != len(header):
            raise FormatError(f"{name}: line {line} has {len(row)} fields, the header has {len(header)}.")
        chunk.append(row)
        n += 1
        if n > limits.max_rows:
            raise TooLarge(f"{name}: more than {limits.max_rows} rows.")
        if len(head) < limits.preview_rows:
            head.append(row)
        if len(chunk) == CHUNK_ROWS:
            flush()
    flush()
    if n == 0:
        raise FormatError(f"{name}: the header is there but no data rows follow.")
    return stats, n, head


def _target_kind(st: ColumnStats, task: str, name: str) -> str:
    if task == "regression":
        if not st.numeric:
            raise DataError(f"{name}: task 'regression' needs a numeric target, but column '{st.name}' has text.", 422)
        return "values"
    if task == "classification":
        if st.too_many:
            raise DataError(f"{name}: target column '{st.name}' has too many distinct values for classes.", 422)
        return "classes"
    if not st.numeric:
        if st.too_many:
            raise DataError(
                f"{name}: target column '{st.name}' has text with more than "
                f"{len(st.values) - 1} distinct values; pick another target column.", 422)
        return "classes"
    integral = all(float(v).is_integer() for v in st.values) and not st.too_many
    return "classes" if integral and len(st.values) <= MAX_CLASSES_AUTO else "values"


def _class_names(st: ColumnStats) -> list[str]:
    if st.numeric:  # "1" and "1.0" are one class
        return [str(int(v)) if v.is_integer() else str(v) for v in sorted({float(c) for c in st.values})]
    return sorted(st.values)


def build_table(src: Path, out: Path, name: str, opts: UploadOptions, limits: Limits = LIMITS) -> dict[str, Any]:
    header = _header(src, name, limits)
    target = opts.target or header[-1]
    if target not in header:
        raise DataError(f"{name}: no column '{target}' for the target; columns are {', '.join(header)}.", 422)
    if len(header) < 2:
        raise DataError(f"{name}: only the target column '{target}'; a table needs feature columns too.", 422)
    stats, n, head = _scan(src, name, header, limits)
    t = header.index(target)
    tst = stats[t]
    if tst.missing:
        raise DataError(f"{name}: target column '{target}' is empty in {tst.missing} row(s).", 422)
    kind = _target_kind(tst, opts.task, name)
    class_names = _class_names(tst) if kind == "classes" else None
    if class_names is not None and len(class_names) < 2:
        raise DataError(f"{name}: target column '{target}' has a single value '{class_names[0]}'.", 422)
    class_index = {c: i for i, c in enumerate(class_names or [])}

    columns: list[dict[str, Any]] = []
    features: list[str] = []
    scaled: list[bool] = []
    notes: list[str] = []
    dropped: set[int] = set()
    for i, st in enumerate(stats):
        if i == t:
            continue
        if not st.numeric and (fmt := guess_format(list(st.values))) is not None:
            # a date is not a category: one-hot encoding 336 dates teaches a model nothing
            columns.append({"name": st.name, "type": "date", "format": fmt, "dropped": True})
            dropped.add(i)
            notes.append(f"column '{st.name}' holds dates: left out of the features (to forecast over time, "
                         "upload the file with kind=series).")
            continue
        if st.numeric and st.count:
            fill = st.total / st.count
            columns.append({"name": st.name, "type": "numeric", "fill": fill, "missing": st.missing})
            features.append(st.name)
            scaled.append(True)
        else:
            if st.too_many:
                raise DataError(
                    f"{name}: column '{st.name}' has more than {limits.csv_max_categories} distinct text values "
                    "to one-hot encode; drop it or turn it into numbers.", 422)
            cats = sorted(st.values)
            if st.missing:
                cats.append("")
            columns.append({"name": st.name, "type": "categorical", "categories": cats, "missing": st.missing})
            features += [f"{st.name}={c}" if c else f"{st.name}=(missing)" for c in cats]
            scaled += [False] * len(cats)
    if not features:
        raise DataError(f"{name}: besides the target '{target}' there are only date columns; a table needs "
                        "feature columns (to forecast the target over time, upload with kind=series).", 422)
    if len(features) > limits.csv_max_columns:
        raise TooLarge(f"{name}: one-hot encoding makes {len(features)} features, more than {limits.csv_max_columns}.")

    # pass 2: the full matrix, memory-mapped
    x_all = open_memmap(out / "_x_all.npy", mode="w+", dtype=np.float32, shape=(n, len(features)))
    y_all = np.empty((n,) if kind == "classes" else (n, 1), dtype=np.int64 if kind == "classes" else np.float32)
    feature_cols = [i for i in range(len(header)) if i != t and i not in dropped]
    numeric_classes = {float(c): i for i, c in enumerate(class_names)} if class_names and tst.numeric else {}
    rows = _rows(src, name, limits)
    next(rows)
    encoded = [c for c in columns if c["type"] != "date"]
    cat_index = [{c: i for i, c in enumerate(spec.get("categories", []))} for spec in encoded]
    offsets = np.cumsum([0] + [1 if c["type"] == "numeric" else len(c["categories"]) for c in encoded])

    def encode(chunk: list[list[str]], start: int, x_all: np.ndarray) -> None:
        """One chunk of rows, a column at a time (numpy parses numeric columns in bulk)."""
        m = len(chunk)
        block = np.zeros((m, len(features)), dtype=np.float32)
        for col_i, spec, cats, j in zip(feature_cols, encoded, cat_index, offsets):
            cells = [row[col_i].strip() for row in chunk]
            if spec["type"] == "numeric":
                try:
                    block[:, j] = np.array(cells, dtype=np.float64)
                except ValueError:  # empty cells (or nan/inf): one by one, filled with the mean
                    block[:, j] = [v if (v := _number(c) if c else None) is not None else spec["fill"]
                                   for c in cells]
                if not np.isfinite(block[:, j]).all():
                    block[:, j] = [v if (v := _number(c) if c else None) is not None else spec["fill"]
                                   for c in cells]
            else:
                block[np.arange(m), j + np.array([cats[c] for c in cells], dtype=np.int64)] = 1.0
        x_all[start:start + m] = block
        cells_t = [row[t].strip() for row in chunk]
        if kind == "classes":
            if tst.numeric:
                y_all[start:start + m] = [numeric_classes[float(c)] for c in cells_t]
            else:
                y_all[start:start + m] = [class_index[c] for c in cells_t]
        else:
            y_all[start:start + m, 0] = np.array(cells_t, dtype=np.float64)

    chunk: list[list[str]] = []
    r = 0
    for _, row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK_ROWS:
            encode(chunk, r, x_all)
            r += len(chunk)
            chunk = []
    if chunk:
        encode(chunk, r, x_all)
    x_all.flush()

    idx = split_indices(n, opts.validation_split, opts.test_split, opts.seed, y_all if kind == "classes" else None)
    method = "standard" if opts.scaling == "auto" else opts.scaling
    scaler = fit_scaler_chunked(method, x_all, idx["train"], None, np.array(scaled, dtype=bool))
    sizes = write_split_files(out, x_all, y_all, idx, lambda b: scaler.apply(b))
    del x_all
    (out / "_x_all.npy").unlink()

    info = DatasetInfo(
        id="", name=opts.name or Path(name).stem, kind="table", input_shape=[len(features)],
        target=TargetInfo(kind=kind, num_classes=len(class_names) if class_names else None, class_names=class_names),
        sizes=Sizes(**sizes), suggested_loss="", source="upload",
        description=" ".join([f"{n} rows from {name}; target '{target}'.", *notes]),
        extra={"notes": notes} if notes else {},
    )
    return {
        "info": info,
        "preprocessing": {
            "target": target, "columns": columns, "features": features, "scaler": scaler.model_dump(),
            "notes": notes,
        },
        "preview": {"columns": header, "rows": head},
    }


def build_text(src: Path, out: Path, name: str, opts: UploadOptions, limits: Limits = LIMITS) -> dict[str, Any]:
    header = _header(src, name, limits)
    target = opts.target or "label"
    for col in (opts.text_column, target):
        if col not in header:
            raise DataError(
                f"{name}: no column '{col}'; a text CSV needs a text column and a label column "
                f"(options text_column, target). Columns are {', '.join(header)}.", 422)
    ti, li = header.index(opts.text_column), header.index(target)

    def texts() -> Iterator[str]:
        rows = _rows(src, name, limits)
        next(rows)
        for _, row in rows:
            yield row[ti]

    # pass 1: labels, row checks, the preview rows (texts are not kept in memory)
    labels: list[str] = []
    head: list[list[str]] = []
    rows = _rows(src, name, limits)
    next(rows)
    for line, row in rows:
        if len(row) != len(header):
            raise FormatError(f"{name}: line {line} has {len(row)} fields, the header has {len(header)}.")
        if not row[li].strip():
            raise DataError(f"{name}: line {line} has no value in label column '{target}'.", 422)
        labels.append(row[li].strip())
        if len(head) < limits.preview_rows:
            head.append(row)
        if len(labels) > limits.max_rows:
            raise TooLarge(f"{name}: more than {limits.max_rows} rows.")
    if not labels:
        raise FormatError(f"{name}: the header is there but no data rows follow.")
    n = len(labels)
    st = ColumnStats(target)
    for lab in labels:
        st.add(lab, max(limits.csv_max_categories, MAX_CLASSES_AUTO))
    kind = _target_kind(st, opts.task, name)
    class_names = _class_names(st) if kind == "classes" else None
    if class_names is not None and len(class_names) < 2:
        raise DataError(f"{name}: label column '{target}' has a single value '{class_names[0]}'.", 422)
    y_all: np.ndarray
    if kind == "classes":
        if st.numeric:
            findex = {float(c): i for i, c in enumerate(class_names or [])}
            y_all = np.array([findex[float(lab)] for lab in labels], dtype=np.int64)
        else:
            index = {c: i for i, c in enumerate(class_names or [])}
            y_all = np.array([index[lab] for lab in labels], dtype=np.int64)
    else:
        y_all = np.array([float(lab) for lab in labels], dtype=np.float32)[:, None]
    del labels
    idx = split_indices(n, opts.validation_split, opts.test_split, opts.seed,
                        y_all if kind == "classes" else None)
    # pass 2: the vocabulary, from the training rows only
    is_train = np.zeros(n, dtype=bool)
    is_train[idx["train"]] = True
    vocab = build_vocabulary((t for t, keep in zip(texts(), is_train) if keep), opts.vocab_size)
    # pass 3: token ids, padded, a chunk at a time into a memory-mapped matrix
    x_all = open_memmap(out / "_x_all.npy", mode="w+", dtype=np.int64, shape=(n, opts.max_length))
    chunk: list[str] = []
    r = 0
    for t in texts():
        chunk.append(t)
        if len(chunk) == CHUNK_ROWS:
            x_all[r:r + len(chunk)] = pad_sequences(texts_to_ids(chunk, vocab), opts.max_length,
                                                    opts.padding, opts.truncating)
            r += len(chunk)
            chunk = []
    if chunk:
        x_all[r:r + len(chunk)] = pad_sequences(texts_to_ids(chunk, vocab), opts.max_length,
                                                opts.padding, opts.truncating)
    x_all.flush()
    sizes = write_split_files(out, x_all, y_all, idx)
    del x_all
    (out / "_x_all.npy").unlink()
    (out / "vocabulary.json").write_text(json.dumps(vocab, ensure_ascii=False))
    info = DatasetInfo(
        id="", name=opts.name or Path(name).stem, kind="text", input_shape=[opts.max_length], input_dtype="int64",
        target=TargetInfo(kind=kind, num_classes=len(class_names) if class_names else None, class_names=class_names),
        sizes=Sizes(**sizes), suggested_loss="", source="upload",
        description=f"{n} texts from {name}; Embedding input_dim {len(vocab)}.",
        extra={"vocab_size": len(vocab), "max_length": opts.max_length},
    )
    return {
        "info": info,
        "preprocessing": {
            "text_column": opts.text_column, "target": target, "vocab_size": len(vocab),
            "max_length": opts.max_length, "padding": opts.padding, "truncating": opts.truncating,
            "vocabulary_file": "vocabulary.json",
        },
        "preview": {"columns": header, "rows": head},
    }
