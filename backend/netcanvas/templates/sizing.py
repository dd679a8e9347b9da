"""A template graph for a chosen input size and number of classes, as Keras would build it.

Keras's own rules: an input below the architecture's minimum is refused; `classes` sets the top's
last Dense; MobileNetV2's stride-2 paddings follow `imagenet_utils.correct_pad`. Everything else in
these architectures is independent of the input size (Dense layers after a Flatten take their
width from shape inference), which tests/models/test_templates.py checks against Keras.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..graph.analyze import analyze
from ..graph.schema import Graph, Node
from ..layers.spatial import compact_sides
from .catalogue import CLASSES_NODE, MAX_CLASSES, MAX_SIZE, Architecture


class TemplateError(ValueError):
    """A request the template cannot satisfy; the message names the field and what to choose."""


def check_request(arch: Architecture, input_size: int, classes: int) -> None:
    if input_size < arch.min_size:
        raise TemplateError(f"input_size {input_size} is below {arch.title}'s minimum of {arch.min_size} "
                            f"(Keras's rule): choose an input_size of at least {arch.min_size}.")
    if input_size > MAX_SIZE:
        raise TemplateError(f"input_size {input_size} is above netcanvas's limit of {MAX_SIZE}: choose an "
                            f"input_size of at most {MAX_SIZE}.")
    if not 1 <= classes <= MAX_CLASSES:
        raise TemplateError(f"classes {classes} is out of range: choose between 1 and {MAX_CLASSES} "
                            "(the number of classes of your data set).")


def _flat_nodes(graph: Graph) -> Iterator[tuple[str, Node]]:
    """Every node with its flattened id ("<instance>/<inner id>" inside blocks, as graph/blocks.py
    inlines them). Block definitions are shared, so editing one edits every linked copy."""

    def walk(nodes: list[Node], prefix: str, depth: int) -> Iterator[tuple[str, Node]]:
        for node in nodes:
            flat = prefix + node.id
            yield flat, node
            body = graph.blocks.get(node.block) if node.type == "Block" and node.block else None
            if body is not None and depth < 50:  # a definition using itself must not recurse forever
                yield from walk(body.nodes, flat + "/", depth + 1)

    return walk(graph.nodes, "", 0)


def _named(graph: Graph, keras_name: str) -> list[tuple[str, Node]]:
    """Nodes for one Keras layer: its id is the layer name, or ends with it inside a block."""
    return [(flat, n) for flat, n in _flat_nodes(graph) if flat.rsplit("/", 1)[-1] == keras_name]


def correct_pad(height: int, width: int, kernel: int = 3) -> list[list[int]]:
    """keras.applications.imagenet_utils.correct_pad for a channels-last input of this size."""
    adjust = (1 - height % 2, 1 - width % 2)
    half = kernel // 2
    return [[half - adjust[0], half], [half - adjust[1], half]]


def resize(graph: Graph, arch: Architecture, input_size: int, classes: int | None) -> Graph:
    """A copy of `graph` taking (3, input_size, input_size) images, with `classes` outputs when it has
    a top (classes None: no top). Call check_request first."""
    g = graph.model_copy(deep=True)
    inputs = [n for n in g.nodes if n.type == "Input"]
    if len(inputs) != 1:
        raise TemplateError(f"The {arch.title} template should have one Input, found {len(inputs)}.")
    inputs[0].params = {**inputs[0].params, "shape": [3, input_size, input_size]}
    if classes is not None:
        heads = _named(g, CLASSES_NODE)
        if len(heads) != 1:
            raise TemplateError(f"The {arch.title} template has no single '{CLASSES_NODE}' Dense.")
        heads[0][1].params = {**heads[0][1].params, "units": classes}
    # In order: a padding sized for the wrong parity changes the sizes reaching the later ones.
    for keras_name in arch.correct_pad:
        analysis = analyze(g)
        for flat, node in _named(g, keras_name):
            info = analysis.nodes.get(flat)
            shape = info.input_shapes[0] if info is not None and info.input_shapes else None
            if shape is None or len(shape) != 3 or shape[1] is None or shape[2] is None:
                raise TemplateError(f"The {arch.title} template: the input size of '{flat}' is unknown.")
            (top, bottom), (left, right) = correct_pad(shape[1], shape[2])
            node.params = {**node.params, "padding": compact_sides(((top, bottom), (left, right)))}
    if g.blocks:
        _block_input_shapes(g)
    return g


def _block_input_shapes(g: Graph) -> None:
    """A block's Input nodes show the shape wired into it (graph/grouping.py writes them; running
    reads the wire): after resizing, the shapes of the new size."""
    analysis = analyze(g)
    for inst in analysis.blocks.values():
        body = g.blocks.get(inst.block)
        if body is None:
            continue
        by_id = {n.id: n for n in body.nodes}
        for input_id, (src, port) in zip(inst.input_names, inst.inputs, strict=False):
            shapes = analysis.nodes[src].output_shapes if src in analysis.nodes else None
            node = by_id.get(input_id)
            if node is not None and shapes is not None and port < len(shapes):
                node.params = {**node.params, "shape": list(shapes[port])}
