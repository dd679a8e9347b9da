"""Forecast over the test period (docs/api.md, Runs): GET /api/runs/{id}/forecast.

For a run trained on a time series (data/series.py): the model's forecasts of the test windows
and the actual values, in original units (the data set's scaling inverted), beside the naive
forecast every model must beat — the last observed value of the target, repeated over the horizon.
Metrics cover every test window and horizon step; the arrays show the first step (`step_shown`),
thinned to at most MAX_POINTS points (`every`) for the plot.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from ...data import dates, series, uploads
from ...data.base import Dataset, DatasetInfo
from ...data.errors import DataError
from ...data.registry import DatasetNotFound
from ...training.bundle import Bundle
from ...training.bundle import predict as run_predict
from ..deps import DatasetsDep, RunDep, SettingsDep
from ..schemas import Message
from .runs import _model_path

router = APIRouter(prefix="/api", tags=["runs"])

MAX_POINTS = 5000


class ForecastResponse(BaseModel):
    target: str  # the forecast column
    horizon: int
    step_shown: int = 1  # the forecast step the arrays show (1 = the next row)
    dates: list[str] | None  # date of each shown target (None: the series has no date column)
    steps: list[int]  # row of each shown target in the series, in time order (0 = first row)
    actual: list[float]
    predicted: list[float]
    naive: list[float]  # the last observed target value of each window
    every: int = 1  # the arrays keep every n-th test window
    windows: int  # test windows the metrics cover
    mse: float
    mae: float
    naive_mse: float
    naive_mae: float


def forecast_of(bundle: Bundle, info: DatasetInfo, data: Dataset, folder: Path | None) -> ForecastResponse:
    """The forecast table of a loaded model on its series' test split (ValueError: 422)."""
    meta = info.extra["series"]
    horizon = int(meta["horizon"])
    test = data.test
    if len(test) == 0:
        raise ValueError(f"Data set '{info.id}' has no test period; upload it again with test_split above 0.")
    out = np.asarray(run_predict(bundle, np.array(test.x)))  # a copy: memory-mapped splits are read-only
    if out.size != len(test) * horizon:
        raise ValueError(f"The model gives {out.size // max(len(test), 1)} value(s) per window but data set "
                         f"'{info.id}' forecasts horizon {horizon}: end the graph with Dense({horizon}).")
    predicted = series.inverse_targets(info, out.reshape(len(test), horizon))
    target, row_dates = series.raw_series(info, folder)
    a, b = meta["splits"]["test"]["windows"]
    first = int(meta["window"]) + np.arange(a, b) * int(meta["stride"])  # row of each window's first target
    actual = target[first[:, None] + np.arange(horizon)]
    naive = np.repeat(target[first - 1][:, None], horizon, axis=1)
    every = max(1, math.ceil(len(first) / MAX_POINTS))
    shown = slice(None, None, every)
    return ForecastResponse(
        target=meta["target"], horizon=horizon,
        dates=dates.as_strings(row_dates[first[shown]]) if row_dates is not None else None,
        steps=first[shown].tolist(), actual=actual[shown, 0].tolist(), predicted=predicted[shown, 0].tolist(),
        naive=naive[shown, 0].tolist(), every=every, windows=len(first),
        mse=float(np.mean((predicted - actual) ** 2)), mae=float(np.mean(np.abs(predicted - actual))),
        naive_mse=float(np.mean((naive - actual) ** 2)), naive_mae=float(np.mean(np.abs(naive - actual))),
    )


@router.get("/runs/{run_id}/forecast", responses={409: {"model": Message}, 422: {"model": Message}})
async def forecast(row: RunDep, settings: SettingsDep, datasets: DatasetsDep, request: Request) -> ForecastResponse:
    """Predicted against actual over the test period of the run's time series, in original units,
    with the naive last-value forecast and the metrics of both."""
    try:
        info = await run_in_threadpool(datasets.info, row.dataset)
    except DatasetNotFound:
        raise HTTPException(422, f"Run '{row.id}' was trained on data set '{row.dataset}', which no longer "
                            "exists; the forecast needs its test period.") from None
    if info.extra.get("task") != series.TASK or "series" not in info.extra:
        raise HTTPException(422, f"Run '{row.id}' was trained on data set '{row.dataset}', which is not a time "
                            "series: a forecast needs a run on a series (upload a CSV with kind=series, or "
                            f"train on '{series.SEASONAL_ID}').")
    path = _model_path(row, settings.runs_dir)
    try:
        bundle = await run_in_threadpool(request.app.state.bundles.get, path)
    except Exception as err:  # noqa: BLE001  (a foreign or damaged file: say so, not 500)
        raise HTTPException(409, f"The model of run '{row.id}' could not be loaded: {err}") from None
    folder = uploads.folder(settings, row.dataset) if uploads.is_upload_id(row.dataset) else None
    try:
        data = await run_in_threadpool(datasets.load, row.dataset)
        return await run_in_threadpool(forecast_of, bundle, info, data, folder)
    except DataError as err:
        raise HTTPException(err.status, err.message) from None
    except DatasetNotFound as err:
        raise HTTPException(422, str(err)) from None
    except ValueError as err:
        raise HTTPException(422, str(err)) from None
