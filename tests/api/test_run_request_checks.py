"""POST /api/runs refuses settings the run would trip over (training/request_checks.py) with a 422."""

from __future__ import annotations

from api_factories import mlp_graph, run_request


def post(client, **kw):
    return client.post("/api/runs", json=run_request(mlp_graph(), **kw))


def test_unreported_early_stopping_monitor_is_a_422_naming_the_field(client):
    r = post(client, early_stopping={"monitor": "val_acuracy"})
    assert r.status_code == 422, r.text
    message = r.json()["detail"]["message"]
    assert message.startswith("early_stopping.monitor: 'val_acuracy' is not reported by this run")
    assert "val_accuracy" in message


def test_plateau_monitor_is_checked_and_acc_aliases_accuracy(client):
    r = post(client, schedule={"type": "reduce_on_plateau", "monitor": "val_mae"})
    assert r.status_code == 422 and "schedule.monitor" in r.json()["detail"]["message"]
    ok = post(client, epochs=1, early_stopping={"monitor": "val_acc"},
              schedule={"type": "reduce_on_plateau", "monitor": "acc"})
    assert ok.status_code == 201, ok.text


def test_class_weight_keys_must_be_classes(client):
    r = post(client, class_weight={"3": 2.0, "12": 1.0})
    assert r.status_code == 422
    assert r.json()["detail"]["message"].startswith("class_weight: '12' is not a class of data set 'digits'")


def test_val_acc_monitor_fits_a_run_reporting_acc(client):
    r = post(client, epochs=1, metrics=["acc"], early_stopping={"monitor": "val_acc"})
    assert r.status_code == 201, r.text
