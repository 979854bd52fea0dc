"""Real Chromium (Debian's package) driven by Playwright against a live Django server."""

import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connection
from django.test.testcases import LiveServerThread
from playwright.sync_api import Browser, Page, Request, Route, sync_playwright

from annotation.models import Project
from flows import disputed_project

# Playwright's sync API keeps an event loop on this thread; the ORM calls made by the test
# itself are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Without these, Chromium tries to reach Google's hosts at start and on a closed network
# stalls or floods refused connections.
ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # The workspace plays clips from script (keyboard shortcuts, tests) without a click.
    "--autoplay-policy=no-user-gesture-required",
]  # fmt: skip


class _Gate:
    """The requests the live server is answering. A page closing at the end of a test still
    sends its last draft (keepalive): a request writing while the test database is flushed
    can deadlock the flush. So at a test's end the gate closes (later requests get a 503
    without touching the database) and the flush waits for those in flight."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.in_flight = 0
        self.closed = False

    def enter(self) -> bool:
        with self.changed:
            if self.closed:
                return False
            self.in_flight += 1
            return True

    def leave(self) -> None:
        with self.changed:
            self.in_flight -= 1
            self.changed.notify_all()

    def close_and_drain(self) -> None:
        with self.changed:
            self.closed = True
            # Bounded so that a wedged request shows up as the flush's own error, not a hang.
            self.changed.wait_for(lambda: self.in_flight == 0, timeout=60)


GATE = _Gate()
# In-memory SQLite: the live server's threads share the test's single connection, and a
# page's parallel requests on it fail with "database table is locked": one at a time there.
ONE_AT_A_TIME = threading.Lock()


class _TestServer(ThreadedWSGIServer):
    def get_app(self):  # type: ignore[no-untyped-def]
        app = super().get_app()
        serialise = connection.vendor == "sqlite"

        def gated(environ, start_response):  # type: ignore[no-untyped-def]
            if not GATE.enter():
                start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
                return [b"the test is over"]
            try:
                if serialise:
                    with ONE_AT_A_TIME:
                        return list(app(environ, start_response))
                return list(app(environ, start_response))
            finally:
                GATE.leave()

        return gated


@pytest.fixture(scope="session", autouse=True)
def _gated_live_server() -> Iterator[None]:
    original = LiveServerThread.server_class
    LiveServerThread.server_class = _TestServer
    yield
    LiveServerThread.server_class = original


@pytest.fixture(autouse=True)
def _requests_end_before_the_flush() -> Iterator[None]:
    """Torn down after the test's pages and before pytest-django flushes the database."""
    GATE.closed = False
    yield
    GATE.close_and_drain()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not shutil.which(CHROMIUM):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `make test` (installs Debian's chromium)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page: Page, request: pytest.FixtureRequest):
    def take(name: str, *, full_page: bool = True) -> Path:
        """``full_page=False``: what the user sees, where they have scrolled to."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


@pytest.fixture
def disputes(media_root: Path, tmp_path: Path) -> Project:
    return disputed_project(tmp_path)


def _with_ranges(route: Route, request: Request) -> None:
    """Answer a media Range request with 206 when the server sent the whole file."""
    try:
        response = route.fetch()
    except Exception:  # offline, or the page went away
        route.abort()
        return
    wanted = re.fullmatch(r"bytes=(\d+)-(\d*)", request.headers.get("range", ""))
    if response.status != 200 or not wanted or "accept-ranges" in response.headers:
        route.fulfill(response=response)
        return
    body = response.body()
    start = int(wanted[1])
    end = min(int(wanted[2] or len(body) - 1), len(body) - 1)
    headers = {
        **response.headers,
        "accept-ranges": "bytes",
        "content-range": f"bytes {start}-{end}/{len(body)}",
        "content-length": str(end - start + 1),
    }
    route.fulfill(status=206, headers=headers, body=body[start : end + 1])


@pytest.fixture
def seekable_media(page: Page) -> Page:
    """Media with HTTP Range support, as a web server or object storage serves it in
    production. Chromium cannot seek in a file served without ranges (Django's
    ``static.serve`` sends 200 with the whole file): ``currentTime`` snaps back to 0.
    The request still goes to the live server, membership check included."""
    page.context.route(re.compile(r".*/media/.*\.(mp4|m4a|webm)$"), _with_ranges)
    return page
