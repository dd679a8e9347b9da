"""Accounts in the canvas (users mode): the sign-in page, a wrong password, the user menu, an admin
adding a user, signing out, and a second user who does not see the first one's runs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from live_server import REPO, serve

pytestmark = pytest.mark.browser

# As in conftest.py: a front end built elsewhere, or frontend/dist.
DIST = Path(os.environ.get("NETCANVAS_TEST_DIST") or REPO / "frontend" / "dist")
ADMIN, ADMIN_PASSWORD = "admin", "correct horse battery"
BOB, BOB_PASSWORD = "bob", "bob's long passphrase"


@pytest.fixture(scope="module")
def users_server(tmp_path_factory: pytest.TempPathFactory, chromium_path: Path) -> Iterator[str]:
    """A real server in users mode whose first admin comes from NETCANVAS_ADMIN_PASSWORD."""
    if not (DIST / "index.html").is_file():
        pytest.fail(f"{DIST} is not built: run `cd frontend && npm run build`.")
    data_dir = tmp_path_factory.mktemp("netcanvas-users")
    env = {
        "NETCANVAS_AUTH": "users",
        "NETCANVAS_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "NETCANVAS_FRONTEND_DIST": str(DIST) if os.environ.get("NETCANVAS_TEST_DIST") else None,
    }
    with serve(data_dir, env) as base:
        yield base


@pytest.fixture
def page(browser: Browser, users_server: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=users_server)
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()
    assert not errors, errors  # uncaught exceptions are bugs even when the assertions passed


def client_for(base: str, name: str, password: str) -> httpx.Client:
    """An HTTP client holding `name`'s session cookie."""
    c = httpx.Client(base_url=base, timeout=30)
    r = c.post("/api/auth/login", json={"username": name, "password": password})
    assert r.status_code == 200, r.text
    return c


def tiny_run(c: httpx.Client, name: str) -> str:
    graph = {
        "format": "netcanvas.graph/1", "name": name,
        "nodes": [
            {"id": "in", "type": "Input", "params": {"shape": [1, 8, 8]}},
            {"id": "flat", "type": "Flatten", "params": {}},
            {"id": "out", "type": "Dense", "params": {"units": 10, "activation": "softmax"}},
        ],
        "edges": [{"source": "in", "target": "flat"}, {"source": "flat", "target": "out"}],
    }
    r = c.post("/api/runs", json={"graph": graph, "dataset": "digits", "epochs": 1, "batch_size": 64, "device": "cpu", "seed": 0})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def sign_in(page: Page, name: str, password: str) -> None:
    page.fill('[data-testid="sign-in-username"]', name)
    page.fill('[data-testid="sign-in-password"]', password)
    page.click('[data-testid="sign-in-submit"]')


