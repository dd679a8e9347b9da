"""Safety limits for uploaded data (one place; tests shrink them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Limits:
    zip_max_files: int = 100_000  # entries in an uploaded ZIP (NPZ included)
    zip_max_uncompressed: int = 4 << 30  # declared and actual bytes once inflated, all entries
    zip_max_ratio: float = 200.0  # inflated / compressed for any entry over zip_ratio_floor
    zip_ratio_floor: int = 1 << 20  # entries smaller than this may compress better (blank images)
    image_max_pixels: int = 40_000_000  # one image, before resizing (Pillow's bomb guard is 89M)
    image_max_side: int = 1024  # image_size option
    csv_max_columns: int = 5_000
    csv_max_categories: int = 1_000  # distinct values of a categorical column to one-hot encode
    csv_max_field: int = 1 << 20  # bytes in one CSV field
    text_max_length: int = 10_000  # max_length option
    text_max_vocab: int = 1_000_000  # vocab_size option
    max_rows: int = 50_000_000
    preview_rows: int = 20  # raw CSV rows kept in meta.json for the preview


LIMITS = Limits()
