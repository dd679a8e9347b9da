"""MNIST, Fashion-MNIST (IDX, gzipped) and CIFAR-10 (binary version) from their published files.

Files are looked up in `{data_dir}/datasets/{id}/` (NETCANVAS_DATA_DIR); a set is listed once its
files are there. `download(id)` fetches them from the published URLs and verifies the published
checksums first. Images come out as float32 0..1 in (1, 28, 28) / (3, 32, 32).
"""

from __future__ import annotations

import gzip
import json
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import cifar
from .assemble import assemble, load_arrays, save_arrays, with_options
from .base import Dataset, DatasetInfo, Provider, Sizes, TargetInfo
from .download import fetch
from .errors import DataError, FormatError
from .idx import read_idx
from .preprocess import LoadOptions

if TYPE_CHECKING:
    from ..config import Settings


@dataclass(frozen=True)
class Remote:
    name: str  # file name as published
    url: str
    md5: str
    sha256: str | None = None


@dataclass(frozen=True)
class Published:
    id: str
    name: str
    format: str  # "idx" | "cifar10-bin"
    description: str
    class_names: list[str]
    files: list[Remote] = field(default_factory=list)


_MNIST_BASE = "https://ossci-datasets.s3.amazonaws.com/mnist/"
_FASHION_BASE = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
IDX_FILES = {  # role → published file name
    "train_x": "train-images-idx3-ubyte.gz",
    "train_y": "train-labels-idx1-ubyte.gz",
    "test_x": "t10k-images-idx3-ubyte.gz",
    "test_y": "t10k-labels-idx1-ubyte.gz",
}
CIFAR_ARCHIVE = "cifar-10-binary.tar.gz"

