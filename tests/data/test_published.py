"""MNIST / Fashion-MNIST / CIFAR-10 from their published files, found in the data directory,
and the download path with checksum verification (file:// URLs and a patched fetch: no network)."""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

import numpy as np
import pytest

from netcanvas.config import Settings
from netcanvas.data import cifar, download, published
from netcanvas.data.errors import ChecksumMismatch
from netcanvas.data.idx import write_idx
from netcanvas.data.published import IDX_FILES, PUBLISHED, Remote
from netcanvas.data.registry import DatasetNotFound, DatasetRegistry


def write_mnist(folder: Path, n_train: int = 20, n_test: int = 8, gz: bool = True, seed: int = 0):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {
        "train_x": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train_y": rng.integers(0, 10, n_train).astype(np.uint8),
        "test_x": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "test_y": rng.integers(0, 10, n_test).astype(np.uint8),
    }
    for role, name in IDX_FILES.items():
        write_idx(folder / (name if gz else name.removesuffix(".gz")), arrays[role])
    return arrays


def write_cifar(folder: Path, per_batch: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    xs, ys = [], []
    for f in cifar.TRAIN_FILES + cifar.TEST_FILES:
        x = rng.integers(0, 256, (per_batch, 3, 32, 32), dtype=np.uint8)
        y = rng.integers(0, 10, per_batch)
        cifar.write_batch(folder / f, x, y)
        xs.append(x)
        ys.append(y)
    return np.concatenate(xs[:5]), np.concatenate(ys[:5]), xs[5], ys[5]


@pytest.mark.parametrize("dataset_id", ["mnist", "fashion_mnist"])
@pytest.mark.parametrize("gz", [True, False])
def test_idx_sets_read_back_identically(settings: Settings, datasets: DatasetRegistry, dataset_id: str, gz: bool) -> None:
    assert dataset_id not in [d.id for d in datasets.infos()]
    arrays = write_mnist(published.folder(settings, dataset_id), gz=gz)
    info = datasets.info(dataset_id)
    assert info.input_shape == [1, 28, 28] and info.sizes.train == 20 and info.sizes.test == 8
    assert info.source == "file" and info.target.num_classes == 10
    ds = datasets.load(dataset_id)
    assert ds.train.x.shape == (20, 1, 28, 28) and ds.train.x.dtype == np.float32
    np.testing.assert_array_equal(np.round(ds.train.x[:, 0] * 255).astype(np.uint8), arrays["train_x"])
    np.testing.assert_array_equal(ds.train.y, arrays["train_y"])
    np.testing.assert_array_equal(np.round(ds.test.x[:, 0] * 255).astype(np.uint8), arrays["test_x"])
    np.testing.assert_array_equal(ds.test.y, arrays["test_y"])
    assert 0.0 <= ds.train.x.min() and ds.train.x.max() <= 1.0
    assert dataset_id in [d.id for d in datasets.infos()]


def test_fashion_class_names(settings: Settings, datasets: DatasetRegistry) -> None:
    write_mnist(published.folder(settings, "fashion_mnist"))
    assert datasets.info("fashion_mnist").target.class_names[9] == "Ankle boot"


def test_cifar_binary_reads_back_identically(settings: Settings, datasets: DatasetRegistry) -> None:
    xtr, ytr, xte, yte = write_cifar(published.folder(settings, "cifar10") / "cifar-10-batches-bin")
    info = datasets.info("cifar10")
    assert info.input_shape == [3, 32, 32] and info.sizes.train == 15 and info.sizes.test == 3
    ds = datasets.load("cifar10")
    np.testing.assert_array_equal(np.round(ds.train.x * 255).astype(np.uint8), xtr)
    np.testing.assert_array_equal(ds.train.y, ytr)
    np.testing.assert_array_equal(np.round(ds.test.x * 255).astype(np.uint8), xte)
    np.testing.assert_array_equal(ds.test.y, yte)
    assert ds.info.target.class_names[0] == "airplane"


def test_missing_or_partial_files_are_not_listed(settings: Settings, datasets: DatasetRegistry) -> None:
    folder = published.folder(settings, "mnist")
    write_mnist(folder)
    (folder / IDX_FILES["test_y"]).unlink()
    assert "mnist" not in [d.id for d in datasets.infos()]
    with pytest.raises(DatasetNotFound, match="mnist"):
        datasets.load("mnist")


def test_mismatched_idx_pair_is_refused(settings: Settings, datasets: DatasetRegistry) -> None:
    folder = published.folder(settings, "mnist")
    write_mnist(folder)
    write_idx(folder / IDX_FILES["train_y"], np.zeros(3, np.uint8))
    with pytest.raises(Exception, match="train-labels-idx1-ubyte.gz"):
        datasets.load("mnist")


# ---------------------------------------------------------------- downloads


def _serve(tmp_path: Path, files: dict[str, bytes]) -> str:
    src = tmp_path / "mirror"
    src.mkdir()
    for name, data in files.items():
        (src / name).write_bytes(data)
    return src.as_uri() + "/"


def test_download_verifies_and_reads(settings: Settings, datasets: DatasetRegistry, tmp_path: Path, monkeypatch) -> None:
    made = tmp_path / "made"
    arrays = write_mnist(made)
    files = {n: (made / n).read_bytes() for n in IDX_FILES.values()}
    base = _serve(tmp_path, files)
    remotes = [Remote(n, base + n, hashlib.md5(d).hexdigest(), hashlib.sha256(d).hexdigest()) for n, d in files.items()]
    monkeypatch.setitem(PUBLISHED, "mnist", PUBLISHED["mnist"].__class__(
        **{**PUBLISHED["mnist"].__dict__, "files": remotes}))
    published.download(settings, "mnist")
    ds = datasets.load("mnist")
    np.testing.assert_array_equal(ds.test.y, arrays["test_y"])


def test_download_refuses_a_checksum_mismatch(settings: Settings, tmp_path: Path, monkeypatch) -> None:
    name = IDX_FILES["train_x"]
    base = _serve(tmp_path, {name: b"tampered"})
    monkeypatch.setitem(PUBLISHED, "mnist", PUBLISHED["mnist"].__class__(
        **{**PUBLISHED["mnist"].__dict__, "files": [Remote(name, base + name, "0" * 32)]}))
    with pytest.raises(ChecksumMismatch, match=f"{name}: md5 .* does not match the published 0000"):
        published.download(settings, "mnist")
    folder = published.folder(settings, "mnist")
    assert not (folder / name).exists() and not list(folder.glob("*.part"))


def test_fetch_through_a_patched_opener(tmp_path: Path, monkeypatch) -> None:
    payload = b"x" * 3_000_000
    monkeypatch.setattr(download, "open_url", lambda url: io.BytesIO(payload))
    out = download.fetch("https://example.invalid/f", tmp_path / "f", sha256=hashlib.sha256(payload).hexdigest())
    assert out.read_bytes() == payload
    with pytest.raises(ChecksumMismatch, match="sha256"):
        download.fetch("https://example.invalid/g", tmp_path / "g", sha256="ab" * 32)
    assert not (tmp_path / "g").exists()


def test_unreachable_url_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(download.DataError, match="Could not download"):
        download.fetch((tmp_path / "nope").as_uri(), tmp_path / "f", md5="0" * 32)


def test_cifar_download_extracts_the_archive(settings: Settings, datasets: DatasetRegistry, tmp_path: Path, monkeypatch) -> None:
    xtr, ytr, _, _ = write_cifar(tmp_path / "made" / "cifar-10-batches-bin")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(tmp_path / "made" / "cifar-10-batches-bin", arcname="cifar-10-batches-bin")
    data = buf.getvalue()
    base = _serve(tmp_path, {published.CIFAR_ARCHIVE: data})
    remote = Remote(published.CIFAR_ARCHIVE, base + published.CIFAR_ARCHIVE, hashlib.md5(data).hexdigest())
    monkeypatch.setitem(PUBLISHED, "cifar10", PUBLISHED["cifar10"].__class__(
        **{**PUBLISHED["cifar10"].__dict__, "files": [remote]}))
    published.download(settings, "cifar10")
    ds = datasets.load("cifar10")
    np.testing.assert_array_equal(ds.train.y, ytr)
    np.testing.assert_array_equal(np.round(ds.train.x * 255).astype(np.uint8), xtr)


def test_prepared_arrays_are_memory_mapped_and_follow_the_files(settings: Settings, datasets: DatasetRegistry) -> None:
    folder = published.folder(settings, "mnist")
    write_mnist(folder, seed=1)
    ds = datasets.load("mnist")
    assert isinstance(ds.train.x, np.memmap) and (folder / "prepared" / "x_train.npy").is_file()
    arrays = write_mnist(folder, n_train=5, seed=2)  # the user replaces the files
    datasets.forget("mnist")
    ds = datasets.load("mnist")
    assert len(ds.train) == 5
    np.testing.assert_array_equal(np.asarray(ds.train.y), arrays["train_y"])
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []


def test_keras_mnist_npz_is_read_too(settings: Settings, datasets: DatasetRegistry) -> None:
    folder = published.folder(settings, "mnist")
    folder.mkdir(parents=True)
    rng = np.random.default_rng(3)
    x_train = rng.integers(0, 256, (9, 28, 28), dtype=np.uint8)
    y_train = rng.integers(0, 10, 9).astype(np.uint8)
    np.savez_compressed(folder / "mnist.npz", x_train=x_train, y_train=y_train,
                        x_test=x_train[:2], y_test=y_train[:2])
    assert datasets.info("mnist").sizes.train == 9
    ds = datasets.load("mnist")
    np.testing.assert_array_equal(np.round(np.asarray(ds.train.x[:, 0]) * 255).astype(np.uint8), x_train)
    np.testing.assert_array_equal(np.asarray(ds.test.y), y_train[:2])
