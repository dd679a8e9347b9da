"""Writes the template graphs from the Keras definitions (a dev tool: Keras is not needed at runtime).

    .venv/bin/python -m netcanvas.templates.generate            # rewrite backend/netcanvas/templates/*.json
    .venv/bin/python -m netcanvas.templates.generate --check    # exit 1 when a file is not current

Each graph is keras.applications.X(weights=None) at a small input size, imported by netcanvas's own
Keras import (export/keras_import.py, so its grouping into blocks applies too), then sized to the
architecture's default input size by sizing.resize, the same function the API uses. Files are
compact JSON without positions: the canvas lays out a graph that has none.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from ..graph.schema import GRAPH_FORMAT, Graph
from .catalogue import ARCHITECTURES, DEFAULT_CLASSES, Architecture, file_stem
from .sizing import resize

HERE = Path(__file__).resolve().parent
INPUT_ID = "input"  # Keras numbers unnamed inputs per session (input_layer_7); the files must not vary
# The size the Keras models are built at: small, so that generating (and the test that the files
# are current) allocates little; the odd sizes' paddings are then set by the same rule as any other.
GENERATE_SIZE = {"inception_v3": 75, "xception": 71}


def keras_model(arch: Architecture, include_top: bool, size: int, classes: int = DEFAULT_CLASSES) -> Any:
    """keras.applications.X(weights=None) for (size, size, 3) images, its input named INPUT_ID."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    # Unnamed layers (InceptionV3's conv2d_N) are numbered per session: a fresh one numbers them as
    # a user's fresh `keras.applications.InceptionV3()` does, whatever was built before.
    keras.backend.clear_session()
    shape = (size, size, 3)
    build = getattr(keras.applications, arch.keras)
    return build(weights=None, include_top=include_top, input_shape=shape, classes=classes,
                 input_tensor=keras.Input(shape, name=INPUT_ID))


def graph_of(arch: Architecture, model: Any, include_top: bool) -> Graph:
    """A Keras model through netcanvas's Keras import, named after the template, without positions."""
    from ..export.keras_import import import_model

    graph = import_model(f"{arch.keras}.json", model.to_json().encode()).graph
    graph.name = file_stem(arch, include_top)
    for node in graph.nodes:
        node.position = None
    for body in graph.blocks.values():
        for node in body.nodes:
            node.position = None
    return graph


def compact(graph: Graph) -> dict[str, Any]:
    """The graph as stored: defaults left out (they load back unchanged), the format kept."""
    return {"format": GRAPH_FORMAT, **graph.model_dump(mode="json", exclude_defaults=True)}


def render(arch: Architecture, include_top: bool) -> str:
    size = GENERATE_SIZE.get(arch.name, 32)
    graph = graph_of(arch, keras_model(arch, include_top, size), include_top)
    sized = resize(graph, arch, arch.default_size, DEFAULT_CLASSES if include_top else None)
    return json.dumps(compact(sized), separators=(",", ":")) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare with the files instead of writing them")
    args = parser.parse_args(argv)
    stale = []
    for arch in ARCHITECTURES.values():
        for include_top in (True, False):
            path = HERE / f"{file_stem(arch, include_top)}.json"
            text = render(arch, include_top)
            if args.check:
                if not path.exists() or path.read_text("utf-8") != text:
                    stale.append(path.name)
            else:
                path.write_text(text, "utf-8")
                print(f"wrote {path.name} ({len(text) // 1024} KiB)")
    if stale:
        print(f"not current: {', '.join(stale)}; run python -m netcanvas.templates.generate", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