PUBLISHED: dict[str, Published] = {
    p.id: p
    for p in [
        Published(
            "mnist", "MNIST", "idx",
            "70,000 handwritten digits, 28×28 grayscale (LeCun, Cortes, Burges).",
            [str(i) for i in range(10)],
            [
                Remote(IDX_FILES["train_x"], _MNIST_BASE + IDX_FILES["train_x"], "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                Remote(IDX_FILES["train_y"], _MNIST_BASE + IDX_FILES["train_y"], "d53e105ee54ea40749a09fcbcd1e9432"),
                Remote(IDX_FILES["test_x"], _MNIST_BASE + IDX_FILES["test_x"], "9fb629c4189551a2d022fa330f9573f3"),
                Remote(IDX_FILES["test_y"], _MNIST_BASE + IDX_FILES["test_y"], "ec29112dd5afa0611ce80d1b7f02629c"),
            ],
        ),
        Published(
            "fashion_mnist", "Fashion-MNIST", "idx",
            "70,000 Zalando article images, 28×28 grayscale, 10 classes.",
            ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
             "Ankle boot"],
            [
                Remote(IDX_FILES["train_x"], _FASHION_BASE + IDX_FILES["train_x"], "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                Remote(IDX_FILES["train_y"], _FASHION_BASE + IDX_FILES["train_y"], "25c81989df183df01b3e8a0aad5dffbe"),
                Remote(IDX_FILES["test_x"], _FASHION_BASE + IDX_FILES["test_x"], "bef4ecab320f06d8554ea6380940ec79"),
                Remote(IDX_FILES["test_y"], _FASHION_BASE + IDX_FILES["test_y"], "bb300cfdad3c16e7a12a480ee83cd310"),
            ],
        ),
        Published(
            "cifar10", "CIFAR-10", "cifar10-bin",
            "60,000 32×32 colour images in 10 classes (Krizhevsky), binary version.",
            list(cifar.CLASS_NAMES),
            [
                Remote(
                    CIFAR_ARCHIVE, "https://www.cs.toronto.edu/~kriz/" + CIFAR_ARCHIVE,
                    "c32a1d4ab5d03f1284b67883e8d87530",
                    "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd",
                ),
            ],
        ),
    ]
}


def datasets_root(settings: Settings) -> Path:
    return Path(getattr(settings, "datasets_dir", None) or settings.data_dir / "datasets")


def folder(settings: Settings, dataset_id: str) -> Path:
    return datasets_root(settings) / dataset_id


# ---------------------------------------------------------------- locating files


def _idx_path(root: Path, published_name: str) -> Path | None:
    """The published .gz, or the same file uncompressed (as some mirrors and unzips leave it)."""
    for name in (published_name, published_name.removesuffix(".gz")):
        if (root / name).is_file():
            return root / name
    return None


def _cifar_dir(root: Path) -> Path | None:
    for d in (root, root / "cifar-10-batches-bin"):
        if all((d / f).is_file() for f in cifar.TRAIN_FILES + cifar.TEST_FILES):
            return d
    return None


KERAS_NPZ = "mnist.npz"  # keras.datasets.mnist's file (~/.keras/datasets/mnist.npz), no pickle inside


def _has_idx(root: Path) -> bool:
    return all(_idx_path(root, n) for n in IDX_FILES.values())


def _keras_npz(root: Path, spec: Published) -> Path | None:
    """MNIST also reads Keras's mnist.npz (x_train, y_train, x_test, y_test) when no IDX files are there."""
    path = root / KERAS_NPZ
    return path if spec.id == "mnist" and not _has_idx(root) and path.is_file() else None


def read_keras_npz(path: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    try:
        with np.load(path, allow_pickle=False) as f:
            raw = {k: f[k] for k in ("x_train", "y_train", "x_test", "y_test")}
    except (KeyError, ValueError, OSError) as exc:
        raise FormatError(f"{path.name}: not Keras's mnist.npz with x_train, y_train, x_test, y_test ({exc}).") from exc
    out = {}
    for split in ("train", "test"):
        x, y = raw[f"x_{split}"], raw[f"y_{split}"]
        if x.ndim != 3 or x.dtype != np.uint8 or y.ndim != 1 or len(x) != len(y):
            raise FormatError(f"{path.name}: x_{split} {x.dtype} {x.shape} / y_{split} {y.shape} are not MNIST's.")
        out[split] = ((x.astype(np.float32) / 255.0)[:, None], y.astype(np.int64))
    return out


def present(settings: Settings, dataset_id: str) -> bool:
    spec, root = PUBLISHED[dataset_id], folder(settings, dataset_id)
    if spec.format == "idx":
        return _has_idx(root) or _keras_npz(root, spec) is not None
    return _cifar_dir(root) is not None or (root / CIFAR_ARCHIVE).is_file()


def _idx_count(path: Path) -> int:
    with open(path, "rb") as probe:
        gz = probe.read(2) == b"\x1f\x8b"
    with (gzip.open(path, "rb") if gz else open(path, "rb")) as f:
        head = f.read(8)
    if len(head) < 8 or head[:2] != b"\0\0":
        raise FormatError(f"{path.name}: not an IDX file (bad magic number).")
    return int.from_bytes(head[4:8], "big")


# ---------------------------------------------------------------- options


def load_options(settings: Settings, dataset_id: str) -> LoadOptions:
    path = folder(settings, dataset_id) / "options.json"
    if path.is_file():
        return LoadOptions.model_validate_json(path.read_text())
    return LoadOptions()


def save_options(settings: Settings, dataset_id: str, options: LoadOptions) -> None:
    path = folder(settings, dataset_id) / "options.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(options.model_dump(), indent=2))
    tmp.replace(path)


# ---------------------------------------------------------------- reading


def _base_info(spec: Published, train: int, test: int) -> DatasetInfo:
    shape = [1, 28, 28] if spec.format == "idx" else [3, 32, 32]
    return DatasetInfo(
        id=spec.id, name=spec.name, kind="image", input_shape=list(shape),
        target=TargetInfo(kind="classes", num_classes=len(spec.class_names), class_names=spec.class_names),
        sizes=Sizes(train=train, test=test), suggested_loss="sparse_categorical_crossentropy",
        description=spec.description, source="file",
    )


def info(settings: Settings, dataset_id: str) -> DatasetInfo:
    spec, root = PUBLISHED[dataset_id], folder(settings, dataset_id)
    if (npz := _keras_npz(root, spec)) is not None:
        with np.load(npz, allow_pickle=False) as f:
            train, test = len(f["y_train"]), len(f["y_test"])
    elif spec.format == "idx":
        train = _idx_count(_idx_path(root, IDX_FILES["train_y"]))  # type: ignore[arg-type]
        test = _idx_count(_idx_path(root, IDX_FILES["test_y"]))  # type: ignore[arg-type]
    else:
        d = _cifar_dir(root)
        if d is None:  # only the archive so far: its sizes are the published ones
            train, test = 50000, 10000
        else:
            train = sum((d / f).stat().st_size for f in cifar.TRAIN_FILES) // cifar.RECORD
            test = sum((d / f).stat().st_size for f in cifar.TEST_FILES) // cifar.RECORD
    return with_options(_base_info(spec, train, test), load_options(settings, dataset_id))


def read_idx_pair(images: Path, labels: Path, num_classes: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """(x float32 (N, 1, H, W) in 0..1, y int64) from an IDX image file and its label file."""
    x, y = read_idx(images), read_idx(labels)
    if x.ndim != 3 or x.dtype != np.uint8:
        raise FormatError(f"{images.name}: expected uint8 images (N, rows, cols), got {x.dtype} {x.shape}.")
    if y.ndim != 1 or len(y) != len(x):
        raise FormatError(f"{labels.name}: {y.shape} labels for {len(x)} images in {images.name}.")
    if len(y) and (y.min() < 0 or y.max() >= num_classes):
        raise FormatError(f"{labels.name}: labels must be 0 to {num_classes - 1}, found {int(y.max())}.")
    return (x.astype(np.float32) / 255.0)[:, None], y.astype(np.int64)


def _source_files(root: Path, spec: Published) -> list[Path]:
    if (npz := _keras_npz(root, spec)) is not None:
        return [npz]
    if spec.format == "idx":
        return [p for p in (_idx_path(root, n) for n in IDX_FILES.values()) if p is not None]
    d = _cifar_dir(root)
    if d is None:
        return [root / CIFAR_ARCHIVE]
    return [d / f for f in cifar.TRAIN_FILES + cifar.TEST_FILES]


def _stamp(files: list[Path]) -> str:
    return json.dumps([[f.name, f.stat().st_size, f.stat().st_mtime_ns] for f in files])


def read_arrays(root: Path, spec: Published) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The published files decoded: float32 images in 0..1, int64 labels."""
    if (npz := _keras_npz(root, spec)) is not None:
        return read_keras_npz(npz)
    if spec.format == "idx":
        p = {role: _idx_path(root, name) for role, name in IDX_FILES.items()}
        train = read_idx_pair(p["train_x"], p["train_y"], len(spec.class_names))  # type: ignore[arg-type]
        test = read_idx_pair(p["test_x"], p["test_y"], len(spec.class_names))  # type: ignore[arg-type]
        return {"train": train, "test": test}
    d = _cifar_dir(root)
    if d is None:
        cifar.extract_archive(root / CIFAR_ARCHIVE, root)
        d = root
    xs, ys = cifar.read_batches(d / f for f in cifar.TRAIN_FILES)
    xt, yt = cifar.read_batches(d / f for f in cifar.TEST_FILES)
    return {"train": (xs.astype(np.float32) / 255.0, ys), "test": (xt.astype(np.float32) / 255.0, yt)}


def prepared(settings: Settings, dataset_id: str) -> Path:
    """`{folder}/prepared/`: the decoded arrays as .npy, made once (atomically) from the published
    files and remade when they change, so every process memory-maps them instead of decoding."""
    spec, root = PUBLISHED[dataset_id], folder(settings, dataset_id)
    out = root / "prepared"
    stamp = _stamp(_source_files(root, spec))
    if (out / "source.json").is_file() and (out / "source.json").read_text() == stamp:
        return out
    stage = root / f".prepared-{uuid.uuid4().hex}"
    stage.mkdir()
    try:
        for name, (x, y) in read_arrays(root, spec).items():
            save_arrays(stage, name, x, y)
        (stage / "source.json").write_text(_stamp(_source_files(root, spec)))
        old = root / f".old-{uuid.uuid4().hex}"
        if out.exists():
            out.rename(old)
        stage.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    except OSError:
        if not out.exists():
            raise
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return out


def load(settings: Settings, dataset_id: str) -> Dataset:
    spec, root = PUBLISHED[dataset_id], folder(settings, dataset_id)
    if not present(settings, dataset_id):
        raise DataError(f"The files of {spec.name} are not in {root}.", 404)
    arrays = load_arrays(prepared(settings, dataset_id))
    base = _base_info(spec, len(arrays["train"][0]), len(arrays["test"][0]))
    return assemble(base, arrays, load_options(settings, dataset_id))


def download(settings: Settings, dataset_id: str) -> Path:
    """Fetch the published files into the set's folder, verifying each checksum."""
    spec, root = PUBLISHED[dataset_id], folder(settings, dataset_id)
    for remote in spec.files:
        target = root / remote.name
        if spec.format == "idx" and _idx_path(root, remote.name):
            continue
        if spec.format == "cifar10-bin" and _cifar_dir(root):
            continue
        fetch(remote.url, target, md5=remote.md5, sha256=remote.sha256)
        if spec.format == "cifar10-bin":
            cifar.extract_archive(target, root)
    return root


class PublishedSource:
    def ids(self, settings: Settings) -> list[str]:
        return [i for i in PUBLISHED if present(settings, i)]

    def provider(self, settings: Settings, dataset_id: str) -> Provider | None:
        if dataset_id not in PUBLISHED or not present(settings, dataset_id):
            return None
        return Provider(lambda: info(settings, dataset_id), lambda: load(settings, dataset_id),
                        stamp=lambda: load_options(settings, dataset_id).model_dump_json())

