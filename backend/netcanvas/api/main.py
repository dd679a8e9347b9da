"""The app factory: `create_app(settings)` wires the database, the event hub and the executor."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from .. import __version__
from ..config import Settings, get_settings
from ..data.registry import DatasetRegistry
from ..run_states import FINAL, STATUSES
from ..store import replicas, repo
from ..store.db import Database
from ..sweeps.scheduler import SweepScheduler
from ..training.events import event_schemas
from ..training.runner import Executor, LocalExecutor
from .auth.setup import install as install_auth
from .hub import EventHub
from .models_cache import BundleCache
from .openapi_answers import document_answers
from .origin import install_origin_checks
from .routes import (
    artifacts,
    datasets,
    forecast,
    generate,
    graphs,
    history,
    layers,
    models,
    runs,
    stream,
    surgery,
    sweeps,
    templates,
    vectors,
    weights,
)
from .static import mount_frontend

log = logging.getLogger("netcanvas.api")


def operation_id(route: APIRoute) -> str:
    """"{tag}-{name}", so a generated TypeScript client reads RunsService.getRun."""
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def create_app(settings: Settings | None = None, executor: Executor | None = None) -> FastAPI:
    """A new app. The database is migrated now; the hub and executor start with the app's lifespan.

    `executor` replaces the default LocalExecutor (tests, or a distributed executor).
    """
    settings = settings or get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.db_url)
    stale_after = timedelta(seconds=3 * settings.replica_heartbeat_s)
    with db.session() as s:
        replica = replicas.claim(s, settings.replica_id or replicas.default_replica_id(), stale_after)
        # this server's predecessor's runs, and those of servers that died, but never a live one's
        others = replicas.live(s, stale_after) - {replica}
        interrupted = repo.interrupt_unfinished_runs(s, spare=others)
        stale_sweeps = repo.cancel_unfinished_sweeps(
            s, "the server restarted while this sweep ran; its unfinished trials were interrupted", spare=others)
    if stale_sweeps:
        log.warning("marked %d sweep(s) a previous server left unfinished as cancelled", len(stale_sweeps))
    if interrupted:
        log.warning("marked %d run(s) a previous server left unfinished as interrupted", len(interrupted))
    warm = settings.max_concurrent_runs if settings.warm_workers is None else settings.warm_workers
    if executor is None and settings.executor == "ray":
        from ..training.ray_executor import RayExecutor  # ray is an optional extra: imported when chosen

        executor = RayExecutor(settings.ray_address, memory_mb=settings.worker_memory_mb)
    executor = executor or LocalExecutor(settings.max_concurrent_runs, memory_mb=settings.worker_memory_mb, warm=warm)
    # a run whose events the database refuses is failed by the hub, and its worker stopped (api/hub.py)
    hub = EventHub(db, on_give_up=lambda run_id, reason: executor.cancel(run_id, reason))
    datasets_registry = DatasetRegistry(settings)  # data sets on disk are looked up under its data_dir
    sweeps_scheduler = SweepScheduler(db, hub, executor, settings, datasets_registry, replica)  # sweeps/scheduler.py

    def keep_alive() -> None:
        """Heartbeat, and end the runs of replicas that stopped beating (they died without restart)."""
        with db.session() as s:
            replicas.beat(s, replica)
            orphans = repo.interrupt_unfinished_runs(
                s, "the server running it stopped (its replica heartbeat was lost)",
                spare=replicas.live(s, stale_after) | {replica}, unowned=False,
            )
        if orphans:
            log.warning("marked %d run(s) of a stopped replica as interrupted", len(orphans))

    async def heartbeat() -> None:
        while True:
            await asyncio.sleep(settings.replica_heartbeat_s)
            try:
                await asyncio.to_thread(keep_alive)
            except Exception:  # a database hiccup must not end the loop; the next beat retries
                log.exception("replica heartbeat failed")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await hub.start()
        executor.start(hub.publish)
        await sweeps_scheduler.start()
        beating = asyncio.create_task(heartbeat())
        # torch, pydantic and the layer registry leave ~10^6 long-lived objects; frozen, the cyclic
        # collector stops re-walking them, which took validation of a 1000-node graph from ~45 ms
        # to ~170 ms whenever a full collection fell inside a request (bench/validate_speed.py).
        gc.freeze()
        try:
            yield
        finally:
            beating.cancel()
            await sweeps_scheduler.stop()
            await asyncio.to_thread(executor.shutdown)
            await hub.stop()
            with db.session() as s:
                replicas.release(s, replica)
            db.dispose()

    app = FastAPI(
        title="netcanvas",
        version=__version__,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        generate_unique_id_function=operation_id,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.replica = replica
    app.state.hub = hub
    app.state.executor = executor
    app.state.bundles = BundleCache()
    app.state.datasets = datasets_registry
    app.state.sweeps = sweeps_scheduler

    def openapi() -> dict[str, Any]:
        """FastAPI's document plus the stream's event types (a websocket has no OpenAPI route), so
        the front end's RunEvent is generated with the rest (frontend/scripts/gen-api.mjs)."""
        if app.openapi_schema is None:
            schema = FastAPI.openapi(app)
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(event_schemas())
            components["FinalRunStatus"] = {
                "type": "string", "enum": [s for s in STATUSES if s in FINAL], "title": "FinalRunStatus",
                "description": "A run status that never changes again (run_states.FINAL).",
            }
            document_answers(schema, app.routes)  # the 4xx answers each route really sends (issue 12)
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return JSONResponse({"detail": "Internal error; the server log has the details."}, status_code=500)

    @app.get("/api/health", tags=["health"])
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    install_auth(app, settings, db)  # NETCANVAS_AUTH: the middleware, /api/auth/*, /api/users
    for module in (layers, graphs, runs, stream, artifacts, datasets, models, surgery, weights, templates,
                   generate, vectors, forecast, history, sweeps):
        app.include_router(module.router)
    mount_frontend(app, settings.frontend_dist)
    install_origin_checks(app, settings)  # keep last: the last middleware added runs first
    return app
