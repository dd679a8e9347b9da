"""An NPZ upload: numeric arrays of inputs and targets, never unpickled (allow_pickle=False).

Key names (data/npz_keys.py has the exact rule; docs/datasets.md shows examples):
- one input and target: `x`, `y`, or Keras's `x_train`, `y_train`[, `x_test`, `y_test`];
- several, by name: `x_<name>` / `y_<name>` (e.g. `x_encoder_input`, `x_decoder_input`,
  `y_decoder_dense`), matched to Input / output node ids; by order: `x0`, `x1`… / `y0`, `y1`…;
  a single target may stay `y` beside several inputs;
- a split suffix `_train`, `_test`, `_val` / `_validation` on every array or on none
  (`x_encoder_input_train`); without one, test_split and validation_split divide the rows — the
  same rows of every array.

Each input (x array), in netcanvas layout:
- x_dtype auto: uint8 (N, H, W) / (N, H, W, C) → an image, channels first, / 255; an integer
  (N, T) array with ids 0 … 2^20 - 1 → int64 token ids (kind "text": it feeds Input(dtype int64)
  → Embedding, as Keras's pad_sequences output does), never scaled; other arrays → float32:
  (N, F) a table, (N, T, F) a sequence, (N, C, H, W) / channels-last (N, H, W, C) an image;
- x_dtype int64: every x array as token ids (integral, at least 0; 422 otherwise), unscaled;
- x_dtype float32: every x array as numbers (integer (N, T) arrays become a table).
Scaling is per input, fitted on the training rows: `scaling` auto is standard for tables, none
otherwise; token ids are never scaled. Targets: data/npz_targets.py.

Stored as assemble.save_arrays names them: x_train.npy for one input, x0_train.npy, x1_train.npy…
for several (y likewise), written a chunk of rows at a time from memory-mapped members.
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib.format import open_memmap

from .assemble import array_file
from .base import DatasetInfo, InputSpec, Sizes, TargetInfo, TargetSpec
from .build import CHUNK_ROWS, fit_scaler_chunked
from .errors import DataError, FormatError, TooLarge
from .limits import LIMITS, Limits
from .npz_inputs import Convert, Input, read_input
from .npz_keys import Layout, Part, layout
from .npz_targets import Target, read_target
from .options import UploadOptions
from .preprocess import Scaler, split_indices
from .zipsafe import open_checked

MAX_ARRAYS = 64  # inputs, and targets, one NPZ may declare

PICKLE_REFUSED = "holds Python objects, which would need unpickling; refused. Save numeric arrays (np.savez(x=..., y=...))."


def _array(npz: Any, key: str, name: str) -> np.ndarray:
    try:
        a = npz[key]
    except ValueError as exc:  # object arrays need pickle
        raise FormatError(f"{name}: array '{key}' {PICKLE_REFUSED}") from exc
    except Exception as exc:  # a corrupt member
        raise FormatError(f"{name}: array '{key}' cannot be read ({exc}).") from exc
    if a.dtype.kind not in "biuf":
        raise FormatError(f"{name}: array '{key}' has dtype {a.dtype}; numbers are needed.")
    return a


def _stored_member(src: Path, zf: zipfile.ZipFile, key: str, name: str) -> np.ndarray | None:
    """An uncompressed (np.savez) member as a read-only memmap over the upload, else None."""
    info = zf.getinfo(key + ".npy")
    if info.compress_type != zipfile.ZIP_STORED:
        return None
    with open(src, "rb") as f:
        f.seek(info.header_offset)
        local = f.read(30)
        if local[:4] != b"PK\x03\x04":
            raise FormatError(f"{name}: entry '{key}.npy' has a damaged local header.")
        n, e = struct.unpack("<HH", local[26:30])
        start = info.header_offset + 30 + n + e
        f.seek(start)
        try:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
            else:
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
        except ValueError as exc:
            raise FormatError(f"{name}: array '{key}' has a damaged header ({exc}).") from exc
        offset = f.tell()
    if dtype.hasobject:
        raise FormatError(f"{name}: array '{key}' {PICKLE_REFUSED}")
    if offset - start + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize > info.file_size:
        raise FormatError(f"{name}: array '{key}' is shorter than its header says.")
    return np.memmap(src, dtype=dtype, mode="r", offset=offset, shape=tuple(shape), order="F" if fortran else "C")


def _check_rows(lay: Layout, x: dict[Part, list[np.ndarray]], y: dict[Part, list[np.ndarray]], file: str,
                limits: Limits) -> None:
    for part in lay.parts:
        keys = lay.x.keys[part] + lay.y.keys[part]
        rows = [len(a) for a in x[part] + y[part]]
        if max(rows) > limits.max_rows:
            raise TooLarge(f"{file}: '{keys[rows.index(max(rows))]}' declares {max(rows):,} rows; at most "
                           f"{limits.max_rows:,} are read.")
        if len(set(rows)) > 1:
            if len(rows) == 2:
                listed = f"{rows[0]} rows in {keys[0]} but {rows[1]} in {keys[1]}"
            else:
                listed = "rows differ: " + ", ".join(f"{n} in {k}" for k, n in zip(keys, rows, strict=True))
            raise DataError(f"{file}: {listed}; every array needs one row per sample.", 422)
        if rows[0] == 0:
            raise DataError(f"{file}: '{keys[0]}' is empty.", 422)


def _read(src: Path, file: str, limits: Limits) -> tuple[list[str], Layout, dict[Part, list[np.ndarray]], dict[Part, list[np.ndarray]]]:
    try:
        npz = np.load(src, allow_pickle=False)
    except Exception as exc:
        raise FormatError(f"{file}: not a readable NPZ file ({exc}).") from exc
    with npz:
        keys = list(npz.files)
        lay = layout(file, keys)
        for side in (lay.x, lay.y):
            if len(side.names) > MAX_ARRAYS:
                raise DataError(f"{file}: {len(side.names)} arrays on one side; at most {MAX_ARRAYS} inputs "
                                f"and {MAX_ARRAYS} targets.", 422)
        with zipfile.ZipFile(src) as zf:
            def get(key: str) -> np.ndarray:
                mapped = _stored_member(src, zf, key, file)
                if mapped is not None and mapped.dtype.kind in "biuf":
                    return mapped
                return _array(npz, key, file)

            x = {p: [get(k) for k in lay.x.keys[p]] for p in lay.parts}
            y = {p: [get(k) for k in lay.y.keys[p]] for p in lay.parts}
    _check_rows(lay, x, y, file, limits)
    return keys, lay, x, y


def _same_shapes(file: str, what: dict[str, list[int | None] | list[int]]) -> None:
    if len({tuple(s) for s in what.values()}) > 1:
        listed = ", ".join(f"'{k}' {tuple(s)}" for k, s in what.items())
        raise DataError(f"{file}: the splits of one array differ in shape per sample: {listed}.", 422)


def _targets(lay: Layout, y: dict[Part, list[np.ndarray]], task: str, file: str) -> list[dict[Part, Target]]:
    out = []
    for i in range(len(lay.y.names)):
        per = {p: read_target(np.asarray(y[p][i]), task, lay.y.keys[p][i], file) for p in lay.parts}
        kinds = {t.kind for t in per.values()}
        if len(kinds) > 1:
            listed = ", ".join(f"'{lay.y.keys[p][i]}' {t.kind}" for p, t in per.items())
            raise DataError(f"{file}: the splits of one target read differently ({listed}); give them the same "
                            "dtype and shape (or set task).", 422)
        _same_shapes(file, {lay.y.keys[p][i]: list(t.y.shape[1:]) for p, t in per.items()})
        out.append(per)
    return out


def _write(out: Path, file_name: Callable[[str], str], src: np.ndarray, indices: dict[str, np.ndarray],
           convert: Convert, dtype: type) -> None:
    """{split}.npy of rows `indices[split]` of `src`, CHUNK_ROWS rows at a time (src may be a memmap)."""
    for split, idx in indices.items():
        dst = open_memmap(out / file_name(split), mode="w+", dtype=dtype, shape=(len(idx), *src.shape[1:]))
        for start in range(0, len(idx), CHUNK_ROWS):
            rows = idx[start:start + CHUNK_ROWS]
            dst[start:start + len(rows)] = convert(np.asarray(src[rows]))
        dst.flush()
        del dst


def _jobs(lay: Layout, n: dict[Part, int], strata: np.ndarray | None, opts: UploadOptions,
          file: str) -> dict[Part, dict[str, np.ndarray]]:
    """For each part of the file, the rows of each split it gives (the same rows of every array)."""
    if "all" in lay.parts:
        return {"all": split_indices(n["all"], opts.validation_split, opts.test_split, opts.seed, strata)}
    jobs: dict[Part, dict[str, np.ndarray]] = {}
    if "validation" in lay.parts:
        if opts.validation_split > 0:
            raise DataError(f"{file}: it has a validation split of its own ('{lay.x.keys['validation'][0]}'); "
                            "leave validation_split out (or 0).", 422)
        jobs["train"] = {"train": np.arange(n["train"], dtype=np.int64)}
        jobs["validation"] = {"validation": np.arange(n["validation"], dtype=np.int64)}
    else:  # validation comes out of train
        sub = split_indices(n["train"], opts.validation_split, 0.0, opts.seed, strata)
        jobs["train"] = {"train": sub["train"], "validation": sub["validation"]}
    if "test" in lay.parts:
        jobs["test"] = {"test": np.arange(n["test"], dtype=np.int64)}
    return jobs


def _scaling(inputs: list[Input], opts: UploadOptions, file: str) -> list[str]:
    if opts.scaling in ("standard", "minmax") and all(i.dtype == "int64" for i in inputs):
        raise DataError(f"{file}: scaling '{opts.scaling}' applies to numbers, but every input here is integer "
                        "token ids, which are never scaled: leave scaling out, or set x_dtype to float32.", 422)
    return ["none" if i.dtype == "int64" else opts.scaling if opts.scaling != "auto"
            else "standard" if i.kind == "table" else "none" for i in inputs]


def _describe(inputs: list[Input], targets: list[TargetSpec], ignored: list[str], n_all: int, file: str) -> str:
    def one(i: Input) -> str:
        what = "integer token ids (int64, unscaled; x_dtype=float32 reads them as numbers)" if i.dtype == "int64" \
            else f"{i.kind} ({i.dtype})"
        return f"'{i.name}' {tuple(i.shape)} {what}"

    def target(t: TargetSpec) -> str:
        if t.kind == "values":
            return f"'{t.name}' values {tuple(t.shape) or '(1,)'}"
        per = f"a class per time step ({t.shape[0]} steps)" if t.shape else "a class per sample"
        return f"'{t.name}' {per}, {t.num_classes} classes"

    text = (f"{n_all} samples from {file}. Inputs: {'; '.join(one(i) for i in inputs)}. "
            f"Targets: {'; '.join(target(t) for t in targets)}.")
    if ignored:
        text += f" Not read (no x/y name): {', '.join(ignored)}."
    return text


def _write_inputs(out: Path, inputs: list[Input], methods: list[str], jobs: dict[Part, dict[str, np.ndarray]],
                  src_part: Part) -> list[Scaler]:
    """Each input's split files, scaled by a Scaler fitted on its training rows (token ids: none)."""
    scalers: list[Scaler] = []
    for i, (inp, method) in enumerate(zip(inputs, methods, strict=True)):
        channel_axis = {"image": 1, "sequence": 2}.get(inp.kind) if inp.dtype == "float32" else None
        scaler = fit_scaler_chunked(method, inp.views[src_part], jobs[src_part]["train"], channel_axis,
                                    convert=inp.convert)
        scalers.append(scaler)
        axis = channel_axis or 1

        def transform(b: np.ndarray, inp: Input = inp, scaler: Scaler = scaler, axis: int = axis) -> np.ndarray:
            converted = inp.convert(b)
            return converted if inp.dtype == "int64" else scaler.apply(converted, channel_axis=axis)

        index = i if len(inputs) > 1 else None
        dtype = np.int64 if inp.dtype == "int64" else np.float32
        for part, idx in jobs.items():
            _write(out, partial(array_file, "x", index=index), inp.views[part], idx, transform, dtype)
    return scalers


