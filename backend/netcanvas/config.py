"""One settings object, read once: environment prefix NETCANVAS_ (design.md, Settings)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NETCANVAS_")

    data_dir: Path = REPO_ROOT / "models_store"
    database_url: str | None = None  # default: SQLite in data_dir
    host: str = "127.0.0.1"
    port: int = 8000
    max_concurrent_runs: int = Field(2, ge=1)
    # Workers started ahead of time, torch already imported, so a run's first batch comes in well under
    # a second instead of after ~4 s of spawn and imports (training/runner.py); None: one per
    # concurrent run; 0: none (each worker spawned when its run starts).
    warm_workers: int | None = Field(None, ge=0, le=64)
    max_upload_mb: int = Field(200, ge=1)
    # Where runs train (docs/deploy.md): "local" — a process per run on this machine; "ray" — a Ray actor
    # per run on the cluster at ray_address (an existing one, "host:port" or "ray://host:10001"; "local"
    # starts one in this process; None: Ray's default, RAY_ADDRESS or a new local one).
    executor: Literal["local", "ray"] = "local"
    ray_address: str | None = Field(None, min_length=1)
    frontend_dist: Path = REPO_ROOT / "frontend" / "dist"
    # Who may use the API (README, docs/security.md): "token" — one user; a random token printed at
    # start-up as a ready-to-click URL (NETCANVAS_TOKEN fixes it), required on every request (a cookie
    # after the first visit); "users" — accounts with passwords, each graph, run and data set owned;
    # "none" — anyone who reaches the port, refused unless the server binds a loopback address.
    auth: Literal["token", "users", "none"] = "token"
    token: str | None = Field(None, min_length=16)
    # Host names the server is served under, besides localhost, 127.0.0.1, ::1 and `host` (DNS
    # rebinding: a request naming another Host is refused); "*" allows any.
    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)  # "a.example, b.example" or JSON
    # Budgets checked before anything is allocated (validate, POST /api/runs, imports):
    max_model_mb: int = Field(4096, ge=1)  # weights + gradients + optimizer state
    max_activation_mb: int = Field(8192, ge=1)  # layer outputs of one training batch
    # The address-space limit of a training worker (a misjudged run fails alone); None: none set.
    worker_memory_mb: int | None = Field(None, ge=256)
    # Several API servers on one database (docs/deploy.md): each names itself (default: the host
    # name) and beats a heartbeat; a run ends `interrupted` only when the server running it is gone.
    replica_id: str | None = Field(None, min_length=1, max_length=90, pattern=r"^[A-Za-z0-9_.:-]+$")
    replica_heartbeat_s: float = Field(10.0, gt=0, le=3600)

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = v.strip()
            return json.loads(v) if v.startswith("[") else [h.strip() for h in v.split(",") if h.strip()]
        return v

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'netcanvas.db'}"

    @property
    def runs_dir(self) -> Path:
        return self.data_dir / "runs"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"


@lru_cache
def get_settings() -> Settings:
    return Settings()
