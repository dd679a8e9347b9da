"""Memory budgets (graph/budget.py): validate puts a problem on the node that breaks one, POST
/api/runs refuses a run before any worker starts, and nothing is allocated to find out."""

from __future__ import annotations

import time
import tracemalloc
from itertools import pairwise

import pytest
from fastapi.testclient import TestClient

from netcanvas.api.analysis import budget_problems_of, report_of
from netcanvas.api.main import create_app
from netcanvas.api.schemas import ValidationReport
from netcanvas.config import Settings
from netcanvas.graph.analyze import analyze
from netcanvas.graph.budget import Budget, fmt_bytes
from netcanvas.graph.schema import Graph
from netcanvas.layers import ParamCount
from netcanvas.training.settings import TrainSettings

DEFAULT = Budget(model_mb=4096, activation_mb=8192)


def chain(shape: list[int | None], *layers: tuple[str, str, dict], dtype: str = "float32") -> Graph:
    nodes = [{"id": "in", "type": "Input", "params": {"shape": shape, "dtype": dtype}}]
    nodes += [{"id": nid, "type": kind, "params": params} for nid, kind, params in layers]
    ids = [n["id"] for n in nodes]
    return Graph.model_validate({"nodes": nodes, "edges": [{"source": a, "target": b} for a, b in pairwise(ids)]})


def test_a_huge_dense_gets_the_problem_with_the_sentence():
    a = analyze(chain([100], ("d", "Dense", {"units": 10**9})), DEFAULT)
    assert not a.ok
    (p,) = a.problems
    assert p.node == "d" and a.nodes["d"].problems == [p]
    # 100·10^9 weights + 10^9 biases; × 4 bytes × 4 (weights, gradients, Adam's 2 slots) = 1.616 TB
    assert p.message == (
        "Dense 'd' has 101,000,000,000 parameters: 1,616 GB with gradients and Adam's state (assuming Adam, "
        "the default optimizer), over this server's 4,096 MB model budget (NETCANVAS_MAX_MODEL_MB): make it "
        "smaller.")


def test_a_huge_input_gets_the_activation_problem():
    a = analyze(chain([100000, 100000], ("d", "Dense", {"units": 1})), DEFAULT)
    (p,) = a.problems
    assert p.node == "in"
    assert p.message == (
        "Input 'in' outputs 10,000,000,000 values per sample: 40 GB at batch size 1 (validate assumes 1), over "
        "this server's 8,192 MB activation budget (NETCANVAS_MAX_ACTIVATION_MB): make it smaller.")


def test_without_a_budget_analyze_is_unchanged():
    assert analyze(chain([100], ("d", "Dense", {"units": 10**9}))).ok


def test_counting_neither_overflows_nor_allocates():
    """Sizes far past 2^63 bytes are exact Python integers; judging them allocates nothing."""
    g = chain([10**6], ("d", "Dense", {"units": 10**13}))
    tracemalloc.start()
    t = time.perf_counter()
    a = analyze(g, DEFAULT)
    took = time.perf_counter() - t
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    params = 10**6 * 10**13 + 10**13
    assert a.nodes["d"].counts == ParamCount(trainable=params)
    assert f"{params:,} parameters" in a.problems[0].message
    assert params * 16 > 2**63
    assert took < 1.0 and peak < 5_000_000


def test_a_sum_over_the_budget_names_the_largest_layer():
    """Each Dense alone fits 1 MB (16 bytes a value), the model does not."""
    g = chain([100], ("a", "Dense", {"units": 200}), ("b", "Dense", {"units": 300}), ("c", "Dense", {"units": 2}))
    a = analyze(g, Budget(model_mb=1, activation_mb=8192))
    (p,) = a.problems
    assert p.node == "b"  # 200·300+300 = 60,300 values, the largest
    assert p.message.startswith("The model has 81,102 parameters: 1,298 kB with gradients and Adam's state")
    assert "Dense 'b' is its largest layer (965 kB)" in p.message


def test_frozen_weights_need_no_gradients_nor_optimizer_state():
    """Non-trainable values take 4 bytes each; trainable ones 4 × (2 + slots)."""
    b = Budget(model_mb=1, activation_mb=1)
    assert b.model_bytes(ParamCount(trainable=10, non_trainable=5)) == 10 * 16 + 5 * 4
    slots = {("sgd", 0.0): 0, ("sgd", 0.9): 1, ("rmsprop", 0.0): 1, ("rmsprop", 0.5): 2, ("adagrad", 0.0): 1,
             ("adadelta", 0.0): 2, ("adam", 0.0): 2, ("adamw", 0.0): 2, ("nadam", 0.0): 2, ("adamax", 0.0): 2}
    for (opt, momentum), want in slots.items():
        assert Budget(1, 1, optimizer=opt, momentum=momentum).slots == want, opt


