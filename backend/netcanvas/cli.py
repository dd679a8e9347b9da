"""`netcanvas serve` (the web app), `netcanvas train GRAPH.json` (headless, with a progress bar) and
`netcanvas users add|list|remove` (the accounts of NETCANVAS_AUTH=users, docs/security.md)."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, get_args

from pydantic import ValidationError

from .training.settings import LossName, OptimizerName


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .api.auth.setup import bind_problem
    from .api.main import create_app
    from .config import get_settings

    settings = get_settings()
    if args.no_auth:
        settings = settings.model_copy(update={"auth": "none"})
    host = args.host or settings.host
    port = args.port or settings.port
    problem = bind_problem(settings, host)
    if problem:
        return _fail(problem)
    app = create_app(settings)
    where = "PostgreSQL" if settings.db_url.startswith("postgres") else str(settings.data_dir / "netcanvas.db")
    print(f"netcanvas: {settings.auth} mode, data in {settings.data_dir}, database {where}, "
          f"{settings.max_concurrent_runs} run(s) at once", file=sys.stderr)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else (f"[{host}]" if ":" in host else host)
    url = f"http://{shown}:{port}/"
    if settings.auth == "token":
        url += f"?token={app.state.auth_token}"
        print("netcanvas: open this address to sign in (it holds the token; a cookie keeps you signed in):",
              file=sys.stderr)
    print(f"    {url}", file=sys.stderr, flush=True)
    uvicorn.run(app, host=host, port=port, log_level=args.log_level)
    return 0


def _users_db() -> Any:
    from .config import get_settings
    from .store.db import Database

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings, Database(settings.db_url)


def _password(name: str) -> str:
    given = os.environ.get("NETCANVAS_PASSWORD")
    if given is not None:
        return given
    if not sys.stdin.isatty():
        raise ValueError("no password: set NETCANVAS_PASSWORD, or run this in a terminal to be asked for one")
    import getpass

    first = getpass.getpass(f"password for {name}: ")
    if getpass.getpass("again: ") != first:
        raise ValueError("the two passwords differ; nothing was changed")
    return first


def _users(args: argparse.Namespace) -> int:
    from .api.auth import accounts

    settings, db = _users_db()
    try:
        with db.session() as s:
            if args.users_command == "list":
                rows = accounts.list_users(s)
                for row in rows:
                    print(f"{row.name}\t{'admin' if row.is_admin else 'user'}\t{row.created_at:%Y-%m-%d %H:%M}")
                if not rows:
                    print("no users yet: add one with `netcanvas users add NAME --admin`", file=sys.stderr)
            elif args.users_command == "add":
                row = accounts.create_user(s, args.name, _password(args.name), is_admin=args.admin)
                print(f"added {'admin' if row.is_admin else 'user'} {row.name}")
            else:
                accounts.remove_user(s, args.name, settings)
                print(f"removed {args.name}; their graphs, runs and uploads now belong to the oldest admin")
    except accounts.AccountError as err:
        return _fail(err.message)
    except ValueError as err:
        return _fail(str(err))
    finally:
        db.dispose()
    return 0


def _fail(message: str) -> int:
    print(f"netcanvas: error: {message}", file=sys.stderr)
    return 2


def _load_graph(path: Path) -> Any:
    from .graph.schema import Graph

    try:
        text = path.read_text()
    except OSError as err:
        raise ValueError(f"cannot read {path}: {err.strerror or err}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"{path} is not JSON: {err}") from None
    if isinstance(data, dict) and "graph" in data and "nodes" not in data:
        data = data["graph"]  # a saved GraphPublic or a run request
    try:
        return Graph.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"{path} is not a netcanvas graph: {where}: {first['msg']}") from None


def _train(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .graph.analyze import analyze
    from .training.events import BatchEvent, EpochEvent, Event, LogEvent, ResultEvent, StatusEvent
    from .training.settings import TrainSettings

    try:
        graph = _load_graph(args.graph)
    except ValueError as err:
        return _fail(str(err))
    analysis = analyze(graph)
    if not analysis.ok:
        lines = [f"  {p.node or 'graph'}{'.' + p.field if p.field else ''}: {p.message}" for p in analysis.problems]
        return _fail(f"{args.graph} has problems:\n" + "\n".join(lines))
    options: dict[str, Any] = {"dataset": args.dataset, "epochs": args.epochs, "device": args.device,
                               "seed": args.seed}
    if args.batch_size is not None:
        options["batch_size"] = args.batch_size
    if args.loss is not None:
        options["loss"] = args.loss
    optimizer: dict[str, Any] = {}
    if args.optimizer is not None:
        optimizer["type"] = args.optimizer
    if args.lr is not None:
        optimizer["learning_rate"] = args.lr
    if optimizer:
        options["optimizer"] = optimizer
    try:
        settings = TrainSettings.model_validate(options)
    except ValidationError as err:
        first = err.errors()[0]
        return _fail(f"--{'-'.join(str(p) for p in first['loc'])}: {first['msg']}")
    from .data.registry import DatasetNotFound, DatasetRegistry

    datasets = DatasetRegistry.from_environment()
    try:
        datasets.info(settings.dataset)
    except DatasetNotFound as err:
        return _fail(str(err))
    from .training.engine import run_training

    out_dir: Path = args.out or Path("runs") / (graph.name or "model")
    out_dir.mkdir(parents=True, exist_ok=True)
    stop = {"requested": False}

    def on_sigint(_sig: int, _frame: Any) -> None:
        if stop["requested"]:
            raise KeyboardInterrupt
        stop["requested"] = True
        tqdm.write("stopping after this batch (Ctrl-C again to abort)")

    signal.signal(signal.SIGINT, on_sigint)
    state: dict[str, Any] = {"bar": None, "epoch": 0, "last": {}, "test": {}}

    def close_bar() -> None:
        if state["bar"] is not None:
            state["bar"].close()
            state["bar"] = None

    def emit(event: Event) -> None:
        if isinstance(event, BatchEvent):
            bar = state["bar"]
            if bar is None or state["epoch"] != event.epoch:
                close_bar()
                bar = state["bar"] = tqdm(total=event.steps, desc=f"epoch {event.epoch}/{settings.epochs}",
                                          unit="batch", leave=False, dynamic_ncols=True)
                state["epoch"] = event.epoch
            bar.update(event.step - bar.n)
            bar.set_postfix({k: _num(v) for k, v in event.metrics.items()}, refresh=False)
        elif isinstance(event, EpochEvent):
            close_bar()
            state["last"] = event.metrics
            tqdm.write(f"epoch {event.epoch}/{event.epochs}  " + _fmt(event.metrics))
        elif isinstance(event, LogEvent):
            tqdm.write(f"[{event.level}] {event.message}")
        elif isinstance(event, ResultEvent):
            state["test"] = event.test_metrics
        elif isinstance(event, StatusEvent) and event.status == "running":
            tqdm.write(f"training {graph.name!r} on {settings.dataset} ({event.device or 'cpu'})")

    try:
        outcome = run_training(graph, settings, emit, lambda: stop["requested"], out_dir, datasets=datasets)
    except KeyboardInterrupt:
        close_bar()
        return _fail("aborted")
    except Exception as err:  # noqa: BLE001  (the trainer's message is the user's answer)
        close_bar()
        return _fail(f"training failed: {err}")
    close_bar()
    final = {**state["last"], **{f"test_{k}": v for k, v in state["test"].items()}}
    print(f"{outcome}: " + _fmt(final) + f"  → {out_dir}")
    return 0 if outcome == "succeeded" else 1


def _num(value: float | None) -> str:
    return "nan" if value is None else f"{value:.4g}"  # None: not finite (as the events carry it)


def _fmt(metrics: dict[str, float | None]) -> str:
    return "  ".join(f"{k}={_num(v)}" for k, v in metrics.items())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="netcanvas", description="Design, train and export neural networks.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="start the web app", description="Start the netcanvas web app (API + UI).")
    serve.add_argument("--host", help="interface to bind (default NETCANVAS_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default NETCANVAS_PORT or 8000)")
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.add_argument("--no-auth", action="store_true", help=(
        "no token or sign-in (NETCANVAS_AUTH=none): for scripts and tests; only with a loopback --host"))
    serve.set_defaults(func=_serve)

    users = sub.add_parser("users", help="manage accounts (NETCANVAS_AUTH=users)", description=(
        "Add, list and remove the accounts of the multi-user mode, in the database NETCANVAS_DATA_DIR / "
        "NETCANVAS_DATABASE_URL names. The password comes from NETCANVAS_PASSWORD or a prompt."))
    users_sub = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    add = users_sub.add_parser("add", help="add a user")
    add.add_argument("name")
    add.add_argument("--admin", action="store_true", help="may add and remove users")
    users_sub.add_parser("list", help="list the users")
    remove = users_sub.add_parser("remove", help="remove a user (their work passes to the oldest admin)")
    remove.add_argument("name")
    users.set_defaults(func=_users)

    train = sub.add_parser("train", help="train a graph headless", description=(
        "Train GRAPH.json (a netcanvas graph, as the canvas saves it) without the web app, with a "
        "progress bar; writes model.pt and friends to --out."))
    train.add_argument("graph", type=Path, metavar="GRAPH.json")
    train.add_argument("--dataset", default="digits", help="data set id (default digits)")
    train.add_argument("--epochs", type=int, default=5)
    train.add_argument("--batch-size", type=int)
    train.add_argument("--loss", choices=get_args(LossName))
    train.add_argument("--optimizer", choices=get_args(OptimizerName))
    train.add_argument("--lr", type=float, help="learning rate (default: the optimizer's Keras default)")
    train.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--out", type=Path, help="output folder (default runs/<graph name>)")
    train.set_defaults(func=_train)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
