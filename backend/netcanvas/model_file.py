"""model.pt, netcanvas's trained-model file: its name, its format, and the only reader and writer.

The file is a dict written with `torch.save` that `torch.load(weights_only=True)` reads (strings,
numbers, lists, dicts, None and tensors only; nothing is unpickled), with the keys of `ModelData`:

    {"format": "netcanvas.model/1",
     "graph": Graph JSON (str), "settings": TrainSettings JSON (str) or None,
     "state_dict": {name: tensor} of the compiled module (CPU),
     "linear_outputs": [node ids compiled without their final activation (fused into the loss)],
     "outputs": [output node ids], "output_activations": [per output: "softmax" | "sigmoid" | None,
                 the activation predict() applies to the compiled module's output],
     "inputs": [{"id", "shape" (None = any length), "dtype"}],
     "class_names": [str] or None, "dataset": data set id or None}

training.bundle builds one from a trained module (`bundle_dict`) and loads it back as a module
(`load_bundle`); export.artifacts renders other formats from it; export.keras_import accepts it.
"""

from __future__ import annotations

import io
import os
import pickle
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:  # torch is imported where a file is read or written: naming the file stays cheap
    import torch

FILE_NAME = "model.pt"
FORMAT = "netcanvas.model/1"
REQUIRED = ("graph", "state_dict")


class InputEntry(TypedDict):
    id: str
    shape: list[int | None]  # batch axis excluded
    dtype: str  # "float32" | "int64"


class ModelData(TypedDict):
    format: str
    graph: str
    settings: str | None
    state_dict: dict[str, torch.Tensor]
    linear_outputs: list[str]
    outputs: list[str]
    output_activations: list[str | None]
    inputs: list[InputEntry]
    class_names: list[str] | None
    dataset: str | None


class ModelFileError(ValueError):
    """The file is not a readable netcanvas model; the message names it."""


def write(path: Path, data: Mapping[str, Any]) -> None:
    """Atomic: a reader sees the old file or the whole new one, never half of it."""
    import torch

    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        torch.save({**data, "format": FORMAT}, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def read(
    source: Path | bytes, *, name: str | None = None, map_location: str | torch.device = "cpu",
    mmap: bool = False,
) -> ModelData:
    """The contents of a model file (a path, or the bytes of an upload named `name`), read with
    weights_only=True; ModelFileError naming the file when it is anything else."""
    import torch

    if isinstance(source, bytes):
        name = name or FILE_NAME
        stream: Path | io.BytesIO = io.BytesIO(source)
        mmap = False  # only a file on disk can be mapped
    else:
        name = name or Path(source).name
        stream = Path(source)
    try:
        with warnings.catch_warnings():  # "Detected pickle protocol 4…": the refusal below says enough
            warnings.simplefilter("ignore", UserWarning)
            data = torch.load(stream, map_location=map_location, weights_only=True, mmap=mmap)
    except Exception as err:  # weights_only refuses anything but plain data
        raise ModelFileError(refusal(name, err)) from err
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ModelFileError(f"{name} is a PyTorch file but not a netcanvas model (format {FORMAT}).")
    missing = [k for k in REQUIRED if k not in data]
    if missing or not isinstance(data["graph"], str) or not isinstance(data["state_dict"], dict):
        raise ModelFileError(f"{name} is a damaged netcanvas model: its graph or weights are missing.")
    return _with_defaults(data)


def refusal(name: str, err: Exception) -> str:
    """Why torch.load(weights_only=True) refused the file, in our words. PyTorch's own message
    advises retrying with weights_only=False, which would run whatever code the file holds: that
    advice is never passed on (nor any line that mentions weights_only)."""
    head = f"{name} is not a loadable netcanvas model.pt"
    never = "refused: netcanvas never unpickles uploaded files. Upload a model.pt downloaded from a netcanvas " \
            "run, or a Keras .h5 / .keras file."
    if isinstance(err, pickle.UnpicklingError):
        found = re.search(r"Unsupported global: GLOBAL ([\w.]+)", str(err))
        if found:
            return f"{head}: it holds Python objects ({found.group(1)}) that would have to be unpickled; {never}"
        return f"{head}: it is a pickle or a damaged file, not plain data that can be read without unpickling; {never}"
    lines = [ln.strip() for ln in str(err).splitlines() if ln.strip() and "weights_only" not in ln]
    first = lines[0].split(". ")[0].rstrip(".")[:200] if lines else type(err).__name__
    return f"{head}: it is not a complete file written by torch.save ({type(err).__name__}: {first})."

def _with_defaults(data: dict[str, Any]) -> ModelData:
    """Optional keys of older or hand-made files, filled in (so readers index them safely)."""
    return ModelData(
        format=FORMAT, graph=data["graph"], settings=data.get("settings"), state_dict=data["state_dict"],
        linear_outputs=list(data.get("linear_outputs") or []), outputs=list(data.get("outputs") or []),
        output_activations=list(data.get("output_activations") or []),
        inputs=list(data.get("inputs") or []), class_names=data.get("class_names"), dataset=data.get("dataset"),
    )
