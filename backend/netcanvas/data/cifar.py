"""CIFAR-10's binary version (cifar-10-binary.tar.gz): fixed-size records, no pickle.

Each record is 1 label byte then 3072 pixel bytes: 1024 red, 1024 green, 1024 blue, each a 32×32
image row by row — already the (3, 32, 32) layout netcanvas uses.
"""

from __future__ import annotations

import tarfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from .errors import FormatError

RECORD = 1 + 3 * 32 * 32
TRAIN_FILES = [f"data_batch_{i}.bin" for i in range(1, 6)]
TEST_FILES = ["test_batch.bin"]
META_FILE = "batches.meta.txt"
CLASS_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
NUM_CLASSES = 10


def parse_records(raw: bytes, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 (N, 3, 32, 32), labels int64 (N,)) from the bytes of one batch file."""
    if len(raw) == 0 or len(raw) % RECORD:
        raise FormatError(
            f"{name}: {len(raw)} bytes is not a whole number of CIFAR-10 records of {RECORD} bytes."
        )
    rec = np.frombuffer(raw, dtype=np.uint8).reshape(-1, RECORD)
    labels = rec[:, 0].astype(np.int64)
    if labels.max() >= NUM_CLASSES:
        bad = int(np.argmax(labels >= NUM_CLASSES))
        raise FormatError(f"{name}: record {bad} has label {labels[bad]} (0 to 9 expected).")
    return rec[:, 1:].reshape(-1, 3, 32, 32).copy(), labels


def read_batches(files: Iterable[Path]) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for path in files:
        x, y = parse_records(Path(path).read_bytes(), Path(path).name)
        xs.append(x)
        ys.append(y)
    return np.concatenate(xs), np.concatenate(ys)


def read_class_names(path: Path) -> list[str]:
    if not path.exists():
        return list(CLASS_NAMES)
    names = [line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()]
    return names if len(names) == NUM_CLASSES else list(CLASS_NAMES)


def write_batch(path: str | Path, images: np.ndarray, labels: np.ndarray) -> None:
    """Write images (N, 3, 32, 32) uint8 and labels as one CIFAR-10 binary batch file."""
    images = np.asarray(images, dtype=np.uint8).reshape(len(images), -1)
    if images.shape[1] != RECORD - 1:
        raise ValueError("CIFAR-10 images are (3, 32, 32).")
    rec = np.concatenate([np.asarray(labels, dtype=np.uint8)[:, None], images], axis=1)
    Path(path).write_bytes(rec.tobytes())


def extract_archive(archive: Path, dest: Path) -> None:
    """Extract only the known batch files of cifar-10-binary.tar.gz into `dest` (flat).

    Other members are skipped; nothing is written outside `dest`, links are refused.
    """
    wanted = set(TRAIN_FILES + TEST_FILES + [META_FILE])
    dest.mkdir(parents=True, exist_ok=True)
    found: set[str] = set()
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                base = member.name.rsplit("/", 1)[-1]
                if base not in wanted or ".." in member.name.split("/"):
                    continue
                if not member.isfile():
                    raise FormatError(f"{archive.name}: member {member.name} is not a regular file.")
                if member.size > 40 * 1024 * 1024:
                    raise FormatError(f"{archive.name}: member {member.name} is implausibly large.")
                src = tar.extractfile(member)
                assert src is not None
                tmp = dest / (base + ".part")
                tmp.write_bytes(src.read())
                tmp.replace(dest / base)
                found.add(base)
    except tarfile.TarError as exc:
        raise FormatError(f"{archive.name}: not a readable tar archive ({exc}).") from exc
    missing = sorted(set(TRAIN_FILES + TEST_FILES) - found)
    if missing:
        raise FormatError(f"{archive.name}: archive lacks {', '.join(missing)}.")
