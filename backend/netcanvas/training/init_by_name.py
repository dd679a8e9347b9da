"""init_mode "by_name": start a run from another run's model.pt, layer by layer.

Each node of the new graph whose id matches a node of the source graph (weight_match.match_names)
and whose weights have the same names and shapes gets the source's weights; every other node keeps
its fresh initialisation. The report says which was which and why.
"""

from __future__ import annotations

from pathlib import Path

import torch

from .. import model_file
from ..graph.analyze import analyze
from ..graph.compile import GraphError, compile_graph, module_names
from ..graph.schema import Graph
from ..layers import fmt
from .weight_match import REPORT_FILE, InitialisedLayer, LoadedLayer, SkippedLayer, WeightReport, match_names

State = dict[str, torch.Tensor]


def _per_node(state: State, node_ids: dict[str, str]) -> dict[str, State]:
    """{"h.linear.weight": t} → {"h": {"linear.weight": t}}, keyed by node id. `node_ids` maps a
    layer's submodule path to its node (compile_graph's; a block's layers nest: "b1.conv")."""
    out: dict[str, State] = {}
    for key, value in state.items():
        path = key
        while path:
            path = path.rpartition(".")[0]
            if path in node_ids:
                out.setdefault(node_ids[path], {})[key[len(path) + 1:]] = value
                break
        else:  # not a layer of this graph's module (a foreign key): its first segment names it
            head, _, rest = key.partition(".")
            out.setdefault(head, {})[rest] = value
    return out


def _node_ids(graph: Graph) -> dict[str, str]:
    """Submodule path → node id of the module compile_graph builds for `graph` (none allocated)."""
    try:
        with torch.device("meta"):
            return dict(getattr(compile_graph(graph), "node_ids", {}))
    except GraphError:  # a source graph today's netcanvas no longer compiles: flat names
        return {v: k for k, v in module_names(analyze(graph).order).items()}


def _misfit(node: str, mine: State, theirs: State) -> str | None:
    """Why the source's weights of a matched layer do not fit `node`, or None when they do."""
    if set(mine) != set(theirs):
        return (f"it holds {', '.join(sorted(theirs))} and node '{node}' needs {', '.join(sorted(mine))} "
                "(another kind of layer)")
    for k in sorted(mine):
        if tuple(mine[k].shape) != tuple(theirs[k].shape):
            return (f"its {k} has shape {fmt(tuple(theirs[k].shape))}, node '{node}' needs "
                    f"{fmt(tuple(mine[k].shape))}")
    return None


def plan_by_name(module: torch.nn.Module, source_graph: Graph, source_state: State,
                 source: str) -> tuple[State, WeightReport]:
    """The state dict to load into `module` (its own weights where nothing fits) and the report."""
    own = module.state_dict()
    mine = _per_node(own, getattr(module, "node_ids", {}))
    theirs = _per_node(source_state, _node_ids(source_graph))
    matched = match_names(mine, theirs)
    report = WeightReport(source=source)
    state = dict(own)
    names_of = {v: k for k, v in getattr(module, "node_ids", {}).items()}
    for node, weights in mine.items():
        src = matched.get(node)
        if src is None:
            report.initialised.append(InitialisedLayer(node=node, reason=f"{source} has no layer '{node}'"))
            continue
        why = _misfit(node, weights, theirs[src])
        if why is not None:
            report.skipped.append(SkippedLayer(source=src, node=node, reason=why))
            report.initialised.append(InitialisedLayer(node=node, reason=f"the weights of '{src}' do not fit"))
            continue
        prefix = names_of.get(node, node)
        state.update({f"{prefix}.{k}": v for k, v in theirs[src].items()})
        report.loaded.append(LoadedLayer(node=node, source=src))
    used = set(matched.values())
    report.skipped += [SkippedLayer(source=s, reason="the graph has no node of this name")
                       for s in theirs if s not in used]
    return state, report


def by_name_report(graph: Graph, path: Path, source: str) -> WeightReport:
    """What loading `path` into `graph` by name would do, without allocating the graph's weights."""
    data = model_file.read(path, mmap=True)
    with torch.device("meta"):
        module = compile_graph(graph)
    return plan_by_name(module, Graph.model_validate_json(data["graph"]), data["state_dict"], source)[1]


def load_by_name(module: torch.nn.Module, path: Path, source: str) -> WeightReport:
    """Copy what fits of a model.pt into `module` by layer name; the rest keeps its initialisation."""
    data = model_file.read(path)
    state, report = plan_by_name(module, Graph.model_validate_json(data["graph"]), data["state_dict"], source)
    module.load_state_dict(state)
    return report


def start_by_name(module: torch.nn.Module, path: Path, run_id: str | None, out_dir: Path) -> WeightReport:
    """Train further by name: load what fits and keep the report in the run's directory."""
    report = load_by_name(module, path, f"run '{run_id}'" if run_id else path.name)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / REPORT_FILE).write_text(report.model_dump_json(indent=1), encoding="utf-8")
    return report
