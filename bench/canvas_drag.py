"""Dragging a node on a 1000-node canvas: the main-thread work of each drag step, against bare React Flow.

Two pages, open side by side in Debian's chromium (Playwright), hold the same generated graph
(Input, then Dense → two Dense branches → Add → Dropout groups, laid out on a grid):

  netcanvas  the real app, served by `python -m netcanvas serve`, the graph restored from its
             localStorage autosave and validated by the server (every card shows shapes and costs);
  bare       React Flow alone (frontend/bench/bare-flow.tsx, its own Vite build): default nodes,
             nodes in a zustand store as React Flow's docs do it, no cards, no selectors.

In each, the pointer presses a node and moves it one step a frame (one `page.mouse.move`, then one
animation frame) for --frames steps. Measured on each step, in the page:

  sync work  performance.now() around React Flow's drag listeners (d3-drag's mousemove on window,
             wrapped before the page loads), until a microtask queued after the last of them: React
             Flow's drag handling, the store updates with every subscribed selector, and React's
             render and commit of them (a store update outside React's events is a sync-lane
             render, run from a microtask queued during the listener, so before the probe's). Each
             step also checks that the dragged node's transform had changed by then, so the commit
             is known to be inside ("commits in window" below). Wall time: on a busy machine it
             includes time the page's thread waited for a core.
  script     Chrome's own ScriptDuration (CDP Performance.getMetrics) over the steps, divided by
             the steps, less the same for as many idle frames: all JavaScript, wherever scheduled.

Rounds alternate between the pages, so both see the same noise of the machine; figures are over
all steps of all rounds. netcanvas − bare is the work netcanvas adds to React Flow's own: its
store, the cards' selectors and renders.

    .venv/bin/python bench/canvas_drag.py                     # builds both front ends into /tmp
    NETCANVAS_TEST_DIST=/tmp/dist .venv/bin/python bench/canvas_drag.py --frames 200 --rounds 4

Target: netcanvas sync work p50 under 4 ms a frame for 1000 nodes.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
FRONTEND = REPO / "frontend"
sys.path.insert(0, str(REPO / "tests"))
from live_server import serve  # the browser tests' real server

CHROMIUM = Path(os.environ.get("NETCANVAS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-renderer-backgrounding", "--disable-background-timer-throttling"]
AUTOSAVE_KEY = "netcanvas.autosave"
COLUMNS, DX, DY = 40, 260, 120  # the grid the graph is laid out on
LOAD_TIMEOUT_MS = 300_000

# Installed before any page script. React Flow's drag (d3-drag) listens to mousemove on window and
# stops the event's propagation, so the probe wraps that listener: the clock starts before it and
# stops in a microtask queued after it returns, which runs after the microtask React queued during
# it (the queue is first in, first out): React's render and commit of the store updates are inside.
PROBE = """
(() => {
  const probe = { on: false, id: null, last: null };
  // one entry an event: from the first wrapped listener's start to the last one's microtask
  const spans = new Map();
  window.__probe = probe;
  const transform = () => {
    const el = document.querySelector(`.react-flow__node[data-id="${probe.id}"]`);
    return el ? el.style.transform : null;
  };
  const wrapped = new WeakMap();
  const add = EventTarget.prototype.addEventListener;
  const remove = EventTarget.prototype.removeEventListener;
  EventTarget.prototype.addEventListener = function (type, listener, options) {
    if (this === window && type === "mousemove" && typeof listener === "function") {
      let w = wrapped.get(listener);
      if (!w) {
        w = function (event) {
          if (!probe.on) return listener.call(this, event);
          if (!spans.has(event)) spans.set(event, { t0: performance.now(), t1: 0, moved: false });
          const span = spans.get(event);
          const result = listener.call(this, event);
          queueMicrotask(() => {
            span.t1 = performance.now();
            const now = transform();
            if (now !== probe.last) span.moved = true;
            probe.last = now;
          });
          return result;
        };
        wrapped.set(listener, w);
      }
      return add.call(this, type, w, options);
    }
    return add.call(this, type, listener, options);
  };
  EventTarget.prototype.removeEventListener = function (type, listener, options) {
    return remove.call(this, type, (listener && wrapped.get(listener)) || listener, options);
  };
  probe.start = (id) => { probe.id = id; probe.last = transform(); spans.clear(); probe.on = true; };
  probe.stop = () => {
    probe.on = false;
    const all = [...spans.values()];
    return { work: all.map((s) => s.t1 - s.t0), committed: all.filter((s) => s.moved).length };
  };
})();
"""


def drag_graph(nodes: int) -> dict[str, Any]:
    """Input(32), then Dense → (Dense, Dense) → Add → Dropout groups until `nodes`, on a grid."""
    ns: list[dict[str, Any]] = []
    es: list[dict[str, Any]] = []

    def add(kind: str, params: dict[str, Any], *sources: str) -> str:
        i = len(ns)
        nid = "input" if i == 0 else f"n{i}"
        ns.append({"id": nid, "type": kind, "params": params,
                   "position": {"x": (i % COLUMNS) * DX, "y": (i // COLUMNS) * DY}})
        es.extend({"source": s, "target": nid, "source_port": 0, "target_port": p} for p, s in enumerate(sources))
        return nid

    x = add("Input", {"shape": [32]})
    while len(ns) + 5 <= nodes:
        d = add("Dense", {"units": 32, "activation": "relu"}, x)
        a = add("Dense", {"units": 32}, d)
        b = add("Dense", {"units": 32, "activation": "tanh"}, d)
        m = add("Add", {}, a, b)
        x = add("Dropout", {"rate": 0.1}, m)
    while len(ns) < nodes:
        x = add("Dense", {"units": 32}, x)
    return {"format": "netcanvas.graph/1", "name": f"drag-{nodes}", "nodes": ns, "edges": es}


def build(args: list[str], what: str) -> None:
    print(f"building {what} …", flush=True)
    subprocess.run(["npx", "vite", "build", *args, "--emptyOutDir", "--logLevel", "warn"], cwd=FRONTEND, check=True)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # the base class names it format
        pass


@contextmanager
def static_server(root: Path) -> Iterator[str]:
    handler = functools.partial(QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


def frame(page: Any) -> None:
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => r(null)))")


def script_seconds(cdp: Any) -> float:
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return float(metrics["ScriptDuration"])


def drag_round(page: Any, cdp: Any, node: str, frames: int) -> dict[str, Any]:
    """Presses `node`, moves it a step a frame for `frames` steps, lets go; the in-page figures."""
    page.bring_to_front()
    box = page.locator(f'.react-flow__node[data-id="{node}"]').bounding_box()
    assert box, f"node {node} is not on screen"
    x0, y0 = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    # idle frames first: the harness's own script time (evaluate round trips) to take off
    s0 = script_seconds(cdp)
    for _ in range(frames):
        frame(page)
    idle = script_seconds(cdp) - s0
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x0 + 6, y0 + 2, steps=3)  # past React Flow's drag threshold
    frame(page)
    page.evaluate("(id) => window.__probe.start(id)", node)
    s0 = script_seconds(cdp)
    for i in range(frames):
        step = i % 80  # back and forth, so the node stays in view
        dx = step if step < 40 else 80 - step
        page.mouse.move(x0 + 6 + dx * 4, y0 + 2 + (dx % 7))
        frame(page)
    busy = script_seconds(cdp) - s0
    probe = page.evaluate("() => window.__probe.stop()")
    page.mouse.up()
    page.wait_for_timeout(300)
    return {"work": probe["work"], "committed": probe["committed"], "script": max(0.0, busy - idle) / frames}


def open_canvas(browser: Any, base: str, graph: dict[str, Any]) -> Any:
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=base)
    saved = json.dumps({"graph": graph, "id": None, "version": None})
    ctx.add_init_script(f"localStorage.setItem({json.dumps(AUTOSAVE_KEY)}, {json.dumps(saved)});")
    ctx.add_init_script(PROBE)
    page = ctx.new_page()
    page.goto("/")
    # a busy 2-core machine takes a minute or more to draw 1000 cards the first time
    page.wait_for_function(f"document.querySelectorAll('.react-flow__node').length === {len(graph['nodes'])}",
                           timeout=LOAD_TIMEOUT_MS)
    # the server's answer on every card, so no validation lands inside the drag
    page.wait_for_selector('.canvas[data-validation="fresh"]', timeout=LOAD_TIMEOUT_MS)
    last = graph["nodes"][-1]["id"]
    page.wait_for_function(f"""document.querySelector('[data-testid="shape-{last}"]')?.textContent === '(32,)'""",
                           timeout=LOAD_TIMEOUT_MS)
    page.wait_for_timeout(1000)  # the fit animation
    return page


def open_bare(browser: Any, base: str, graph: dict[str, Any]) -> Any:
    ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    ctx.add_init_script(f"window.__BENCH_GRAPH__ = {json.dumps(graph)};")
    ctx.add_init_script(PROBE)
    page = ctx.new_page()
    page.goto(f"{base}/bare-flow.html")
    page.wait_for_function(f"document.querySelectorAll('.react-flow__node').length === {len(graph['nodes'])}",
                           timeout=LOAD_TIMEOUT_MS)
    page.wait_for_timeout(1000)
    return page


def pct(xs: list[float], q: int) -> float:
    return statistics.quantiles(xs, n=100, method="inclusive")[q - 1] if len(xs) > 1 else xs[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=1000)
    ap.add_argument("--frames", type=int, default=120, help="drag steps a round")
    ap.add_argument("--rounds", type=int, default=3, help="rounds on each page, alternating")
    ap.add_argument("--node", default=None, help="the node to drag (default: one near the middle of the view)")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} is missing: apt-get install -y chromium (Playwright's download is not used)")
    graph = drag_graph(args.nodes)
    with tempfile.TemporaryDirectory(prefix="canvas-drag-") as tmp:
        dist = os.environ.get("NETCANVAS_TEST_DIST")
        if not dist:
            dist = f"{tmp}/app"
            build(["--outDir", dist], "the app")
        bare_dist = Path(tmp) / "bare"
        build(["--config", "bench/vite.config.ts", "--outDir", str(bare_dist)], "the bare React Flow page")
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        env: dict[str, str | None] = {"NETCANVAS_FRONTEND_DIST": dist, "NETCANVAS_AUTH": "none"}
        with serve(data_dir, env) as base, static_server(bare_dist) as bare_base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            pages = {"netcanvas": open_canvas(browser, base, graph), "bare": open_bare(browser, bare_base, graph)}
            cdps = {}
            for name, page in pages.items():
                cdps[name] = page.context.new_cdp_session(page)
                cdps[name].send("Performance.enable")
            # a node in the view's middle row band on both pages (the same id, the same place in the graph)
            node = args.node or f"n{(args.nodes // COLUMNS // 2) * COLUMNS + COLUMNS // 2}"
            for name, page in pages.items():  # warm-up: JIT, first drag
                drag_round(page, cdps[name], node, 20)
            results: dict[str, list[dict[str, Any]]] = {k: [] for k in pages}
            for _ in range(args.rounds):
                for name, page in pages.items():
                    results[name].append(drag_round(page, cdps[name], node, args.frames))
            zoom = {k: pg.evaluate("() => getComputedStyle(document.querySelector('.react-flow__viewport')).transform")
                    for k, pg in pages.items()}
            browser.close()
    report(args, results, node, zoom)


def report(args: argparse.Namespace, results: dict[str, list[dict[str, Any]]], node: str, zoom: dict[str, str]) -> None:
    print(f"dragging {node} on a {args.nodes}-node graph, {args.rounds} rounds × {args.frames} steps a page (ms a step)")
    p50: dict[str, float] = {}
    script: dict[str, float] = {}
    for name, rounds in results.items():
        work = [w for r in rounds for w in r["work"]]
        committed = sum(r["committed"] for r in rounds)
        p50[name] = pct(work, 50)
        script[name] = statistics.median(r["script"] for r in rounds) * 1e3
        print(f"  {name:9s}  sync work p50 {p50[name]:6.2f}  p95 {pct(work, 95):6.2f}  max {max(work):6.2f}   "
              f"script {script[name]:6.2f}   commits in window {committed}/{len(work)}   view {zoom[name]}")
    print(f"  netcanvas / bare: sync work {p50['netcanvas'] / p50['bare']:.2f}x, script "
          f"{script['netcanvas'] / max(script['bare'], 1e-9):.2f}x;  netcanvas − bare: "
          f"{p50['netcanvas'] - p50['bare']:.2f} ms a step")
    met = p50["netcanvas"] < 4.0
    print(f"  target: netcanvas sync work p50 < 4 ms a step -> {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
