"""GET /api/runs/{id}/forecast: a forecaster trained on an uploaded `date,price` CSV beats the naive
last-value forecast over the test period, in original units; refusals for other runs."""

from __future__ import annotations

import io

import numpy as np
from api_factories import make_client, mlp_graph, run_request, wait_status

REAL_TRAINER = "netcanvas.training.engine:run_training"


def prices(n: int = 600, seed: int = 0) -> tuple[bytes, np.ndarray, np.ndarray]:
    """Daily prices: a random walk and a trend under a strong weekly cycle, so yesterday's price is a
    poor forecast (naive MSE ≈ 25) that a model seeing the last 30 days can beat."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    price = np.round(100 + 0.05 * t + 8 * np.sin(2 * np.pi * t / 7) + np.cumsum(rng.normal(0, 0.3, n))
                     + rng.normal(0, 0.5, n), 3)
    day = np.datetime64("2021-01-01") + t
    text = "date,price\n" + "".join(f"{d},{p:.3f}\n" for d, p in zip(day, price))
    return text.encode(), price, day


def forecaster(window: int = 30, features: int = 1, horizon: int = 1, name: str = "lstm-forecaster") -> dict:
    """The canvas's "LSTM forecaster" template (frontend/src/graph/templates.ts)."""
    return {
        "format": "netcanvas.graph/1", "name": name,
        "nodes": [
            {"id": "input", "type": "Input", "params": {"shape": [window, features]}},
            {"id": "lstm_1", "type": "LSTM", "params": {"units": 32}},
            {"id": "dense_1", "type": "Dense", "params": {"units": horizon}},
        ],
        "edges": [{"source": "input", "target": "lstm_1"}, {"source": "lstm_1", "target": "dense_1"}],
    }


def upload(client, data: bytes, **fields: str):
    return client.post("/api/datasets", files={"file": ("prices.csv", io.BytesIO(data))},
                       data={"kind": "series", **fields})


def test_a_trained_forecaster_beats_the_naive_forecast(settings) -> None:
    data, price, day = prices()
    with make_client(settings, trainer=REAL_TRAINER) as client:
        r = upload(client, data)
        assert r.status_code == 201, r.text
        info = r.json()
        assert info["input_shape"] == [30, 1] and info["extra"]["task"] == "series"
        body = {"graph": forecaster(), "dataset": info["id"], "loss": "mean_squared_error", "epochs": 12,
                "batch_size": 32, "validation_split": 0.0, "device": "cpu", "seed": 0,
                "optimizer": {"type": "adam", "learning_rate": 0.01}}
        run = client.post("/api/runs", json=body)
        assert run.status_code == 201, run.text
        run = wait_status(client, run.json()["id"], {"succeeded", "failed"}, timeout=240)
        assert run["status"] == "succeeded", run["error"]

        r = client.get(f"/api/runs/{run['id']}/forecast")
        assert r.status_code == 200, r.text
        f = r.json()
        n_test = info["sizes"]["test"]
        assert (f["target"], f["horizon"], f["step_shown"], f["windows"], f["every"]) == ("price", 1, 1, n_test, 1)
        assert len(f["dates"]) == len(f["actual"]) == len(f["predicted"]) == len(f["naive"]) == n_test
        # original units: the actual values are the file's last prices, the naive one the day before's
        np.testing.assert_allclose(f["actual"], price[-n_test:], atol=1e-9)
        np.testing.assert_allclose(f["naive"], price[-n_test - 1:-1], atol=1e-9)
        assert f["dates"] == [str(d) for d in day[-n_test:]] and f["steps"][0] == 600 - n_test
        assert abs(np.mean(f["predicted"]) - np.mean(price[-n_test:])) < 5  # prices, not 0..1
        assert f["naive_mse"] > 15  # the weekly cycle makes yesterday's price a poor forecast
        assert f["mse"] < 0.5 * f["naive_mse"] and f["mae"] < f["naive_mae"]
        mse = np.mean((np.array(f["predicted"]) - price[-n_test:]) ** 2)
        assert f["mse"] == np.float64(mse).item() or abs(f["mse"] - mse) < 1e-6

        # evaluation and the run's log say the same in price units, not the scaled ones training reads
        r = client.post(f"/api/runs/{run['id']}/evaluate")
        assert r.status_code == 200, r.text
        units = r.json()["original_units"]
        for key in ("mse", "mae", "naive_mse", "naive_mae"):
            assert abs(units[key] - f[key]) < 1e-4 * max(1.0, f[key]), key
        assert r.json()["metrics"]["loss"] < 0.1 < units["mse"]  # scaled loss vs price² error
        with client.websocket_connect(f"/api/runs/{run['id']}/stream") as ws:  # the run's history, replayed
            logs = []
            while True:
                event = ws.receive_json()
                logs += [event["message"]] if event["type"] == "log" else []
                if event["type"] == "status" and event["status"] in ("succeeded", "failed"):
                    break
        line = next(m for m in logs if m.startswith("Test in price's units"))
        assert f"MSE {units['mse']:.4g}" in line and "(the model beats it)" in line


