"""A ZIP of image folders (one folder per class, as Keras's image_dataset_from_directory reads).

Every entry is checked before it is decoded (zipsafe), every image is verified by Pillow, resized
to `image_size` (bilinear, as Keras) in `color_mode`, and written to a memory-mapped array.
"""

from __future__ import annotations

import io
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
from numpy.lib.format import open_memmap

from .base import DatasetInfo, Sizes, TargetInfo
from .build import fit_scaler_chunked, write_split_files
from .errors import DataError, FormatError, TooLarge
from .limits import LIMITS, Limits
from .options import UploadOptions
from .preprocess import split_indices
from .zipsafe import BudgetReader, check_name, open_checked

_IGNORED = {"__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini"}


def _ignored(path: PurePosixPath) -> bool:
    return any(part in _IGNORED or part.startswith(".") for part in path.parts)


def decode_image(data: bytes, entry: str, size: tuple[int, int], color_mode: str, limits: Limits) -> np.ndarray:
    """(C, H, W) float32 in 0..1; FormatError naming `entry` when it is not a whole image."""
    from PIL import Image, UnidentifiedImageError

    try:
        # our pixel limit is checked from the header before decoding (no global warning filters:
        # they are not thread-safe, and uploads are prepared in a thread pool)
        with Image.open(io.BytesIO(data)) as probe:
            w, h = probe.size
            if w * h > limits.image_max_pixels:
                raise TooLarge(f"{entry}: {w}×{h} pixels, more than the {limits.image_max_pixels} allowed.")
            probe.verify()
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            img = opened.convert("L" if color_mode == "grayscale" else "RGB")
            if img.size != (size[1], size[0]):
                img = img.resize((size[1], size[0]), Image.Resampling.BILINEAR)
            arr = np.asarray(img, dtype=np.float32) / 255.0
    except DataError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise FormatError(f"{entry}: not an image Pillow can read ({exc.__class__.__name__}).") from exc
    except (OSError, SyntaxError, ValueError) as exc:  # truncated or corrupt data
        raise FormatError(f"{entry}: a damaged image ({exc}).") from exc
    return arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)


def build_images(src: Path, out: Path, name: str, opts: UploadOptions, limits: Limits = LIMITS) -> dict[str, Any]:
    zf = open_checked(src, name, limits)
    with zf:
        files = [(check_name(i.filename, name), i) for i in zf.infolist() if not i.is_dir()]
        files = [(p, i) for p, i in files if not _ignored(p)]
        if not files:
            raise DataError(f"{name}: the ZIP holds no files.", 422)
        # one top folder around the class folders (zip of a folder) is dropped
        tops = {p.parts[0] for p, _ in files}
        if len(tops) == 1 and all(len(p.parts) >= 3 for p, _ in files):
            files = [(PurePosixPath(*p.parts[1:]), i) for p, i in files]
        loose = [str(p) for p, _ in files if len(p.parts) < 2]
        if loose:
            raise DataError(
                f"{name}: '{loose[0]}' is not inside a class folder; put each class's images in a folder "
                "named after the class.", 422)
        class_names = sorted({p.parts[0] for p, _ in files})
        if len(class_names) < 2:
            raise DataError(f"{name}: only one class folder ('{class_names[0]}'); at least two are needed.", 422)
        files.sort(key=lambda f: str(f[0]))
        index = {c: k for k, c in enumerate(class_names)}
        h, w = opts.image_size
        c = 1 if opts.color_mode == "grayscale" else 3
        n = len(files)
        x_all = open_memmap(out / "_x_all.npy", mode="w+", dtype=np.float32, shape=(n, c, h, w))
        y_all = np.array([index[p.parts[0]] for p, _ in files], dtype=np.int64)
        reader = BudgetReader(zf, name, limits)
        for k, (path, member) in enumerate(files):
            x_all[k] = decode_image(reader.read(member), f"{name}: {path}", (h, w), opts.color_mode, limits)
        x_all.flush()

    idx = split_indices(n, opts.validation_split, opts.test_split, opts.seed, y_all)
    method = "none" if opts.scaling == "auto" else opts.scaling
    scaler = fit_scaler_chunked(method, x_all, idx["train"], channel_axis=1)
    sizes = write_split_files(out, x_all, y_all, idx, None if method == "none" else (lambda b: scaler.apply(b)))
    del x_all
    (out / "_x_all.npy").unlink()
    counts = np.bincount(y_all, minlength=len(class_names))
    info = DatasetInfo(
        id="", name=opts.name or Path(name).stem, kind="image", input_shape=[c, h, w],
        target=TargetInfo(kind="classes", num_classes=len(class_names), class_names=class_names),
        sizes=Sizes(**sizes), suggested_loss="", source="upload",
        description=f"{n} images in {len(class_names)} classes from {name}, resized to {h}×{w} {opts.color_mode}.",
    )
    return {
        "info": info,
        "preprocessing": {
            "image_size": [h, w], "color_mode": opts.color_mode, "scaler": scaler.model_dump(),
            "files_per_class": dict(zip(class_names, counts.tolist())),
        },
    }
