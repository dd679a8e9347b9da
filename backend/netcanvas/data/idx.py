"""The IDX format of MNIST and Fashion-MNIST, as published (usually gzipped).

Layout (big-endian): two zero bytes, a type code, the number of dimensions n, n uint32 sizes,
then the values in C order. http://yann.lecun.com/exdb/mnist/ describes it.
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .errors import FormatError

# type code → big-endian numpy dtype
_TYPES: dict[int, str] = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_CODES: dict[str, int] = {np.dtype(v).newbyteorder("=").str: k for k, v in _TYPES.items()}
MAX_DIMS = 8


def _open(path: Path) -> BinaryIO:
    with open(path, "rb") as probe:
        gz = probe.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gz else open(path, "rb")  # type: ignore[return-value]


def read_idx(path: str | Path) -> np.ndarray:
    """The array an IDX file (plain or gzipped) holds, in native byte order."""
    path = Path(path)
    try:
        with _open(path) as f:
            return _read(f, path.name)
    except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError
        raise FormatError(f"{path.name}: not a readable IDX file ({exc}).") from exc


def _read(f: BinaryIO, name: str) -> np.ndarray:
    head = f.read(4)
    if len(head) < 4 or head[0] != 0 or head[1] != 0:
        raise FormatError(f"{name}: not an IDX file (bad magic number).")
    code, ndim = head[2], head[3]
    if code not in _TYPES:
        raise FormatError(f"{name}: unknown IDX type code 0x{code:02x}.")
    if not 1 <= ndim <= MAX_DIMS:
        raise FormatError(f"{name}: IDX with {ndim} dimensions (1 to {MAX_DIMS} expected).")
    dims_raw = f.read(4 * ndim)
    if len(dims_raw) < 4 * ndim:
        raise FormatError(f"{name}: truncated IDX header.")
    shape = tuple(int(d) for d in np.frombuffer(dims_raw, dtype=">u4"))
    dtype = np.dtype(_TYPES[code])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    data = f.read(expected)
    if len(data) != expected:
        raise FormatError(f"{name}: IDX data is truncated ({len(data)} of {expected} bytes for shape {shape}).")
    if f.read(1):
        raise FormatError(f"{name}: IDX file has bytes after the {shape} array it declares.")
    return np.frombuffer(data, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def write_idx(path: str | Path, array: np.ndarray, compress: bool | None = None) -> None:
    """Write `array` as IDX (gzipped when `compress`, or when the name ends in .gz)."""
    path = Path(path)
    array = np.asarray(array)
    code = _CODES.get(array.dtype.newbyteorder("=").str)
    if code is None:
        raise ValueError(f"IDX cannot hold dtype {array.dtype}.")
    buf = io.BytesIO()
    buf.write(bytes([0, 0, code, array.ndim]))
    buf.write(np.asarray(array.shape, dtype=">u4").tobytes())
    buf.write(array.astype(np.dtype(_TYPES[code])).tobytes())
    if compress is None:
        compress = path.suffix == ".gz"
    raw = buf.getvalue()
    path.write_bytes(gzip.compress(raw, mtime=0) if compress else raw)
