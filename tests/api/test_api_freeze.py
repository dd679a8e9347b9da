"""Frozen nodes through the API: the validate report's per-node flag and counts, and a run with
nothing left to train refused at POST /api/runs (422 naming the layer to unfreeze)."""

from __future__ import annotations

from api_factories import mlp_graph, run_request


def frozen(graph: dict, *ids: str) -> dict:
    return {**graph, "nodes": [{**n, "trainable": False} if n["id"] in ids else n for n in graph["nodes"]]}


def test_validate_reports_each_nodes_flag_and_counts_a_frozen_node_as_non_trainable(client):
    report = client.post("/api/graphs/validate", json=frozen(mlp_graph(), "h")).json()
    h, out = report["nodes"]["h"], report["nodes"]["out"]
    assert (h["trainable"], h["params"], h["trainable_params"]) == (False, 64 * 16 + 16, 0)
    assert (out["trainable"], out["trainable_params"]) == (True, 16 * 10 + 10)
    assert (report["trainable_params"], report["non_trainable_params"]) == (170, 1040)
    # graphs saved before the flag existed read as trainable
    assert client.post("/api/graphs/validate", json=mlp_graph()).json()["nodes"]["h"]["trainable"] is True


def test_a_run_with_every_layer_frozen_is_refused_naming_the_one_to_unfreeze(client):
    r = client.post("/api/runs", json=run_request(frozen(mlp_graph(), "h", "out")))
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail["message"] == ("Every layer with weights is frozen (trainable false), so training has nothing to "
                                 "learn: unfreeze at least one layer, e.g. 'out', the last one with weights.")
    assert detail["problems"][0]["node"] == "out" and detail["problems"][0]["field"] == "trainable"
    assert client.get("/api/runs").json()["count"] == 0  # nothing was queued


def test_train_further_through_the_api_keeps_a_frozen_layer_bit_identical(settings):
    import torch
    from api_factories import make_client, wait_status

    from netcanvas.model_file import FILE_NAME
    from netcanvas.model_file import read as read_model

    def weights(run_id: str) -> dict[str, torch.Tensor]:
        return read_model(settings.runs_dir / run_id / FILE_NAME)["state_dict"]

    with make_client(settings, trainer="netcanvas.training.engine:run_training") as client:
        first = client.post("/api/runs", json=run_request(epochs=1, seed=1)).json()
        assert wait_status(client, first["id"], {"succeeded", "failed"}, timeout=120)["status"] == "succeeded"
        body = run_request(frozen(mlp_graph(), "h"), epochs=1, init_from_run=first["id"])
        further = client.post("/api/runs", json=body)
        assert further.status_code == 201, further.text
        done = wait_status(client, further.json()["id"], {"succeeded", "failed"}, timeout=120)
        assert done["status"] == "succeeded", done["error"]
        assert [n["trainable"] for n in done["graph"]["nodes"] if n["id"] == "h"] == [False]
        before, after = weights(first["id"]), weights(done["id"])
        assert torch.equal(before["h.linear.weight"], after["h.linear.weight"])
        assert torch.equal(before["h.linear.bias"], after["h.linear.bias"])
        assert not torch.equal(before["out.linear.weight"], after["out.linear.weight"])
