"""Graph analysis as the API serves it: never raises, an unexpected failure becomes a problem."""

from __future__ import annotations

import logging

from ..graph.analyze import analyze
from ..graph.schema import Graph, Problem
from .schemas import ValidationReport

log = logging.getLogger(__name__)


def validate_graph(graph: Graph) -> ValidationReport:
    try:
        return ValidationReport.model_validate(analyze(graph).report())
    except Exception as err:  # a layer's shape rule with a bug must not turn into a 500
        log.exception("analysing graph %r failed", graph.name)
        problem = Problem(message=f"The graph could not be analysed ({type(err).__name__}: {err}).")
        return ValidationReport(
            ok=False, total_params=0, nodes={}, problems=[problem], inputs=[], outputs=[]
        )