def test_sign_in_add_a_user_sign_out_and_runs_stay_private(page: Page, users_server: str, artifacts: Path):
    # Nothing of the app without a session: the sign-in page, and the API says 401.
    assert httpx.get(f"{users_server}/api/runs", timeout=30).status_code == 401
    page.goto("/#/runs")
    form = page.locator('[data-testid="sign-in"]')
    expect(form).to_be_visible()
    expect(page.locator('[data-testid="nav-runs"]')).to_have_count(0)
    expect(page.locator('[data-testid="sign-in-notice"]')).to_have_count(0)  # a first visit, not an ended session
    page.screenshot(path=str(artifacts / "sign-in.png"))

    # A wrong password says so, stays on the page and clears the password.
    sign_in(page, ADMIN, "not the password")
    error = page.locator('[data-testid="sign-in-error"]')
    expect(error).to_be_visible()
    expect(error).to_contain_text("password")
    expect(page.locator('[data-testid="sign-in-password"]')).to_have_value("")
    expect(form).to_be_visible()
    page.screenshot(path=str(artifacts / "sign-in-wrong-password.png"))

    # The admin signs in: the page they asked for (the runs page) shows, the menu names them.
    admin = client_for(users_server, ADMIN, ADMIN_PASSWORD)
    admin_run = tiny_run(admin, "admin-run")
    sign_in(page, ADMIN, ADMIN_PASSWORD)
    expect(page.locator(f'[data-testid="run-row-{admin_run}"]')).to_be_visible()
    expect(page.locator('[data-testid="user-menu-name"]')).to_have_text(ADMIN)
    expect(page.locator('[data-testid="user-menu-name"]')).to_be_visible()
    page.click('[data-testid="nav-canvas"]')
    expect(page.locator('[data-testid="palette-Dense"]')).to_be_visible()
    # Beside the graph menu the top bar still fits: the menu shows the initial, Import model its icon.
    for width in (1024, 1280, 1440, 1920):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(100)
        assert page.locator(".graph-menu").evaluate("e => e.scrollWidth <= e.clientWidth"), width
        assert page.locator(".topbar").evaluate("e => e.scrollWidth <= e.clientWidth"), width
        box = page.locator('[data-testid="user-menu"]').bounding_box()
        assert box and box["x"] + box["width"] <= width, (width, box)
        if width == 1024:
            page.screenshot(path=str(artifacts / "canvas-1024-signed-in.png"))
    page.set_viewport_size({"width": 1440, "height": 900})

    # The admin adds bob with a password in Users….
    page.click('[data-testid="user-menu"]')
    expect(page.locator('[data-testid="user-menu-popover"]')).to_contain_text("admin")
    page.screenshot(path=str(artifacts / "user-menu.png"))
    page.click('[data-testid="user-menu-users"]')
    dialog = page.locator('[data-testid="users-dialog"]')
    expect(dialog.locator(f'[data-testid="user-row-{ADMIN}"]')).to_contain_text("(you)")
    expect(dialog.locator(f'[data-testid="user-remove-{ADMIN}"]')).to_be_disabled()
    dialog.locator('[data-testid="user-add-name"]').fill(BOB)
    dialog.locator('[data-testid="user-add-password"]').fill(BOB_PASSWORD)
    dialog.locator('[data-testid="user-add-submit"]').click()
    expect(dialog.locator(f'[data-testid="user-row-{BOB}"]')).to_contain_text("user")
    expect(dialog.locator('[data-testid="user-add-name"]')).to_have_value("")
    page.screenshot(path=str(artifacts / "users-dialog.png"))
    # Removing asks once more, saying what happens to the user's work.
    dialog.locator('[data-testid="user-add-name"]').fill("carol")
    dialog.locator('[data-testid="user-add-password"]').fill("carol's passphrase")
    dialog.locator('[data-testid="user-add-submit"]').click()
    dialog.locator('[data-testid="user-remove-carol"]').click()
    expect(dialog.locator('[data-testid="user-remove-warning"]')).to_contain_text("pass to the oldest admin")
    expect(dialog.locator('[data-testid="user-row-carol"]')).to_be_visible()
    dialog.locator('[data-testid="user-remove-carol"]').click()
    expect(dialog.locator('[data-testid="user-row-carol"]')).to_have_count(0)
    expect(dialog.locator('[data-testid^="user-row-"]')).to_have_count(2)
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)

    # Bob's own run, started through the API with his session.
    bob = client_for(users_server, BOB, BOB_PASSWORD)
    bob_run = tiny_run(bob, "bob-run")

    # The admin's canvas holds a layer (autosaved in this browser).
    page.dblclick('[data-testid="palette-Dense"]')
    expect(page.locator(".react-flow__node")).to_have_count(1)
    page.wait_for_timeout(800)  # the autosave's debounce

    # Signing out returns to the sign-in page; the session no longer opens the API.
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    page.click('[data-testid="user-menu"]')
    page.click('[data-testid="sign-out"]')
    expect(form).to_be_visible()
    expect(page.locator('[data-testid="user-menu"]')).to_have_count(0)
    assert httpx.get(f"{users_server}/api/runs", cookies=cookies, timeout=30).status_code == 401

    # Bob sees his run and not the admin's, and has no Users… entry.
    sign_in(page, BOB, BOB_PASSWORD)
    # Bob opens an empty canvas, not the admin's graph left in this browser.
    expect(page.locator('[data-testid="palette-Dense"]')).to_be_visible()
    expect(page.locator(".react-flow__node")).to_have_count(0)
    page.click('[data-testid="nav-runs"]')
    expect(page.locator('[data-testid="user-menu-name"]')).to_have_text(BOB)
    expect(page.locator('[data-testid="user-menu-name"]')).to_be_visible()
    expect(page.locator(f'[data-testid="run-row-{bob_run}"]')).to_be_visible()
    expect(page.locator(f'[data-testid="run-row-{admin_run}"]')).to_have_count(0)
    expect(page.locator('[data-testid^="run-row-"]')).to_have_count(1)
    page.click('[data-testid="user-menu"]')
    expect(page.locator('[data-testid="sign-out"]')).to_be_visible()
    expect(page.locator('[data-testid="user-menu-users"]')).to_have_count(0)
    page.screenshot(path=str(artifacts / "runs-second-user.png"))
    # Nor does bob's browser open the admin's run by its address.
    page.goto(f"/#/runs/{admin_run}")
    expect(page.locator(".page > .callout.bad")).to_contain_text("not found")  # 404, as if it did not exist
    expect(page.locator("body")).not_to_contain_text("admin-run")


