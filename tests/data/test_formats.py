"""IDX (MNIST, Fashion-MNIST) and CIFAR-10 binary: files written here read back identically."""

from __future__ import annotations

import gzip
import tarfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netcanvas.data import cifar
from netcanvas.data.errors import FormatError
from netcanvas.data.idx import read_idx, write_idx


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("name", ["a-idx3-ubyte", "a-idx3-ubyte.gz"])
def test_idx_round_trip(tmp_path: Path, dtype, name: str) -> None:
    a = (np.arange(2 * 3 * 4) - 5).astype(dtype).reshape(2, 3, 4)
    write_idx(tmp_path / name, a)
    b = read_idx(tmp_path / name)
    assert b.dtype == a.dtype and b.shape == a.shape
    np.testing.assert_array_equal(a, b)


def test_idx_header_is_the_published_one(tmp_path: Path) -> None:
    write_idx(tmp_path / "l.gz", np.array([7, 2, 1], dtype=np.uint8))
    raw = gzip.decompress((tmp_path / "l.gz").read_bytes())
    assert raw == bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1])  # magic 2049, count 3, labels


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\x01\x00\x08\x01\x00\x00\x00\x01\x05", "magic"),
        (b"\x00\x00\x07\x01\x00\x00\x00\x01\x05", "type code"),
        (b"\x00\x00\x08\x03\x00\x00\x00\x02", "truncated IDX header"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x05\x01\x02", "truncated"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x01\x05\x06", "bytes after"),
    ],
)
def test_idx_refuses_damaged_files(tmp_path: Path, raw: bytes, message: str) -> None:
    path = tmp_path / "bad-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(raw))
    with pytest.raises(FormatError, match=message) as exc:
        read_idx(path)
    assert "bad-idx1-ubyte.gz" in str(exc.value)


def test_idx_refuses_a_broken_gzip(tmp_path: Path) -> None:
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x01\x05")[:-6])
    with pytest.raises(FormatError, match="x.gz"):
        read_idx(path)


def test_cifar_batch_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    x = rng.integers(0, 256, size=(7, 3, 32, 32), dtype=np.uint8)
    y = rng.integers(0, 10, size=7)
    cifar.write_batch(tmp_path / "data_batch_1.bin", x, y)
    raw = (tmp_path / "data_batch_1.bin").read_bytes()
    assert len(raw) == 7 * 3073 and raw[0] == y[0] and raw[1:1025] == x[0, 0].tobytes()  # label, then red plane
    xb, yb = cifar.read_batches([tmp_path / "data_batch_1.bin"])
    np.testing.assert_array_equal(xb, x)
    np.testing.assert_array_equal(yb, y)


def test_cifar_refuses_partial_records_and_bad_labels(tmp_path: Path) -> None:
    (tmp_path / "b.bin").write_bytes(b"\x00" * 3000)
    with pytest.raises(FormatError, match="b.bin: 3000 bytes"):
        cifar.read_batches([tmp_path / "b.bin"])
    (tmp_path / "c.bin").write_bytes(b"\x0c" + b"\x00" * 3072)
    with pytest.raises(FormatError, match="label 12"):
        cifar.read_batches([tmp_path / "c.bin"])


def test_cifar_archive_extracts_only_known_members(tmp_path: Path) -> None:
    src = tmp_path / "src" / "cifar-10-batches-bin"
    src.mkdir(parents=True)
    for f in cifar.TRAIN_FILES + cifar.TEST_FILES:
        cifar.write_batch(src / f, np.zeros((1, 3, 32, 32), np.uint8), [3])
    (src / "readme.html").write_text("hi")
    archive = tmp_path / "cifar-10-binary.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(src, arcname="cifar-10-batches-bin")
    dest = tmp_path / "out"
    cifar.extract_archive(archive, dest)
    assert sorted(p.name for p in dest.iterdir()) == sorted(cifar.TRAIN_FILES + cifar.TEST_FILES)


@given(st.lists(st.integers(0, 5), min_size=1, max_size=4), st.sampled_from(["u1", "i2", "i4", "f4", "f8"]),
       st.booleans())
@settings(max_examples=40, deadline=None)
def test_idx_round_trip_any_shape(tmp_path_factory, shape: list[int], dtype: str, gz: bool) -> None:
    path = tmp_path_factory.mktemp("idx") / ("a.gz" if gz else "a")
    a = (np.arange(int(np.prod(shape))) % 97).astype(dtype).reshape(shape)
    write_idx(path, a)
    b = read_idx(path)
    assert b.shape == a.shape and b.dtype == a.dtype and np.array_equal(a, b)


def test_cifar_archive_ignores_members_that_climb_out(tmp_path: Path) -> None:
    import io

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name in cifar.TRAIN_FILES + cifar.TEST_FILES:
            data = bytes(3073)
            info = tarfile.TarInfo(f"cifar-10-batches-bin/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        evil = tarfile.TarInfo("../../data_batch_1.bin")
        evil.size = 5
        tar.addfile(evil, io.BytesIO(b"evil!"))
    (tmp_path / "a.tar.gz").write_bytes(buf.getvalue())
    cifar.extract_archive(tmp_path / "a.tar.gz", tmp_path / "out" / "deep")
    assert (tmp_path / "out" / "deep" / "data_batch_1.bin").stat().st_size == 3073
    assert not (tmp_path / "data_batch_1.bin").exists() and not (tmp_path / "out" / "data_batch_1.bin").exists()
