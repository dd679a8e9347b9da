from pathlib import Path

from netcanvas.layers.catalogue import render_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "layers.md"


def test_docs_layers_md_is_current():
    assert DOC.read_text() == render_markdown(), (
        "docs/layers.md is stale: run .venv/bin/python -m netcanvas.layers.catalogue > docs/layers.md")


def test_every_kind_is_on_the_page():
    from netcanvas.layers import REGISTRY

    text = DOC.read_text()
    assert all(f"| **{kind}** |" in text for kind in REGISTRY)
