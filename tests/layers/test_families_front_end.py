import re
from pathlib import Path

from netcanvas.layers.base import FAMILIES

FRONT = Path(__file__).resolve().parents[2] / "frontend" / "src"


def test_every_family_has_a_palette_label_and_a_colour():
    catalog = (FRONT / "api" / "catalog.ts").read_text()
    order = re.search(r"FAMILY_ORDER = \[(.*?)\];", catalog, re.DOTALL)
    assert order is not None
    assert set(re.findall(r'"(\w+)"', order.group(1))) == set(FAMILIES)
    labels = re.search(r"FAMILY_LABEL[^{]*\{(.*?)\};", catalog, re.DOTALL)
    colours = re.search(r"FAMILY_COLOR[^{]*\{(.*?)\};", (FRONT / "canvas" / "Canvas.tsx").read_text(), re.DOTALL)
    assert labels is not None and colours is not None
    for family in FAMILIES:
        assert re.search(rf"\b{family}:", labels.group(1)), f"no palette label for {family}"
        assert re.search(rf"\b{family}:", colours.group(1)), f"no colour for {family}"


def test_port_names_fit_each_kinds_ports():
    from netcanvas.layers import REGISTRY

    for kind, cls in REGISTRY.items():
        if cls.input_names:
            assert len(cls.input_names) == cls.max_inputs, kind
        for params, shapes in cls.examples:
            outs = cls.model_validate(params).output_shapes(shapes)
            assert not cls.output_names or len(outs) <= len(cls.output_names), (kind, params)
