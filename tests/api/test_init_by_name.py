"""init_mode "by_name": a run starts from another run's weights layer by layer (a new head)."""

from __future__ import annotations

import torch
from api_factories import make_client, mlp_graph, run_request, wait_status

from netcanvas import model_file
from netcanvas.training.weight_match import match_names

REAL_TRAINER = "netcanvas.training.engine:run_training"


def with_new_head() -> dict:
    """mlp_graph's 'h' kept; a new hidden layer 'h2' makes 'out' read 8 features instead of 16."""
    g = mlp_graph("new head")
    g["nodes"].insert(3, {"id": "h2", "type": "Dense", "params": {"units": 8, "activation": "relu"}})
    g["edges"] = [{"source": a, "target": b} for a, b in [("in", "flat"), ("flat", "h"), ("h", "h2"), ("h2", "out")]]
    return g


def state(settings, run_id: str) -> dict[str, torch.Tensor]:
    return model_file.read(settings.runs_dir / run_id / "model.pt")["state_dict"]


def log_messages(client, run_id: str) -> list[str]:
    out = []
    with client.websocket_connect(f"/api/runs/{run_id}/stream") as ws:
        while True:
            event = ws.receive_json()
            if event["type"] == "log":
                out.append(event["message"])
            if event["type"] == "status" and event["status"] in {"succeeded", "failed", "cancelled"}:
                return out


def test_by_name_loads_what_fits_initialises_the_rest_and_says_so(settings):
    with make_client(settings, trainer=REAL_TRAINER) as client:
        first = client.post("/api/runs", json=run_request(epochs=1, seed=1)).json()
        first = wait_status(client, first["id"], {"succeeded", "failed"}, timeout=120)
        assert first["status"] == "succeeded", first["error"]

        # exact mode refuses the new graph, as before
        r = client.post("/api/runs", json=run_request(with_new_head(), init_from_run=first["id"]))
        assert r.status_code == 422 and "'h2'" in r.json()["detail"]

        # by_name: 'h' loads; 'out' (other shapes) and 'h2' (new) start fresh. A vanishing learning
        # rate keeps the weights as they started.
        body = run_request(with_new_head(), init_from_run=first["id"], init_mode="by_name", epochs=1,
                           optimizer={"type": "sgd", "learning_rate": 1e-12})
        r = client.post("/api/runs", json=body)
        assert r.status_code == 201, r.text
        run = wait_status(client, r.json()["id"], {"succeeded", "failed"}, timeout=120)
        assert run["status"] == "succeeded", run["error"]
        assert run["request"]["init_mode"] == "by_name"
        assert "weights_report.json" in run["artifacts"]

        before, after = state(settings, first["id"]), state(settings, run["id"])
        assert torch.allclose(after["h.linear.weight"], before["h.linear.weight"], atol=1e-9)
        assert after["out.linear.weight"].shape == (10, 8)

        report = client.get(f"/api/runs/{run['id']}/artifacts/weights_report.json").json()
        assert report["source"] == f"run '{first['id']}'"
        assert [x["node"] for x in report["loaded"]] == ["h"]
        assert {x["node"] for x in report["initialised"]} == {"h2", "out"}
        (skip,) = report["skipped"]
        assert skip["source"] == "out" and "linear.weight" in skip["reason"]
        assert "(10, 16)" in skip["reason"] and "(10, 8)" in skip["reason"]

        logs = log_messages(client, run["id"])
        assert any(m.startswith(f"Loaded by name from run '{first['id']}': 1 layer(s) ('h')") for m in logs)
        assert any("Initialised 2 layer(s)" in m and "'h2'" in m for m in logs)
        assert any(m.startswith("Skipped 'out'") and "(10, 8)" in m for m in logs)


def test_by_name_with_nothing_in_common_is_422_naming_both_sides(settings):
    with make_client(settings, trainer=REAL_TRAINER) as client:
        first = client.post("/api/runs", json=run_request(epochs=1)).json()
        assert wait_status(client, first["id"], {"succeeded", "failed"}, timeout=120)["status"] == "succeeded"
        g = mlp_graph("renamed")
        rename = {"h": "hidden", "out": "classes"}
        for n in g["nodes"]:
            n["id"] = rename.get(n["id"], n["id"])
        for e in g["edges"]:
            e["source"], e["target"] = rename.get(e["source"], e["source"]), rename.get(e["target"], e["target"])
        r = client.post("/api/runs", json=run_request(g, init_from_run=first["id"], init_mode="by_name"))
        assert r.status_code == 422
        detail = r.json()["detail"]
        assert f"No layer of run '{first['id']}' fits" in detail
        assert "'h', 'out'" in detail and "'hidden', 'classes'" in detail


def test_names_match_in_full_first_then_by_a_unique_last_segment():
    assert match_names(["base/block1_conv1", "head"], ["block1_conv1", "head"]) == {
        "base/block1_conv1": "block1_conv1", "head": "head"}
    assert match_names(["fc"], ["vgg16/fc", "fc"]) == {"fc": "fc"}
    # ambiguous on either side: no guess
    assert match_names(["a/conv", "b/conv"], ["conv"]) == {}
    assert match_names(["conv"], ["a/conv", "b/conv"]) == {}
    assert match_names(["a/conv"], ["x/conv"]) == {"a/conv": "x/conv"}


def test_a_layer_inside_a_block_starts_from_the_flat_layer_of_its_name():
    from netcanvas.graph.compile import compile_graph
    from netcanvas.graph.schema import Graph
    from netcanvas.training.init_by_name import plan_by_name

    conv = {"id": "c", "type": "Conv2D", "params": {"filters": 3, "kernel_size": 3}}
    tail = [{"id": "f", "type": "Flatten", "params": {}}, {"id": "out", "type": "Dense", "params": {"units": 4}}]
    flat = Graph.model_validate({"name": "flat", "nodes": [{"id": "in", "type": "Input", "params": {"shape": [1, 8, 8]}},
                                                            conv, *tail],
                                 "edges": [{"source": "in", "target": "c"}, {"source": "c", "target": "f"},
                                           {"source": "f", "target": "out"}]})
    blocked = Graph.model_validate({
        "name": "blocked",
        "nodes": [{"id": "in", "type": "Input", "params": {"shape": [1, 8, 8]}},
                  {"id": "b", "type": "Block", "block": "conv_block"}, *tail],
        "edges": [{"source": "in", "target": "b"}, {"source": "b", "target": "f"}, {"source": "f", "target": "out"}],
        "blocks": {"conv_block": {"nodes": [{"id": "x", "type": "Input", "params": {"shape": [1, 8, 8]}}, conv],
                                  "edges": [{"source": "x", "target": "c"}]}},
    })
    torch.manual_seed(0)
    source = compile_graph(flat)
    torch.manual_seed(1)
    target = compile_graph(blocked)
    state, report = plan_by_name(target, flat, source.state_dict(), "run 'flat'")
    assert {(x.node, x.source) for x in report.loaded} == {("b/c", "c"), ("out", "out")}
    assert report.initialised == [] and report.skipped == []
    target.load_state_dict(state)
    mine = dict(target.named_parameters())
    (key,) = [k for k in mine if k.endswith("weight") and mine[k].dim() == 4]
    assert torch.equal(mine[key], source.state_dict()["c.conv.weight"])
