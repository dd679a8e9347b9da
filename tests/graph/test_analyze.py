from netcanvas.graph.analyze import analyze
from netcanvas.graph.compile import compile_graph, example_inputs
from netcanvas.graph.schema import Graph


def graph(nodes, edges, **kw):
    return Graph.model_validate({"nodes": nodes, "edges": edges, **kw})


def test_branches_concatenate_and_match_real_shapes():
    g = graph(
        [
            {"id": "in", "type": "Input", "params": {"shape": [64]}},
            {"id": "a", "type": "Dense", "params": {"units": 8, "activation": "relu"}},
            {"id": "b", "type": "Dense", "params": {"units": 4}},
            {"id": "c", "type": "Concatenate", "params": {}},
            {"id": "out", "type": "Dense", "params": {"units": 10, "activation": "softmax"}},
        ],
        [
            {"source": "in", "target": "a"},
            {"source": "in", "target": "b"},
            {"source": "a", "target": "c"},
            {"source": "b", "target": "c", "target_port": 1},
            {"source": "c", "target": "out"},
        ],
    )
    a = analyze(g)
    assert a.ok, a.problems
    assert a.nodes["c"].output_shapes == [(12,)]
    assert a.total_params == 64 * 8 + 8 + 64 * 4 + 4 + 12 * 10 + 10
    out = compile_graph(a)(*example_inputs(a))
    assert tuple(out.shape[1:]) == a.nodes["out"].output_shapes[0]


def test_dense_on_an_image_acts_on_each_pixels_channels_as_keras_does():
    g = graph(
        [
            {"id": "in", "type": "Input", "params": {"shape": [3, 8, 8]}},
            {"id": "d", "type": "Dense", "params": {"units": 5}},
        ],
        [{"source": "in", "target": "d"}],
    )
    a = analyze(g)
    assert a.ok
    assert a.nodes["d"].output_shapes == [(5, 8, 8)] and a.total_params == 3 * 5 + 5


def test_cycle_unknown_type_and_bad_param_are_reported_not_raised():
    g = graph(
        [
            {"id": "in", "type": "Input", "params": {"shape": [4]}},
            {"id": "x", "type": "Dense", "params": {"units": 2}},
            {"id": "y", "type": "Dense", "params": {"units": 2}},
            {"id": "z", "type": "Nope", "params": {}},
            {"id": "w", "type": "Dense", "params": {"units": -1}},
        ],
        [{"source": "x", "target": "y"}, {"source": "y", "target": "x"}],
    )
    report = analyze(g).report()
    assert not report["ok"]
    by_node = {p["node"] for p in report["problems"]}
    assert {"x", "y", "z", "w"} <= by_node
    assert any(p["field"] == "units" for p in report["nodes"]["w"]["problems"])
    (cycle,) = {p["message"] for p in report["nodes"]["x"]["problems"]}
    assert "part of a cycle (" in cycle and ("x → y → x" in cycle or "y → x → y" in cycle)
