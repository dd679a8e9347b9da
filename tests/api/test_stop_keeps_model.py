"""Stop keeps the model: a run cancelled after two epochs ends `cancelled` with model.pt holding a
completed epoch's weights, and predict, downloads and Train further work as for a finished run."""

from __future__ import annotations

import time

from api_factories import make_client, run_request, wait_status

REAL_TRAINER = "netcanvas.training.engine:run_training"


def test_stopping_at_epoch_two_keeps_a_model_that_predicts_and_downloads(settings) -> None:
    with make_client(settings, trainer=REAL_TRAINER) as client:
        r = client.post("/api/runs", json=run_request(epochs=200, batch_size=16))
        assert r.status_code == 201, r.text
        run_id = r.json()["id"]
        end = time.monotonic() + 120
        while time.monotonic() < end and len(client.get(f"/api/runs/{run_id}").json()["epochs"]) < 2:
            time.sleep(0.05)
        assert client.post(f"/api/runs/{run_id}/cancel").status_code == 202
        run = wait_status(client, run_id, {"cancelled", "failed", "succeeded"}, timeout=60)
        assert run["status"] == "cancelled", run["error"]
        assert "model.pt" in run["artifacts"]
        with client.websocket_connect(f"/api/runs/{run_id}/stream") as ws:  # the history, replayed
            events = []
            while not events or events[-1].get("type") != "status" or events[-1]["status"] != "cancelled":
                events.append(ws.receive_json())
        (result,) = [e for e in events if e["type"] == "result"]
        assert result["kept_epoch"] is not None and 2 <= result["kept_epoch"] <= len(run["epochs"])
        assert any("kept the weights of epoch" in e.get("message", "") for e in events if e["type"] == "log")

        sample = [[[[0.5] * 8 for _ in range(8)]]]
        r = client.post(f"/api/runs/{run_id}/predict", json={"inputs": sample})
        assert r.status_code == 200, r.text
        assert abs(sum(r.json()["outputs"][0]) - 1.0) < 1e-5  # probabilities of the 10 digits
        r = client.get(f"/api/runs/{run_id}/artifacts/model.h5")
        assert r.status_code == 200 and r.content[:8] == b"\x89HDF\r\n\x1a\n"
        further = client.post("/api/runs", json={"init_from_run": run_id, "dataset": "digits", "epochs": 1,
                                                 "device": "cpu"})
        assert further.status_code == 201, further.text
        again = wait_status(client, further.json()["id"], {"succeeded", "failed"}, timeout=120)
        assert again["status"] == "succeeded", again["error"]
