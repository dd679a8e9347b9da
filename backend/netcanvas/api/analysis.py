"""Graph analysis as the API serves it: never raises, an unexpected failure becomes a problem."""

from __future__ import annotations

import logging
from typing import Any

from ..data.base import DatasetInfo
from ..graph.analyze import analyze
from ..graph.schema import Graph, Problem
from ..training.settings import TrainSettings
from .schemas import ValidationReport

log = logging.getLogger(__name__)


def report_of(graph: Graph) -> dict[str, Any]:
    """The ValidationReport as plain data (what /api/graphs/validate sends: the canvas posts
    big graphs on every edit, and validating our own answer again costs as much as analysing)."""
    try:
        return analyze(graph).report()
    except Exception as err:  # a layer's shape rule with a bug must not turn into a 500
        log.exception("analysing graph %r failed", graph.name)
        problem = Problem(message=f"The graph could not be analysed ({type(err).__name__}: {err}).")
        return ValidationReport(
            ok=False, total_params=0, nodes={}, problems=[problem], inputs=[], outputs=[]
        ).model_dump(mode="json")


def validate_graph(graph: Graph) -> ValidationReport:
    return ValidationReport.model_validate(report_of(graph))


def frozen_problems(graph: Graph) -> list[Problem]:
    """A valid graph whose every layer with weights is frozen: nothing would train (graph/freeze.py)."""
    from ..graph.freeze import nothing_to_train

    problem = nothing_to_train(analyze(graph))
    return [problem] if problem is not None else []


def fit_problems(graph: Graph, info: DatasetInfo, settings: TrainSettings) -> list[Problem]:
    """Whether an (already valid) graph fits a data set and loss: what run_training would refuse
    in its first second, told before a worker starts. Empty when it fits."""
    from ..training.plan import check_inputs, plan_outputs

    try:
        analysis = analyze(graph)
        check_inputs(analysis, info)
        plan_outputs(analysis, info, settings)
    except ValueError as err:
        return [Problem(message=str(err))]
    except Exception:  # a bug in a check must not block training: the worker will tell
        log.exception("checking graph %r against data set %r failed", graph.name, info.id)
    return []
