"""docs/layers.md, written from the registry: every kind, its Keras name(s), its notes.

Regenerate with `.venv/bin/python -m netcanvas.layers.catalogue > docs/layers.md`; a test checks
the file is current.
"""

from __future__ import annotations

from .base import REGISTRY, schema_entry

HEADER = """# Layers

Every layer kind netcanvas has, as the palette groups them. Parameter names and defaults are
Keras's; shapes exclude the batch axis and follow netcanvas's layout: images (channels, height,
width), sequences (time, features). Keras models written and read by netcanvas are channels-last;
export and import convert layouts so that predictions are equal (docs/export.md).

This page is generated from the layer registry (`python -m netcanvas.layers.catalogue`).

## Adding a layer kind

One new file in `backend/netcanvas/layers/` (a tight family may share one): a pydantic model
subclassing `Layer`, decorated with `@register`, holding

- its parameters as fields, with Keras's names and defaults (`required(example)` for a parameter
  Keras requires), and a docstring whose first line the palette shows;
- `output_shapes(inputs)`: the shape rule, raising `ShapeError` with a sentence that says the fix;
- `build(inputs)`: the torch module, its forward taking the inputs in port order;
- `param_count(inputs)`: Keras's trainable / non-trainable counts from the shapes (optional: the
  default builds the module on the meta device, which is slower on big graphs);
- its Keras side: `keras_classes`, `to_keras(n)` (config out, weights read from `n.module`'s
  attributes) and the classmethod `from_keras(n)` (config in, refusing by name what netcanvas
  cannot express; weights loaded with `n.set(module.attr, array)`);
- `examples`: (params, input shapes) the contract harness runs, including the Keras round trip
  (`tests/layers/test_keras_roundtrip.py`), and `notes` for this page.

Helpers that several kinds share (layouts, axes, activations, recurrent gate order) are in
`backend/netcanvas/kerasio/`. That file is all: the contract harness draws the kind's examples
(a hypothesis strategy in `tests/layers/layer_cases.py` can widen them: random params from the
kind's JSON Schema), every parameter must take a non-default value in some example, and the
Keras round trip runs against Keras itself. Then regenerate this page and run
`./scripts/test tests/layers`.
"""


def render_markdown() -> str:
    lines = [HEADER]
    families: dict[str, list[str]] = {}
    for kind in sorted(REGISTRY):
        families.setdefault(REGISTRY[kind].family, []).append(kind)
    for family in sorted(families):
        lines.append(f"## {family.capitalize()}\n")
        lines.append("| kind | Keras | parameters | what it does |")
        lines.append("|---|---|---|---|")
        for kind in families[family]:
            cls = REGISTRY[kind]
            entry = schema_entry(cls)
            params = ", ".join(f"`{k}`" for k in entry["defaults"]) or "—"
            keras = ", ".join(f"`{c}`" for c in cls.keras_classes) or "none (export names the node)"
            lines.append(f"| **{kind}** | {keras} | {params} | {cls.doc()} |")
        lines.append("")
        notes = [f"- **{kind}**: {REGISTRY[kind].notes}" for kind in families[family] if REGISTRY[kind].notes]
        if notes:
            lines += [*notes, ""]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    print(render_markdown(), end="")
