"""Time to first batch: POST /api/runs → first batch event, and → final status, for a 1-epoch digits
MLP, against a plain `python train.py` doing the same (import torch, load digits, train one epoch).

Three sides, alternating round by round in one process so they share the machine's noise:
- warm: the real app (FastAPI TestClient, lifespan run) with a warm worker pool (the default);
- cold: the same app with NETCANVAS_WARM_WORKERS=0 (a worker spawned per run, as before);
- plain: `python train.py` as a subprocess: the time from launching it to its first batch / its end.
Times are read from the run's websocket stream as a browser watching the run sees them. Each round
waits for the warm pool to be ready again (its worker alive and idle: imports done), as a server
between runs is; runs launched back to back faster than a worker imports torch get a worker still
importing (still ahead of a cold spawn).

    .venv/bin/python bench/warm_start.py              # 5 rounds per side
    .venv/bin/python bench/warm_start.py --rounds 10

Target: warm POST → first batch under 1 s on the project's 2-core machines.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from fastapi.testclient import TestClient

from netcanvas.api.main import create_app
from netcanvas.config import Settings

GRAPH = {
    "name": "mlp",
    "nodes": [
        {"id": "in", "type": "Input", "params": {"shape": [1, 8, 8]}},
        {"id": "f", "type": "Flatten", "params": {}},
        {"id": "h", "type": "Dense", "params": {"units": 32, "activation": "relu"}},
        {"id": "out", "type": "Dense", "params": {"units": 10, "activation": "softmax"}},
    ],
    "edges": [{"source": "in", "target": "f"}, {"source": "f", "target": "h"}, {"source": "h", "target": "out"}],
}
BODY = {"graph": GRAPH, "dataset": "digits", "epochs": 1, "batch_size": 32, "device": "cpu"}

PLAIN = textwrap.dedent('''
    import sys, time
    import torch
    from torch import nn
    from sklearn.datasets import load_digits
    d = load_digits()
    x = torch.tensor(d.images / 16.0, dtype=torch.float32).reshape(-1, 64)
    y = torch.tensor(d.target)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    perm = torch.randperm(len(x))
    for i, start in enumerate(range(0, len(x), 32)):
        idx = perm[start:start + 32]
        loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad(); loss.backward(); opt.step()
        if i == 0:
            print("first", flush=True)
    print("done", flush=True)
''')


def app_round(client: TestClient) -> tuple[float, float]:
    t0 = time.perf_counter()
    r = client.post("/api/runs", json=BODY)
    assert r.status_code == 201, r.text
    run_id, first = r.json()["id"], None
    with client.websocket_connect(f"/api/runs/{run_id}/stream") as ws:
        while True:
            ev = ws.receive_json()
            if ev["type"] == "batch" and first is None:
                first = time.perf_counter() - t0
            if ev["type"] == "status" and ev["status"] in ("succeeded", "failed", "cancelled"):
                assert ev["status"] == "succeeded", ev
                return first or float("nan"), time.perf_counter() - t0


def plain_round(script: Path) -> tuple[float, float]:
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    first = None
    for line in proc.stdout:
        if line.strip() == "first":
            first = time.perf_counter() - t0
    proc.wait()
    assert proc.returncode == 0
    return first or float("nan"), time.perf_counter() - t0


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def wait_pool_ready(client: TestClient, timeout: float = 120) -> None:
    """Until every warm worker is alive and idle (its CPU time still for a second: imports done)."""
    ex = client.app.state.executor  # type: ignore[attr-defined]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with ex._lock:
            pids = [w.process.pid for w in ex._pool if w.process.is_alive()]
        if len(pids) >= ex.warm:
            before = [_cpu_ticks(p) for p in pids]
            time.sleep(1.0)
            if [_cpu_ticks(p) for p in pids] == before:
                return
        else:
            time.sleep(0.1)
    raise RuntimeError("the warm pool did not become ready")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="netcanvas-warm-bench-"))
    script = tmp / "train.py"
    script.write_text(PLAIN)
    times: dict[str, list[tuple[float, float]]] = {"warm": [], "cold": [], "plain": []}
    base = {"frontend_dist": tmp / "none", "auth": "none", "max_concurrent_runs": 1}
    with TestClient(create_app(Settings(data_dir=tmp / "warm", warm_workers=1, **base))) as warm, \
            TestClient(create_app(Settings(data_dir=tmp / "cold", warm_workers=0, **base))) as cold:
        app_round(cold)  # digits cached, sklearn's loader warmed, once for each app
        wait_pool_ready(warm)
        app_round(warm)
        for _ in range(args.rounds):
            wait_pool_ready(warm)
            times["warm"].append(app_round(warm))
            times["cold"].append(app_round(cold))
            times["plain"].append(plain_round(script))
    med = {k: (statistics.median(a for a, _ in v), statistics.median(b for _, b in v)) for k, v in times.items()}
    print(f"{'side':<8}{'POST→first batch (s)':>24}{'POST→final (s)':>18}   (median of {args.rounds})")
    for k, (first, final) in med.items():
        print(f"{k:<8}{first:>24.3f}{final:>18.3f}")
    print(f"warm / plain, first batch: {med['warm'][0] / med['plain'][0]:.2f}; "
          f"warm / cold: {med['warm'][0] / med['cold'][0]:.2f}")
    print(f"target warm first batch < 1 s: {'met' if med['warm'][0] < 1.0 else 'NOT met'}")


if __name__ == "__main__":
    main()
