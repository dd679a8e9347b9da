"""The worker's memory limit (training/worker.py): a run that needs more than
Settings.worker_memory_mb fails alone, with a sentence, and the server keeps serving."""

from __future__ import annotations

import multiprocessing as mp
import sys
import time

import pytest

from netcanvas.training.worker import out_of_memory

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_DATA is enforced on Linux")

LIMIT_MB = 600
TRAINER = "test_worker_limit:hog_trainer"


def hog_trainer(graph, settings, emit, should_stop, out_dir, **_: object) -> str:
    """Imported by spawned workers: "hog" asks for 3 GB at once (Python), "torch_hog" a 4 GB tensor
    (torch's allocator); any other graph trains in an instant."""
    from netcanvas.training.events import StatusEvent

    emit(StatusEvent(status="running", device="cpu"))
    if graph.name == "hog":
        block = bytearray(3 * 10**9)
        return "succeeded" if block else "cancelled"
    if graph.name == "torch_hog":
        import torch

        torch.zeros(10**9)
    return "succeeded"


def _graph(name: str) -> dict:
    return {"format": "netcanvas.graph/1", "name": name, "nodes": [
        {"id": "in", "type": "Input", "params": {"shape": [1, 8, 8]}},
        {"id": "f", "type": "Flatten", "params": {}},
        {"id": "out", "type": "Dense", "params": {"units": 10, "activation": "softmax"}},
    ], "edges": [{"source": "in", "target": "f"}, {"source": "f", "target": "out"}]}


def _run_worker(name: str, memory_mb: int | None) -> list[dict]:
    from netcanvas.training.worker import worker_main

    ctx = mp.get_context("spawn")
    recv, send = ctx.Pipe(duplex=False)
    stop = ctx.Event()
    settings = {"dataset": "digits", "epochs": 1, "batch_size": 8, "device": "cpu"}
    proc = ctx.Process(target=worker_main, args=("r1", _graph(name), settings, "/tmp/nc-worker-limit-out", send,
                                                 stop, TRAINER, None, 1, memory_mb))
    proc.start()
    send.close()
    events = []
    while True:
        try:
            events.append(recv.recv())
        except EOFError:
            break
    proc.join(30)
    return events


def test_a_run_over_the_limit_fails_with_the_sentence():
    events = _run_worker("hog", LIMIT_MB)
    final = events[-1]
    assert final["type"] == "status" and final["status"] == "failed"
    assert final["error"] == (f"the run needed more memory than the worker's limit ({LIMIT_MB:,} MB, "
                              "NETCANVAS_WORKER_MEMORY_MB): lower batch_size or the model's size.")


def test_torch_allocator_failure_is_the_same_sentence():
    events = _run_worker("torch_hog", LIMIT_MB)
    assert events[-1]["status"] == "failed"
    assert f"worker's limit ({LIMIT_MB:,} MB" in events[-1]["error"]


def test_under_the_limit_a_run_succeeds():
    events = _run_worker("small", LIMIT_MB)
    assert events[-1]["status"] == "succeeded"


def test_out_of_memory_sentences():
    assert out_of_memory(ValueError("Dense 'h' cannot take this data set"), 600) is None
    cpu = RuntimeError("[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: can't allocate memory: you tried "
                       "to allocate 4000000000 bytes. Error code 12 (Cannot allocate memory)")
    assert "worker's limit (600 MB" in (out_of_memory(cpu, 600) or "")
    assert "this machine has free" in (out_of_memory(MemoryError(), None) or "")
    gpu = RuntimeError("CUDA out of memory. Tried to allocate 20.00 GiB")
    assert "GPU memory" in (out_of_memory(gpu, 600) or "")


def test_server_lives_after_a_run_over_the_limit(tmp_path, monkeypatch):
    """Through the real executor: the limit reaches the worker from the server's environment, the
    run fails alone, and the next run on the same server succeeds."""
    from fastapi.testclient import TestClient

    from netcanvas.api.main import create_app
    from netcanvas.config import Settings
    from netcanvas.training.runner import LocalExecutor

    monkeypatch.setenv("NETCANVAS_WORKER_MEMORY_MB", str(LIMIT_MB))  # spawned workers inherit it
    settings = Settings(data_dir=tmp_path / "store", frontend_dist=tmp_path / "none", auth="none")
    executor = LocalExecutor(1, trainer=TRAINER, grace_s=1.0)
    body = {"dataset": "digits", "epochs": 1, "batch_size": 8, "device": "cpu"}
    with TestClient(create_app(settings, executor=executor)) as client:
        def finish(name: str) -> dict:
            r = client.post("/api/runs", json={**body, "graph": _graph(name)})
            assert r.status_code == 201, r.text
            end = time.monotonic() + 30
            while time.monotonic() < end:
                run = client.get(f"/api/runs/{r.json()['id']}").json()
                if run["status"] in ("succeeded", "failed", "cancelled"):
                    return run
                time.sleep(0.1)
            raise AssertionError(f"run {name} never ended")

        hog = finish("hog")
        assert hog["status"] == "failed"
        assert f"worker's limit ({LIMIT_MB:,} MB" in hog["error"]
        assert client.get("/api/health").status_code == 200
        assert finish("small")["status"] == "succeeded"