def test_the_report_carries_bytes_per_node_and_totals():
    g = chain([4], ("d", "Dense", {"units": 3}))
    report = report_of(g)
    assert report["ok"]
    assert report["nodes"]["d"]["weight_bytes"] == 15 * 4
    assert report["nodes"]["d"]["activation_bytes"] == 3 * 4
    assert report["nodes"]["in"]["weight_bytes"] is None or report["nodes"]["in"]["weight_bytes"] == 0
    assert report["nodes"]["in"]["activation_bytes"] == 4 * 4
    assert (report["weight_bytes"], report["activation_bytes"]) == (60, 28)
    parsed = ValidationReport.model_validate(report)
    assert parsed.nodes["d"].weight_bytes == 60 and parsed.activation_bytes == 28


def test_int64_inputs_take_8_bytes_and_none_counts_as_one():
    g = chain([None, 5], ("e", "Embedding", {"input_dim": 10, "output_dim": 3}), dtype="int64")
    report = report_of(g)
    assert report["nodes"]["in"]["activation_bytes"] == 5 * 8
    assert report["nodes"]["e"]["activation_bytes"] == 5 * 3 * 4


def test_fmt_bytes():
    assert [fmt_bytes(n) for n in (900, 12_000, 4_096_000_000, 1_616 * 10**9, 4 * 10**13)] == [
        "900 bytes", "12 kB", "4,096 MB", "1,616 GB", "40 TB"]


# -- POST /api/runs -------------------------------------------------------------------------------


def digits_graph(*layers: tuple[str, str, dict]) -> dict:
    nodes = [{"id": "in", "type": "Input", "params": {"shape": [1, 8, 8]}}]
    nodes += [{"id": nid, "type": kind, "params": params} for nid, kind, params in layers]
    ids = [n["id"] for n in nodes]
    return {"format": "netcanvas.graph/1", "name": "big", "nodes": nodes,
            "edges": [{"source": a, "target": b} for a, b in pairwise(ids)]}


HUGE_DENSE = digits_graph(("f", "Flatten", {}), ("d", "Dense", {"units": 10**9}),
                          ("out", "Dense", {"units": 10, "activation": "softmax"}))
WIDE_CONV = digits_graph(("c", "Conv2D", {"filters": 10**6, "kernel_size": 3}), ("g", "GlobalAveragePooling2D", {}),
                         ("out", "Dense", {"units": 10, "activation": "softmax"}))


@pytest.fixture
def client(tmp_path):
    settings = Settings(data_dir=tmp_path / "store", frontend_dist=tmp_path / "none", auth="none")
    with TestClient(create_app(settings)) as c:
        yield c


def run_body(graph: dict, **kw: object) -> dict:
    return {"graph": graph, "dataset": "digits", "epochs": 1, "batch_size": 64, "device": "cpu", **kw}


def test_validate_reports_the_huge_dense(client):
    r = client.post("/api/graphs/validate", json=HUGE_DENSE)
    assert r.status_code == 200
    body = r.json()
    assert body["ok"] is False
    # the head reading its 10^9 outputs is over the budget alone too: 10^10 weights
    assert [p["node"] for p in body["problems"]] == ["d", "out"]
    assert "model budget (NETCANVAS_MAX_MODEL_MB)" in body["nodes"]["d"]["problems"][0]["message"]


@pytest.mark.parametrize(("graph", "node", "words"), [
    (HUGE_DENSE, "d", "65,000,000,000 parameters: 520 GB with gradients, over"),  # plain SGD keeps no state
    (WIDE_CONV, "c", "at batch size 64, over this server's 8,192 MB activation budget"),
])
def test_runs_over_the_budget_are_refused_before_a_worker_starts(client, graph, node, words):
    r = client.post("/api/runs", json=run_body(graph, optimizer={"type": "sgd"}))
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail["message"] == "The model does not fit this server's budget."
    assert detail["problems"][0]["node"] == node
    assert words in detail["problems"][0]["message"]
    assert client.get("/api/runs").json()["count"] == 0  # no run stored, none handed to the executor


def test_the_runs_batch_size_and_optimizer_count():
    """The wide Conv2D's outputs (36·10^6 values, 144 MB a sample) fit at batch 32, not at 64."""
    server = Settings(auth="none")
    graph = Graph.model_validate(WIDE_CONV)
    assert budget_problems_of(graph, TrainSettings(dataset="digits", batch_size=32), server) == []
    (p,) = budget_problems_of(graph, TrainSettings(dataset="digits", batch_size=64), server)
    assert p.node == "c" and "or lower batch_size." in p.message and "(validate assumes 1)" not in p.message
    # 1,000 × 1,000 + 1,000 weights: 16 MB with Adam, 8 MB with plain SGD
    dense = Graph.model_validate(digits_graph(("f", "Flatten", {}), ("d", "Dense", {"units": 1000}),
                                              ("e", "Dense", {"units": 1000}), ("out", "Dense", {"units": 10})))
    tight = Settings(auth="none", max_model_mb=10)
    assert budget_problems_of(dense, TrainSettings(dataset="digits", optimizer={"type": "sgd"}), tight) == []
    (p,) = budget_problems_of(dense, TrainSettings(dataset="digits", optimizer={"type": "adam"}), tight)
    assert "with gradients and Adam's state, over this server's 10 MB model budget" in p.message
