"""A list of names as an HDF5 attribute, chunked the way Keras's legacy .h5 format does it.

An HDF5 object header holds at most 64 KB of attributes, so a model with thousands of layers
cannot list them in one `layer_names` attribute. Keras (legacy_h5_format.save_attributes_to_hdf5_group)
then writes `layer_names0`, `layer_names1`, … and its loader joins them; so do these two functions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# A variable-length string costs 16 bytes of header each; 3,000 of them stay well under 64 KB.
CHUNK = 3000


def write_names(attrs: Any, name: str, names: list[str]) -> None:
    """`attrs[name]` = the names, or `name0`, `name1`, … when they are too many for one header."""

    def strings(xs: list[str]) -> np.ndarray:
        return np.array([x.encode("utf8") for x in xs], dtype=object if xs else "S1")

    if len(names) <= CHUNK:
        attrs[name] = strings(names)
        return
    for i in range(0, len(names), CHUNK):
        attrs[f"{name}{i // CHUNK}"] = strings(names[i:i + CHUNK])


def read_names(attrs: Any, name: str) -> list[str] | None:
    """The names written by write_names (or by Keras); None when neither form is there."""

    def text(v: Any) -> str:
        return v.decode("utf-8") if isinstance(v, bytes) else str(v)

    if name in attrs:
        return [text(x) for x in attrs[name]]
    if f"{name}0" not in attrs:
        return None
    out: list[str] = []
    i = 0
    while f"{name}{i}" in attrs:
        out += [text(x) for x in attrs[f"{name}{i}"]]
        i += 1
    return out
