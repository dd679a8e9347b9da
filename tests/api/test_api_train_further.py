"""Train further: a run can start from another run's model (trained here or imported)."""

from __future__ import annotations

from api_factories import make_client, mlp_graph, run_request, wait_status

REAL_TRAINER = "netcanvas.training.engine:run_training"


def test_a_run_starts_from_another_runs_weights(settings):
    with make_client(settings, trainer=REAL_TRAINER) as client:
        first = client.post("/api/runs", json=run_request(epochs=3, seed=1, optimizer={"type": "adam", "learning_rate": 0.01})).json()
        first = wait_status(client, first["id"], {"succeeded", "failed"}, timeout=120)
        assert first["status"] == "succeeded", first["error"]
        trained_accuracy = first["test_metrics"]["accuracy"]
        assert trained_accuracy > 0.5

        # No graph given: the source run's graph. A vanishing learning rate keeps the weights, so the
        # test accuracy stays where the first run left it — far above the ~0.1 of fresh weights.
        body = {"init_from_run": first["id"], "dataset": "digits", "epochs": 1, "device": "cpu",
                "optimizer": {"type": "sgd", "learning_rate": 1e-12}}
        further = client.post("/api/runs", json=body)
        assert further.status_code == 201, further.text
        further = wait_status(client, further.json()["id"], {"succeeded", "failed"}, timeout=120)
        assert further["status"] == "succeeded", further["error"]
        assert further["request"]["init_from_run"] == first["id"]
        assert abs(further["test_metrics"]["accuracy"] - trained_accuracy) < 1e-6


def test_starting_weights_that_do_not_fit_are_422_naming_the_layer(settings):
    with make_client(settings, trainer=REAL_TRAINER) as client:
        run = client.post("/api/runs", json=run_request(epochs=1)).json()
        wait_status(client, run["id"], {"succeeded"}, timeout=120)
        wider = run_request(mlp_graph(hidden=32), init_from_run=run["id"])
        r = client.post("/api/runs", json=wider)
        assert r.status_code == 422
        assert "'h'" in r.json()["detail"] and "'out'" in r.json()["detail"]

        r = client.post("/api/runs", json=run_request(init_from_run="no-such-run"))
        assert r.status_code == 422 and "no-such-run" in r.json()["detail"]

        r = client.post("/api/runs", json={"dataset": "digits"})
        assert r.status_code == 422 and "init_from_run" in r.text
