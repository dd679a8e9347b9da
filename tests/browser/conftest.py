"""Browser tests: Debian's chromium driven by Playwright (sync API) against a real
`python -m netcanvas serve` with a throwaway data dir, serving the built front end (frontend/dist).

Chromium comes from apt (scripts/setup.sh test installs it); `playwright install` is never used.
Without /usr/bin/chromium these tests skip, except under CI=true, where that is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from live_server import REPO, in_ci, serve

# NETCANVAS_TEST_DIST: a front end built elsewhere (`npx vite build --outDir DIR`), so that two
# people building at once do not serve each other half-written assets.
DIST = Path(os.environ.get("NETCANVAS_TEST_DIST") or REPO / "frontend" / "dist")
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path(os.environ.get("NETCANVAS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        msg = (f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium, or "
               "scripts/setup.sh test); Playwright's own browser download is not used here.")
        if in_ci():
            pytest.fail(msg)
        pytest.skip(msg)
    return CHROMIUM


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, chromium_path: Path) -> Iterator[str]:
    """Base URL of a real server on a free port, with its own data dir."""
    if not (DIST / "index.html").is_file():
        pytest.fail(f"{DIST} is not built: run `scripts/setup.sh test` (or `cd frontend && npm ci && npm run build`).")
    data_dir = tmp_path_factory.mktemp("netcanvas-browser")
    dist = str(DIST) if os.environ.get("NETCANVAS_TEST_DIST") else None  # None: the server's default
    # the built front end; a warm worker as a real server keeps one, so runs start at once
    with serve(data_dir, {"NETCANVAS_FRONTEND_DIST": dist, "NETCANVAS_WARM_WORKERS": "1"}) as base:
        yield base


@pytest.fixture(scope="session")
def browser(chromium_path: Path):
    from playwright.sync_api import expect, sync_playwright

    # Shared CI machines run several test suites at once: assertions wait up to 15 s, not 5.
    expect.set_options(timeout=15_000)

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


FAILED = pytest.StashKey[bool]()


@pytest.fixture
def page(request, browser, server: str):
    """A fresh context (empty localStorage) on the canvas, with console errors collected."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True, base_url=server)
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    pg.on("console", lambda m: errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    pg.errors = errors  # type: ignore[attr-defined]
    pg.goto("/")
    # The machine is shared and busy: give the first load (bundle + GET /api/layers) room. One reload
    # if it does not come: a `npm run build` elsewhere in the checkout can swap dist/ under a load.
    try:
        pg.wait_for_selector('[data-testid="palette-Dense"]', timeout=30_000)
    except PlaywrightTimeout:
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"SLOW-LOAD-{request.node.name}.png"))
        errors.clear()  # what went wrong with that load is not the test's business
        pg.reload()
        pg.wait_for_selector('[data-testid="palette-Dense"]', timeout=60_000)
    yield pg
    if request.node.stash.get(FAILED, False):
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"FAILED-{request.node.name}.png"))
    context.close()
    # Uncaught exceptions in the page are bugs even when the assertions passed.
    assert not [e for e in errors if e.startswith("pageerror")], errors


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
