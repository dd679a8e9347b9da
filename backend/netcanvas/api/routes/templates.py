"""Architecture templates (docs/api.md, Templates): keras.applications models as graphs.

GET /api/templates → the architectures, their input-size rules and counts at the default size.
GET /api/templates/{name}?include_top=&input_size=&classes= → the graph, sized; 404 for an unknown
name, 422 (a sentence naming the field and the bound) for a size or class count Keras would refuse.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from ...graph.schema import Graph
from ...templates.library import TemplateError, TemplatesPublic, UnknownTemplate, summaries, template
from ..schemas import Message

router = APIRouter(prefix="/api", tags=["templates"])


@router.get("/templates")
def list_templates() -> TemplatesPublic:
    return summaries()


@router.get("/templates/{name}", responses={404: {"model": Message}, 422: {"model": Message}})
def get_template(name: str, include_top: bool = True, input_size: int | None = None,
                 classes: int | None = None) -> Graph:
    try:
        return template(name, include_top, input_size, classes)
    except UnknownTemplate as err:
        raise HTTPException(404, err.args[0]) from err
    except TemplateError as err:
        raise HTTPException(422, str(err)) from err
