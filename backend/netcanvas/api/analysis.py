"""Graph analysis as the API serves it: never raises, an unexpected failure becomes a problem."""

from __future__ import annotations

import logging
from typing import Any

from ..config import Settings, get_settings
from ..data.base import DatasetInfo
from ..graph.analyze import analyze
from ..graph.budget import Budget
from ..graph.budget import budget_problems as _budget_problems
from ..graph.schema import Graph, Problem
from ..training.settings import TrainSettings
from .schemas import ValidationReport

log = logging.getLogger(__name__)


def report_of(graph: Graph, *, budgets: bool = True, batch_size: int | None = None,
              optimizer: str | None = None) -> dict[str, Any]:
    """The ValidationReport as plain data (what /api/graphs/validate sends: the canvas posts
    big graphs on every edit, and validating our own answer again costs as much as analysing).
    `budgets`: nodes over this server's memory budgets get problems, judged as validate must
    without a run: Adam, batch size 1 (graph/budget.py); POST /api/runs judges the run's own."""
    try:
        assumed = batch_size is None and optimizer is None  # else the Train panel's choices
        budget = (Budget.of(get_settings(), batch_size=batch_size or 1, optimizer=optimizer or "adam",
                            assumed=assumed) if budgets else None)
        return analyze(graph, budget).report()
    except Exception as err:  # a layer's shape rule with a bug must not turn into a 500
        log.exception("analysing graph %r failed", graph.name)
        problem = Problem(message=f"The graph could not be analysed ({type(err).__name__}: {err}).")
        return ValidationReport(
            ok=False, total_params=0, nodes={}, problems=[problem], inputs=[], outputs=[]
        ).model_dump(mode="json")


def validate_graph(graph: Graph, *, budgets: bool = False) -> ValidationReport:
    """The graph's own problems (`budgets`: and the server's memory budgets', as validate reports them)."""
    return ValidationReport.model_validate(report_of(graph, budgets=budgets))


def budget_problems_of(graph: Graph, settings: TrainSettings, server: Settings) -> list[Problem]:
    """Whether an (already valid) graph, trained with these settings (optimizer, batch size), fits
    the server's memory budgets: told before a worker starts, so a run that would allocate until
    malloc fails never begins. Empty when it fits."""
    opt = settings.optimizer
    budget = Budget.of(server, batch_size=settings.batch_size, optimizer=opt.type, momentum=opt.momentum,
                       assumed=False)
    return _budget_problems(analyze(graph), budget)


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
