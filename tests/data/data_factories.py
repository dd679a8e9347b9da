"""Factories of small files in the formats users upload (test helpers)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np


def png_bytes(array: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


def make_image_zip(path: Path, per_class: int = 6, size: int = 12, classes=("cats", "dogs"), top: str = "",
                   extra: dict[str, bytes] | None = None, seed: int = 0) -> dict[str, list[np.ndarray]]:
    """A ZIP with one folder per class of RGB PNGs; class k is bright in channel k (learnable)."""
    rng = np.random.default_rng(seed)
    made: dict[str, list[np.ndarray]] = {c: [] for c in classes}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for k, c in enumerate(classes):
            for i in range(per_class):
                img = rng.integers(0, 60, size=(size, size, 3), dtype=np.uint8)
                img[..., k % 3] += 180
                made[c].append(img)
                zf.writestr(f"{top}{c}/img_{i:03d}.png", png_bytes(img))
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return made