def test_upload_refusals_are_422_sentences(settings) -> None:
    data, _, _ = prices(336)
    with make_client(settings) as client:
        r = upload(client, data, window="500")
        assert r.status_code == 422
        assert "window 500 + horizon 1 needs at least 502 rows" in r.json()["detail"]
        assert "the series has 336" in r.json()["detail"]
        r = upload(client, data, target="close")
        assert r.status_code == 422 and "no column 'close'" in r.json()["detail"]
        r = upload(client, data, scaling="robust")
        assert r.status_code == 422 and "scaling" in r.json()["detail"]


def test_forecast_refuses_runs_that_are_not_series_or_have_no_model(settings) -> None:
    data, _, _ = prices(200)
    with make_client(settings) as client:  # the fake trainer
        digits = client.post("/api/runs", json=run_request(mlp_graph(name="fast"), epochs=1)).json()
        wait_status(client, digits["id"], {"succeeded"})
        r = client.get(f"/api/runs/{digits['id']}/forecast")
        assert r.status_code == 422 and "'digits', which is not a time series" in r.json()["detail"]

        info = upload(client, data).json()
        body = {"graph": forecaster(name="broken"), "dataset": info["id"], "epochs": 1, "device": "cpu",
                "loss": "mean_squared_error"}
        broken = client.post("/api/runs", json=body)
        assert broken.status_code == 201, broken.text
        wait_status(client, broken.json()["id"], {"failed"})
        r = client.get(f"/api/runs/{broken.json()['id']}/forecast")
        assert r.status_code == 409 and "no trained model" in r.json()["detail"]
        assert client.get("/api/runs/no-such-run/forecast").status_code == 404


def test_the_forecaster_template_trains_on_the_builtin_series(settings, tmp_path) -> None:
    """Out of the box: the template's graph on series_seasonal (in-process, the real engine)."""
    from netcanvas.api.routes.forecast import forecast_of
    from netcanvas.data.registry import DatasetRegistry
    from netcanvas.graph.schema import Graph
    from netcanvas.training.bundle import load_bundle
    from netcanvas.training.engine import run_training
    from netcanvas.training.settings import TrainSettings

    datasets = DatasetRegistry(settings)
    train = TrainSettings(dataset="series_seasonal", loss="mean_squared_error", epochs=10, batch_size=32,
                          device="cpu", seed=0, optimizer={"type": "adam", "learning_rate": 0.01})
    status = run_training(Graph.model_validate(forecaster()), train, lambda _: None, lambda: False, tmp_path,
                          datasets=datasets)
    assert status == "succeeded"
    f = forecast_of(load_bundle(tmp_path / "model.pt"), datasets.info("series_seasonal"),
                    datasets.load("series_seasonal"), None)
    assert f.windows == 394 and f.dates is not None and f.dates[0] == "2023-05-26"
    assert f.mse < 0.5 * f.naive_mse


def test_forecast_over_a_horizon_scores_every_step(settings, tmp_path) -> None:
    from netcanvas.api.routes.forecast import forecast_of
    from netcanvas.data import uploads
    from netcanvas.data.options import parse_options
    from netcanvas.data.registry import DatasetRegistry
    from netcanvas.graph.schema import Graph
    from netcanvas.training.bundle import load_bundle
    from netcanvas.training.engine import run_training
    from netcanvas.training.settings import TrainSettings

    data, price, day = prices(300)
    src = tmp_path / "p.csv"
    src.write_bytes(data)
    info = uploads.create_from_file(settings, src, "p.csv", parse_options(
        {"kind": "series", "window": "20", "horizon": "3", "test_split": "0.25"}))
    datasets = DatasetRegistry(settings)
    train = TrainSettings(dataset=info.id, loss="mean_squared_error", epochs=1, device="cpu", seed=0)
    graph = Graph.model_validate(forecaster(window=20, horizon=3))
    status = run_training(graph, train, lambda _: None, lambda: False, tmp_path / "run", datasets=datasets)
    assert status == "succeeded"
    f = forecast_of(load_bundle(tmp_path / "run" / "model.pt"), datasets.info(info.id), datasets.load(info.id),
                    uploads.folder(settings, info.id))
    n = info.sizes.test
    assert (f.horizon, f.windows, len(f.actual)) == (3, n, n)
    first = np.array(f.steps)  # the row of each window's first target; the last window ends the file
    assert first[-1] + 2 == 299 and f.dates == [str(d) for d in day[first]]
    actual = price[first[:, None] + np.arange(3)]
    naive = price[first - 1][:, None]
    assert f.naive_mse == np.mean((naive - actual) ** 2)  # every step of every window, in prices
    np.testing.assert_allclose(f.actual, actual[:, 0])
