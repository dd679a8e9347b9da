"""Sweeps through the real executor and workers with the fake trainer (no torch): every trial is an
ordinary run, at most `parallelism` of them at once, ASHA stops the poor ones (docs/sweeps.md)."""

from __future__ import annotations

import math
import time
from datetime import datetime

import pytest
from api_factories import make_client, mlp_graph, run_request

from netcanvas.store import repo
from netcanvas.store.db import Database
from netcanvas.sweeps.asha import Asha

FINAL_SWEEP = {"finished", "cancelled"}


@pytest.fixture
def fake(settings):
    with make_client(settings, grace_s=1.0, max_concurrent=4) as c:
        yield c


def sweep_body(mode: str = "sweep", space: dict | None = None, epochs: int = 2, **kw) -> dict:
    body = {"name": "lr", "base": run_request(mlp_graph(name=mode), epochs=epochs),
            "space": space or {"optimizer.learning_rate": {"type": "choice", "values": [0.001, 0.01]}},
            "algorithm": "grid", "parallelism": 2}
    body.update(kw)
    return body


def create(client, body: dict) -> dict:
    r = client.post("/api/sweeps", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def wait_sweep(client, sweep_id: str, until=lambda s: s["status"] in FINAL_SWEEP, timeout: float = 60,
               headers: dict | None = None) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        sweep = client.get(f"/api/sweeps/{sweep_id}", headers=headers).json()
        if until(sweep):
            return sweep
        time.sleep(0.1)
    raise AssertionError(f"sweep {sweep_id} never got there: {sweep}")


def refused(client, body: dict) -> str:
    r = client.post("/api/sweeps", json=body)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    return detail["message"] if isinstance(detail, dict) else str(detail)


def at(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


def test_grid_of_two_by_two_runs_four_trials_two_at_a_time_and_marks_the_best(fake):
    space = {"optimizer.learning_rate": {"type": "choice", "values": [0.01, 0.001]},
             "batch_size": {"type": "choice", "values": [16, 32]}}
    made = create(fake, sweep_body(space=space, epochs=3))
    assert made["status"] in ("queued", "running") and made["planned"] == 4
    assert [t["params"] for t in made["trials"]] == [
        {"optimizer.learning_rate": 0.01, "batch_size": 16}, {"optimizer.learning_rate": 0.01, "batch_size": 32},
        {"optimizer.learning_rate": 0.001, "batch_size": 16}, {"optimizer.learning_rate": 0.001, "batch_size": 32}]
    sweep = wait_sweep(fake, made["id"])
    assert sweep["status"] == "finished" and sweep["finished_at"] and sweep["counts"] == {"succeeded": 4}

    runs = [fake.get(f"/api/runs/{t['run_id']}").json() for t in sweep["trials"]]
    assert [r["name"] for r in runs] == [f"lr · trial {k}" for k in (1, 2, 3, 4)]
    for trial, run in zip(sweep["trials"], runs, strict=True):  # each run trained the values it was given
        assert run["request"]["optimizer"]["learning_rate"] == trial["params"]["optimizer.learning_rate"]
        assert run["request"]["batch_size"] == trial["params"]["batch_size"]
        assert trial["status"] == run["status"] == "succeeded"
        assert trial["objective"] == pytest.approx(trial["params"]["optimizer.learning_rate"] * 100 + 1 / 3)
    assert fake.get("/api/runs").json()["count"] == 4

    # parallelism 2 (the executor allows 4): a trial exists (queued or running) from its creation to its end
    edges = sorted([(at(r["created_at"]), 1) for r in runs] + [(at(r["finished_at"]), -1) for r in runs],
                   key=lambda e: (e[0], e[1]))
    active, most = 0, 0
    for _, step in edges:
        active += step
        most = max(most, active)
    assert most == 2

    best = [t for t in sweep["trials"] if t["best"]]
    assert len(best) == 1 and best[0]["params"]["optimizer.learning_rate"] == 0.001
    assert sweep["best_run_id"] == best[0]["run_id"]
    assert sweep["best_objective"] == pytest.approx(0.1 + 1 / 3)
    listed = fake.get("/api/sweeps").json()
    assert listed["count"] == 1 and listed["data"][0]["id"] == made["id"] and "trials" not in listed["data"][0]


def test_random_search_draws_log_uniform_rates_in_bounds_reproducibly(fake):
    space = {"optimizer.learning_rate": {"type": "log_uniform", "low": 1e-4, "high": 1e-1},
             "batch_size": {"type": "int_uniform", "low": 8, "high": 64}}
    body = sweep_body("fast", space=space, algorithm="random", max_trials=12, parallelism=4, seed=7, epochs=1)
    made = create(fake, body)
    rates = [t["params"]["optimizer.learning_rate"] for t in made["trials"]]
    sizes = [t["params"]["batch_size"] for t in made["trials"]]
    assert len(rates) == 12 and all(1e-4 <= r <= 1e-1 for r in rates)
    assert all(isinstance(b, int) and 8 <= b <= 64 for b in sizes)
    logs = sorted(math.log10(r) for r in rates)  # log-uniform: spread over the decades, not bunched at the top
    assert logs[0] < -3 and logs[-1] > -2
    sweep = wait_sweep(fake, made["id"])
    assert sweep["status"] == "finished" and sweep["counts"] == {"succeeded": 12}
    for trial in sweep["trials"]:
        run = fake.get(f"/api/runs/{trial['run_id']}").json()
        assert run["request"]["optimizer"]["learning_rate"] == trial["params"]["optimizer.learning_rate"]

    again = create(fake, body)  # the same seed: the same trials
    assert [t["params"] for t in again["trials"]] == [t["params"] for t in made["trials"]]
    other = create(fake, {**body, "seed": 8})
    assert [t["params"] for t in other["trials"]] != [t["params"] for t in made["trials"]]
    for s in (again, other):
        assert fake.post(f"/api/sweeps/{s['id']}/cancel").status_code == 200


def test_a_node_param_path_changes_each_trials_graph(fake):
    made = create(fake, sweep_body("fast", space={"h.units": {"type": "choice", "values": [8, 24]}}, epochs=1))
    sweep = wait_sweep(fake, made["id"])
    assert sweep["status"] == "finished"
    graphs = [fake.get(f"/api/runs/{t['run_id']}").json()["graph"] for t in sweep["trials"]]
    units = [next(n for n in g["nodes"] if n["id"] == "h")["params"] for g in graphs]
    assert units == [{"units": 8, "activation": "relu"}, {"units": 24, "activation": "relu"}]
    assert all(next(n for n in g["nodes"] if n["id"] == "out")["params"]["units"] == 10 for g in graphs)


def test_bad_paths_values_and_grids_are_refused_naming_them(fake):
    msg = refused(fake, sweep_body(space={"nope.units": {"type": "choice", "values": [1]}}))
    assert "'nope.units'" in msg and "nodes: in, flat, h, out" in msg
    msg = refused(fake, sweep_body(space={"h.unit": {"type": "choice", "values": [1]}}))
    assert "'h.unit'" in msg and "no param 'unit'" in msg
    msg = refused(fake, sweep_body(space={"optimizer.learning_rat": {"type": "choice", "values": [0.1]}}))
    assert "'optimizer.learning_rat'" in msg
    msg = refused(fake, sweep_body(space={"optimizer.learning_rate": {"type": "log_uniform", "low": 1e-4, "high": 1e-1}}))
    assert "'optimizer.learning_rate'" in msg and "choice dimensions only" in msg
    msg = refused(fake, sweep_body(space={"h.units": {"type": "choice", "values": [8, 0]}}))
    assert msg.startswith("trial 2 (h.units=0)") and "'h'" in msg
    msg = refused(fake, sweep_body(space={"batch_size": {"type": "choice", "values": [0]}}))
    assert "'batch_size'" in msg and "greater than or equal to 1" in msg
    msg = refused(fake, sweep_body(space={"optimizer.type": {"type": "choice", "values": ["adam", "lion"]}}))
    assert "trial 2" in msg and "'optimizer.type'" in msg
    msg = refused(fake, sweep_body(space={"epochs": {"type": "int_uniform", "low": 1, "high": 3}}, algorithm="random",
                                   base=run_request(mlp_graph(name="sweep"), dataset="no-such-set")))
    assert "no-such-set" in msg
    r = fake.post("/api/sweeps", json=sweep_body(
        space={"optimizer.learning_rate": {"type": "log_uniform", "low": 0, "high": 1}}, algorithm="random"))
    assert r.status_code == 422 and "low > 0" in r.text
    assert fake.get("/api/runs").json()["count"] == 0 and fake.get("/api/sweeps").json()["count"] == 0


def test_cancel_stops_the_running_trial_and_starts_no_more_then_delete_removes_all(fake):
    space = {"h.units": {"type": "choice", "values": [8, 16, 32]}}
    made = create(fake, sweep_body("slow", space=space, parallelism=1))
    wait_sweep(fake, made["id"], until=lambda s: s["trials"][0]["status"] == "running")
    r = fake.post(f"/api/sweeps/{made['id']}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled" and r.json()["reason"] == "cancelled by the user"
    sweep = wait_sweep(fake, made["id"], until=lambda s: s["trials"][0]["status"] == "cancelled")
    assert sweep["trials"][0]["error"] == "the sweep was cancelled"
    assert [t["status"] for t in sweep["trials"][1:]] == ["not_started", "not_started"]
    time.sleep(0.6)  # a few scheduler ticks: nothing more starts
    assert fake.get("/api/runs").json()["count"] == 1
    assert fake.post(f"/api/sweeps/{made['id']}/cancel").status_code == 409

    assert fake.delete(f"/api/sweeps/{made['id']}").status_code == 204
    assert fake.get(f"/api/sweeps/{made['id']}").status_code == 404
    assert fake.get("/api/runs").json()["count"] == 0


def test_asha_stops_a_poor_trial_at_its_first_rung(fake):
    space = {"optimizer.learning_rate": {"type": "choice", "values": [0.001, 0.05]}}
    body = sweep_body(space=space, parallelism=1, epochs=4, early_termination={
        "type": "asha", "grace_epochs": 1, "reduction_factor": 2})
    sweep = wait_sweep(fake, create(fake, body)["id"])
    good, poor = sweep["trials"]
    assert good["status"] == "succeeded" and good["best"] and good["note"] is None
    assert poor["status"] == "cancelled" and poor["note"] == poor["error"] == "stopped early by ASHA at epoch 1"
    epochs = fake.get(f"/api/runs/{poor['run_id']}").json()["epochs"]
    assert 1 <= len(epochs) < 4
    assert sweep["status"] == "finished" and sweep["best_run_id"] == good["run_id"]


def test_a_sweep_left_running_by_a_restart_is_cancelled_saying_so(settings):
    with make_client(settings) as c:
        made = create(c, sweep_body("slow", parallelism=1))
    db = Database(settings.db_url)
    with db.session() as s:  # as if the server had died: its scheduler never ended the sweep
        row = repo.get_sweep(s, made["id"], None)
        row.status, row.reason, row.finished_at = "running", None, None
        s.commit()
    db.dispose()
    with make_client(settings) as again:
        sweep = again.get(f"/api/sweeps/{made['id']}").json()
    assert sweep["status"] == "cancelled" and "restarted" in sweep["reason"]


def test_another_users_sweep_is_not_found_and_their_graph_cannot_be_swept(tmp_path, monkeypatch):
    from auth_helpers import PASSWORD, client_for, settings_for

    from netcanvas.api.auth.setup import ADMIN_PASSWORD_ENV

    monkeypatch.setenv(ADMIN_PASSWORD_ENV, PASSWORD)
    with client_for(settings_for(tmp_path, "users")) as c:
        def bearer(name: str) -> dict[str, str]:
            assert c.post("/api/auth/login", json={"username": name, "password": PASSWORD}).status_code == 200
            sid = c.cookies["netcanvas_session"]
            c.cookies.clear()
            return {"Authorization": f"Bearer {sid}"}

        admin = bearer("admin")
        for name in ("ada", "bob"):
            assert c.post("/api/users", json={"name": name, "password": PASSWORD}, headers=admin).status_code == 201
        ada, bob = bearer("ada"), bearer("bob")
        graph_id = c.post("/api/graphs", json={"graph": mlp_graph("ada's")}, headers=ada).json()["id"]
        base = run_request(epochs=1)
        del base["graph"]
        body = {"base": {**base, "graph_id": graph_id}, "algorithm": "grid",
                "space": {"h.units": {"type": "choice", "values": [4, 12]}}}
        r = c.post("/api/sweeps", json=body, headers=ada)
        assert r.status_code == 201, r.text
        sweep_id = r.json()["id"]
        assert r.json()["name"] == "ada's sweep"
        sweep = wait_sweep(c, sweep_id, headers=ada)
        assert sweep["status"] == "finished" and sweep["counts"] == {"succeeded": 2}
        trial_run = c.get(f"/api/runs/{sweep['trials'][1]['run_id']}", headers=ada).json()
        assert next(n for n in trial_run["graph"]["nodes"] if n["id"] == "h")["params"]["units"] == 12

        assert c.get(f"/api/sweeps/{sweep_id}", headers=bob).status_code == 404
        assert c.get("/api/sweeps", headers=bob).json() == {"data": [], "count": 0}
        assert c.post(f"/api/sweeps/{sweep_id}/cancel", headers=bob).status_code == 404
        assert c.delete(f"/api/sweeps/{sweep_id}", headers=bob).status_code == 404
        r = c.post("/api/sweeps", json=body, headers=bob)
        assert r.status_code == 422 and f"graph_id '{graph_id}' is not a saved graph" in r.json()["detail"]["message"]
        assert c.get("/api/sweeps", headers=ada).json()["count"] == 1


def test_asha_rungs_and_the_top_fraction_that_goes_on():
    asha = Asha(grace=2, rf=3, mode="min")
    assert [e for e in range(1, 60) if asha.is_rung(e)] == [2, 6, 18, 54]
    assert asha.report("a", 2, 0.5)  # the first at a rung always goes on
    assert not asha.report("b", 2, 0.9)  # 2 recorded, top 1/3 (at least one): only the best goes on
    assert not asha.report("c", 2, None)  # not a finite number: the worst
    assert asha.report("d", 2, 0.1)  # the new best
    assert not asha.report("e", 2, 0.3)  # 5 recorded: top 1 of them goes on, 0.3 ranks second
    assert asha.report("f", 2, 0.05)
    high = Asha(grace=1, rf=2, mode="max")
    assert high.report("a", 1, 0.6) and high.report("b", 1, 0.9) and not high.report("c", 1, 0.1)