def build_npz(src: Path, out: Path, name: str, opts: UploadOptions, limits: Limits = LIMITS) -> dict[str, Any]:
    open_checked(src, name, limits).close()  # size, ratio and name checks before numpy reads it
    keys, lay, x, y = _read(src, name, limits)
    several_x, several_y = len(lay.x.names) > 1, len(lay.y.names) > 1
    inputs = [read_input(nm, {p: lay.x.keys[p][i] for p in lay.parts}, {p: x[p][i] for p in lay.parts},
                          opts.x_dtype, name) for i, nm in enumerate(lay.x.names)]
    for inp in inputs:
        _same_shapes(name, {inp.keys[p]: list(v.shape[1:]) for p, v in inp.views.items()})
    if several_x and opts.load_options().augment.active:
        raise DataError(f"{name}: horizontal_flip, vertical_flip and shift augment one image input, but this file "
                        f"has {len(inputs)} inputs ({', '.join(lay.x.names)}): leave them out.", 422)
    targets = _targets(lay, y, opts.task, name)
    specs = []
    for nm, per in zip(lay.y.names, targets, strict=True):
        t0 = next(iter(per.values()))
        k = max((t.num_classes or 0) for t in per.values()) if t0.kind == "classes" else None
        specs.append(TargetSpec(name=nm, kind=t0.kind, num_classes=k,
                                class_names=[str(c) for c in range(k)] if k else None, shape=t0.shape))

    first_target, first_spec = targets[0], specs[0]
    src_part: Part = "all" if "all" in lay.parts else "train"
    strata = first_target[src_part].y if first_spec.kind == "classes" and not first_spec.shape else None
    jobs = _jobs(lay, {p: len(x[p][0]) for p in lay.parts}, strata, opts, name)

    scalers = _write_inputs(out, inputs, _scaling(inputs, opts, name), jobs, src_part)
    for j, per in enumerate(targets):
        index = j if several_y else None
        for part, idx in jobs.items():
            t = per[part]
            _write(out, partial(array_file, "y", index=index), t.y, idx, np.asarray, t.y.dtype.type)

    sizes = {s: len(idx) for rows in jobs.values() for s, idx in rows.items()}
    n_all = sum(sizes.values())
    extra: dict[str, Any] = {}
    if not several_y and first_spec.kind == "classes" and first_spec.shape:
        extra["target_shape"] = list(first_spec.shape)
    vocab_sizes = {i.name: i.max_id + 1 for i in inputs if i.max_id is not None}
    if vocab_sizes:
        extra["vocab_sizes"] = vocab_sizes  # Embedding input_dim that covers every id, per input
        if not several_x:
            extra["vocab_size"] = next(iter(vocab_sizes.values()))
    named_x = several_x or lay.x.style != "single"
    named_y = several_y or lay.y.style != "single"
    first = inputs[0]
    info = DatasetInfo(
        id="", name=opts.name or Path(name).stem, kind=first.kind, input_shape=first.shape,
        input_dtype=first.dtype,
        target=TargetInfo(kind=first_spec.kind, num_classes=first_spec.num_classes,
                          class_names=first_spec.class_names),
        sizes=Sizes(**sizes), suggested_loss="", source="upload",
        description=_describe(inputs, specs, lay.ignored, n_all, name),
        inputs=[InputSpec(name=i.name, shape=i.shape, dtype=i.dtype) for i in inputs] if named_x else [],
        targets=specs if named_y else [],
        extra=extra,
    )
    if several_x:
        info.extra["input_kinds"] = [i.kind for i in inputs]
    preprocessing = {
        "arrays": sorted(keys), "ignored": lay.ignored, "scaler": scalers[0].model_dump(),
        "inputs": [{"name": i.name, "keys": {str(p): k for p, k in i.keys.items()}, "kind": i.kind,
                    "dtype": i.dtype, "scaler": sc.model_dump()} for i, sc in zip(inputs, scalers, strict=True)],
    }
    return {"info": info, "preprocessing": preprocessing}