def test_a_session_that_ends_brings_the_sign_in_page_back(page: Page, users_server: str, artifacts: Path):
    page.goto("/")
    sign_in(page, ADMIN, ADMIN_PASSWORD)
    expect(page.locator('[data-testid="palette-Dense"]')).to_be_visible()
    page.context.clear_cookies()  # as when the session expires or the account is removed
    page.click('[data-testid="nav-runs"]')
    expect(page.locator('[data-testid="sign-in"]')).to_be_visible()
    expect(page.locator('[data-testid="sign-in-notice"]')).to_contain_text("signed out")
    page.screenshot(path=str(artifacts / "sign-in-session-ended.png"))
    # Signing in again goes on where the session ended.
    sign_in(page, ADMIN, ADMIN_PASSWORD)
    expect(page.locator('[data-testid="nav-runs"]')).to_have_class("active")


TOKEN = "a-fixed-test-token-0123456789"


@pytest.fixture(scope="module")
def token_server(tmp_path_factory: pytest.TempPathFactory, chromium_path: Path) -> Iterator[str]:
    """A real server in token mode (the default of `netcanvas serve`) with a known token."""
    data_dir = tmp_path_factory.mktemp("netcanvas-token")
    env = {
        "NETCANVAS_AUTH": "token",
        "NETCANVAS_TOKEN": TOKEN,
        "NETCANVAS_FRONTEND_DIST": str(DIST) if os.environ.get("NETCANVAS_TEST_DIST") else None,
    }
    with serve(data_dir, env) as base:
        yield base


def test_token_mode_without_the_token_says_to_open_the_printed_link(browser: Browser, token_server: str, artifacts: Path):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=token_server)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto("/#/runs")
        card = page.locator('[data-testid="token-needed"]')
        expect(card).to_contain_text("?token=")
        expect(page.locator('[data-testid="nav-runs"]')).to_have_count(0)
        page.screenshot(path=str(artifacts / "token-needed.png"))

        page.fill('[data-testid="token-input"]', "not-the-token-at-all")
        page.click('[data-testid="token-submit"]')
        expect(page.locator('[data-testid="token-error"]')).to_contain_text("did not accept")

        # The right token: the server sets its cookie, drops ?token= from the address, the app opens
        # on the page that was asked for; no sign-in page or user menu in token mode.
        page.fill('[data-testid="token-input"]', TOKEN)
        page.click('[data-testid="token-submit"]')
        expect(page.locator('[data-testid="nav-runs"]')).to_have_class("active")
        assert "token=" not in page.url and page.url.endswith("#/runs"), page.url
        expect(page.locator('[data-testid="user-menu"]')).to_have_count(0)
        page.goto("/")
        expect(page.locator('[data-testid="palette-Dense"]')).to_be_visible()
    finally:
        context.close()
    assert not errors, errors
