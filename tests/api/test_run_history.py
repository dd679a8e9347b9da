"""GET /api/runs/{id}/history: CSV as Keras's CSVLogger, JSON with batches and wall time."""

from __future__ import annotations

from api_factories import mlp_graph, run_request
from auth_helpers import client_for, settings_for

from netcanvas.store import repo
from netcanvas.training.events import BatchEvent, EpochEvent


def test_history_csv_and_json(tmp_path):
    with client_for(settings_for(tmp_path, "none")) as c:
        run_id = c.post("/api/runs", json=run_request(mlp_graph("my net/1"))).json()["id"]
        events = []
        for epoch in (1, 2):
            for step in (1, 2):
                events.append(BatchEvent(epoch=epoch, step=step, steps=2, seen=8 * step,
                                         metrics={"loss": 1.0 / step}, t=epoch + step / 10))
            events.append(EpochEvent(epoch=epoch, epochs=2, metrics={"val_loss": 2.0 / epoch, "loss": 1.0 / epoch,
                                                                      "accuracy": float("nan")}, t=epoch + 0.5))
        with c.app.state.db.session() as s:
            repo.apply_events(s, [repo.StoredEvent(run_id, 100 + i, e) for i, e in enumerate(events)])
        r = c.get(f"/api/runs/{run_id}/history")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert 'filename="my_net_1_digits-history.csv"' in r.headers["content-disposition"]
        # CSVLogger: epoch from 0, keys sorted
        assert r.text.splitlines() == ["epoch,accuracy,loss,val_loss", "0,nan,1.0,2.0", "1,nan,0.5,1.0"]
        body = c.get(f"/api/runs/{run_id}/history", params={"format": "json"}).json()
        assert [e["epoch"] for e in body["epochs"]] == [1, 2] and body["epochs"][0]["t"] == 1.5
        ts = [b["t"] for b in body["batches"]]
        assert len(ts) == 4 and ts == sorted(ts) and ts[0] < ts[-1]
        assert body["batches"][1] == {"epoch": 1, "step": 2, "steps": 2, "metrics": {"loss": 0.5}, "t": 1.2}
        assert c.get(f"/api/runs/{run_id}/history", params={"format": "xml"}).status_code == 422
