"""Browser fixtures (imported by tests/console/conftest.py): the app served on 127.0.0.1
(tests/support/live_server.py) and Debian's chromium driven by Playwright (executable_path,
headless: Playwright downloads no browser).

One browser for the session, a new context (cookies, storage) per page: `page` is one agent,
`new_page()` opens another (a second agent, or the same agent's second tab with
`new_page(context=page.context)`). Every page fails its test on a console error or an
uncaught exception, and leaves a screenshot named after the test in screenshots/ of the
artifacts folder ($TEST_ARTIFACTS_DIR, by default tests/artifacts/, git-ignored)."""
import os
import re
import shutil
from pathlib import Path

import pytest

from shared.extensions import socketio
from tests.support.live_server import LiveServer
from tests.support.live_server import public_at
from tests.support.live_server import sockets_closed_after

ARTIFACTS_DIR = Path(os.environ.get("TEST_ARTIFACTS_DIR")
                     or Path(__file__).resolve().parents[1] / "artifacts")
SCREENSHOTS_DIR = ARTIFACTS_DIR / "screenshots"  # emptied at each run: no stale pictures


@pytest.fixture(scope="session")
def live_server(app):
    with LiveServer(app) as server:
        yield server


@pytest.fixture()
def live(app, live_server, config):
    """The live server, the app's public address for this test; the test's pages are
    disconnected from it before the next test. Pages moving from one to the next keep
    their agent's state, as in production (a grace of a few seconds)."""
    real_sockets_heard(socketio.server)
    config(CONSOLE_DISCONNECT_GRACE_SECONDS=3)
    with public_at(app, live_server.base_url), sockets_closed_after(app):
        yield live_server


def real_sockets_heard(server) -> None:
    """Undo what a Socket.IO test client of an earlier test did to the server: it replaces
    the server's packet senders with its own, which drop every packet for a real socket."""
    for name in ("_send_packet", "_send_eio_packet"):
        server.__dict__.pop(name, None)


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("the browser tests need Debian's package `chromium` (make install "
                    "installs it; or apt-get install chromium)", pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the browser tests need the PyPI package `playwright` (make install)",
                    pytrace=False)
    shutil.rmtree(SCREENSHOTS_DIR, ignore_errors=True)
    SCREENSHOTS_DIR.mkdir(parents=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True)
        yield chromium
        chromium.close()


class PageProblems:
    """Console errors and uncaught exceptions of the pages a test opened.

    A page's own HTTP status (401 for a failed login, 404) is an answer the test checks: the
    browser's "Failed to load resource" for it is not counted, nor for the /favicon.ico the
    browser asks for by itself; for a script, a style sheet or Socket.IO it is."""

    def __init__(self):
        self.errors: list[str] = []
        self.documents: set[str] = set()

    def watch(self, page) -> None:
        page.on("response", lambda response: response.request.is_navigation_request()
                and self.documents.add(response.url))
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))

    def _console(self, page, message) -> None:
        if message.type != "error":
            return
        source = message.location.get("url", "")
        if message.text.startswith("Failed to load resource") and (
                source in self.documents or source.endswith("/favicon.ico")):
            return  # the browser asks for /favicon.ico by itself: no page links to it
        self.errors.append(f"{page.url}: console error: {message.text} ({source})")


@pytest.fixture()
def page_problems():
    return PageProblems()


@pytest.fixture()
def new_page(request, browser, live, page_problems, config):
    """new_page(locale="fr", context=None) → a page in a fresh context (another agent) or in
    the given one (another tab of the same agent). Forms need their CSRF token, as in
    production."""
    config(WTF_CSRF_ENABLED=True)
    problems = page_problems
    contexts, pages = [], []

    def open_page(locale: str = "fr", context=None):
        if context is None:
            context = browser.new_context(base_url=live.base_url, locale=locale)
            context.set_default_timeout(10_000)
            contexts.append(context)
        page = context.new_page()
        problems.watch(page)
        pages.append(page)
        return page

    yield open_page
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    for number, page in enumerate(pages, start=1):
        suffix = f"-{number}" if len(pages) > 1 else ""
        if not page.is_closed():
            page.screenshot(path=str(SCREENSHOTS_DIR / f"{name}{suffix}.png"), full_page=True)
    for context in contexts:
        context.close()
    assert not problems.errors, "\n".join(problems.errors)


@pytest.fixture()
def page(new_page):
    return new_page()


def log_in(page, username: str, password: str) -> None:
    """Fill and send the login form (the contract's `username` and `password` inputs)."""
    page.goto("/console/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_load_state()


def socket_frames(page) -> list[str]:
    """The websocket frames the page will receive (call before it opens its socket)."""
    frames: list[str] = []
    page.on("websocket", lambda socket: socket.on(
        "framereceived", lambda payload: frames.append(str(payload))))
    return frames


def wait_for(page, condition, seconds: float = 10) -> None:
    """Let the page's events run until condition() holds (fails after `seconds`)."""
    for _ in range(int(seconds * 20)):
        if condition():
            return
        page.wait_for_timeout(50)
    assert condition(), "still waiting after the bound"
