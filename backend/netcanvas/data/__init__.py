"""Data sets: the registry (built-in, synthetic, file formats, uploads) and preprocessing."""
