"""Pretrained word vectors for an Embedding's matrix: a GloVe text file or a `.npy` array.

GloVe ("word v1 v2 … vd" per line, also fastText's `.vec` with its "count dim" first line) is
streamed a line at a time, never whole in memory, and only the vocabulary's words are parsed.
Rows follow the data set's vocabulary as Keras's pretrained-word-embeddings example builds its
`embedding_matrix`: row i holds the vector of the word whose id is i, words the file lacks (and
the padding and out-of-vocabulary ids) stay zeros, and a word listed twice takes its last vector
(the example's dict). A `.npy` is the matrix itself, (input_dim, output_dim); its header is
checked before any data is read, and it is never unpickled.

Every refusal is a DataError naming the file, the line or the node, and the fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .errors import DataError, FormatError, TooLarge

NPY_MAGIC = b"\x93NUMPY"


@dataclass(frozen=True)
class VectorLimits:
    max_dim: int = 4096  # values per vector (GloVe and fastText publish at most 300)
    max_line_bytes: int = 1 << 20  # one line of a text file
    max_lines: int = 20_000_000  # vectors in one text file (GloVe 840B has 2.2 million)
    max_rows: int = 10_000_000  # rows of the matrix (the Embedding's input_dim)


LIMITS = VectorLimits()


@dataclass
class Target:
    """The Embedding the vectors go into: its node id and its matrix shape (input_dim, output_dim)."""

    node: str
    input_dim: int
    output_dim: int

    def dim_problem(self, dim: int) -> str | None:
        if dim == self.output_dim:
            return None
        return (f"the vectors have {dim} dimensions but '{self.node}' has output_dim {self.output_dim}: "
                f"set output_dim to {dim}")


@dataclass
class Vectors:
    """A matrix for the Embedding, and how much of the vocabulary the file covered."""

    matrix: np.ndarray  # float32 (input_dim, output_dim)
    format: str  # "glove" | "npy"
    found: int | None = None  # vocabulary words that got a vector (GloVe)
    missed: int | None = None  # vocabulary words left at zeros (GloVe)
    missed_sample: list[str] = field(default_factory=list)  # the first few of them
    vectors_read: int | None = None  # lines with a vector in the file (GloVe)


def kind_of(path: Path, filename: str) -> str:
    """"npy" for a NumPy array file (by its magic bytes), else "glove"."""
    with open(path, "rb") as f:
        head = f.read(len(NPY_MAGIC))
    if head == NPY_MAGIC:
        return "npy"
    if filename.lower().endswith(".npy"):
        raise FormatError(f"{filename} is named .npy but is not a NumPy array file (np.save writes one).")
    return "glove"


# -- .npy -------------------------------------------------------------------------------------


def read_npy(path: Path, filename: str, target: Target, limits: VectorLimits = LIMITS) -> Vectors:
    """The matrix of a `.npy` file whose header says (input_dim, output_dim) of numbers."""
    with open(path, "rb") as f:
        try:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(f)
            elif version in ((2, 0), (3, 0)):
                shape, _, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                raise FormatError(f"{filename}: NumPy file format version {version} is not supported.")
        except ValueError as err:
            raise FormatError(f"{filename} is not a readable .npy file ({err}).") from None
        if dtype.hasobject or dtype.kind not in "fiu":
            raise FormatError(f"{filename} holds {dtype} values; word vectors must be numbers (float32), and "
                              "object arrays are never unpickled: save the matrix with np.save(arr.astype('float32')).")
        if len(shape) != 2:
            raise FormatError(f"{filename} has shape {tuple(shape)}; word vectors are a 2-D matrix "
                              f"(input_dim, output_dim) = ({target.input_dim}, {target.output_dim}) for '{target.node}'.")
        rows, dim = int(shape[0]), int(shape[1])
        if dim > limits.max_dim or rows > limits.max_rows:
            raise TooLarge(f"{filename} declares shape ({rows}, {dim}); netcanvas reads at most "
                           f"{limits.max_rows} rows of {limits.max_dim} dimensions.")
        problem = target.dim_problem(dim)
        if problem:
            raise DataError(f"{filename}: {problem}.", 422)
        if rows != target.input_dim:
            raise DataError(f"{filename}: the matrix has {rows} rows but '{target.node}' has input_dim "
                            f"{target.input_dim}: set input_dim to {rows}.", 422)
        body = path.stat().st_size - f.tell()
        if body < rows * dim * dtype.itemsize:
            raise FormatError(f"{filename} is truncated: its header says ({rows}, {dim}) {dtype} values.")
    try:
        array = np.load(path, allow_pickle=False)
    except ValueError as err:
        raise FormatError(f"{filename} could not be read as a NumPy array ({err}).") from None
    matrix = np.ascontiguousarray(array, dtype=np.float32)
    _check_finite(matrix, filename)
    return Vectors(matrix=matrix, format="npy")


def _check_finite(matrix: np.ndarray, filename: str) -> None:
    bad = ~np.isfinite(matrix)
    if bad.any():
        row = int(np.argwhere(bad)[0][0])
        raise FormatError(f"{filename}: row {row} has a NaN or infinite value; word vectors must be finite numbers.")


# -- GloVe text -------------------------------------------------------------------------------


def word_index(tokens: list[str], special: set[int]) -> dict[str, int]:
    """Token → id for the words a file may give vectors to (padding and out-of-vocabulary excluded)."""
    return {t: i for i, t in enumerate(tokens) if i not in special and t}


def read_glove(stream: BinaryIO, filename: str, index: Mapping[str, int], target: Target,
               limits: VectorLimits = LIMITS, sample: int = 20) -> Vectors:
    """Rows of `index`'s words from a GloVe text file; the rest of the matrix is zeros."""
    if any(i >= target.input_dim or i < 0 for i in index.values()):
        need = max(index.values()) + 1
        raise DataError(f"the data set's vocabulary has {need} tokens but '{target.node}' has input_dim "
                        f"{target.input_dim}: set input_dim to {need}.", 422)
    matrix = np.zeros((target.input_dim, target.output_dim), dtype=np.float32)
    filled = np.zeros(target.input_dim, dtype=bool)
    dim: int | None = None
    read = 0
    line_no = 0
    while True:
        raw = stream.readline(limits.max_line_bytes + 1)
        if not raw:
            break
        line_no += 1
        if len(raw) > limits.max_line_bytes:
            raise TooLarge(f"{filename}: line {line_no} is longer than {limits.max_line_bytes} bytes; a GloVe "
                           "file has one word and its vector per line.")
        text = raw.decode("utf-8", errors="replace").rstrip("\r\n").rstrip(" ")
        if not text:
            continue
        if dim is None:
            dim, header = _first_line(text, filename, limits)
            problem = target.dim_problem(dim)
            if problem:
                raise DataError(f"{filename}: {problem}.", 422)
            if header:
                continue
        parts = text.rsplit(" ", dim)  # a word may hold spaces (GloVe 840B): the vector is the last `dim`
        if len(parts) != dim + 1 or not parts[0]:
            raise FormatError(f"{filename}: line {line_no} has {len(text.split(' ')) - 1} values after its word, "
                              f"the first vector had {dim}; a GloVe file has 'word v1 … v{dim}' per line.")
        read += 1
        if read > limits.max_lines:
            raise TooLarge(f"{filename}: more than {limits.max_lines} vectors.")
        row = index.get(parts[0])
        if row is None:
            continue
        try:
            vector = np.array(parts[1:], dtype=np.float32)
        except ValueError:
            raise FormatError(f"{filename}: line {line_no} ('{parts[0][:50]}') has a value that is not a "
                              "number.") from None
        if not np.isfinite(vector).all():
            raise FormatError(f"{filename}: line {line_no} ('{parts[0][:50]}') has a NaN or infinite value.")
        matrix[row] = vector
        filled[row] = True
    if dim is None or read == 0:
        raise FormatError(f"{filename} has no vectors; a GloVe file has 'word v1 v2 … vd' per line.")
    missed = [w for w, i in sorted(index.items(), key=lambda kv: kv[1]) if not filled[i]]
    return Vectors(matrix=matrix, format="glove", found=int(filled.sum()), missed=len(missed),
                   missed_sample=missed[:sample], vectors_read=read)


def _first_line(text: str, filename: str, limits: VectorLimits) -> tuple[int, bool]:
    """The vector size from the first line; True when it is a "count dim" header (fastText .vec)."""
    parts = text.split(" ")
    if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
        dim, header = int(parts[1]), True
    else:
        dim, header = len(parts) - 1, False
    if dim < 1:
        raise FormatError(f"{filename}: the first line has no vector; a GloVe file has 'word v1 v2 … vd' per line.")
    if dim > limits.max_dim:
        raise TooLarge(f"{filename}: vectors of {dim} dimensions; netcanvas reads at most {limits.max_dim}.")
    return dim, header
