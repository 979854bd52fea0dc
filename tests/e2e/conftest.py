"""Real Chromium (Debian's package) driven by Playwright against a live Django server."""

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Request, Route, sync_playwright
from playwright.sync_api import Error as PlaywrightError

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
    def take(name: str, *, full_page: bool = True, of: Page | None = None) -> Path:
        """``full_page=False``: what the user sees, where they have scrolled to; ``of``: a
        page of another browser context (another person) than the test's ``page``."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        (of or page).screenshot(path=str(path), full_page=full_page)
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
    try:
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
    except PlaywrightError:  # the page went away meanwhile (the test ended): nobody to answer
        pass


@pytest.fixture
def seekable_media(page: Page) -> Page:
    """Media with HTTP Range support, as a web server or object storage serves it in
    production. Chromium cannot seek in a file served without ranges (Django's
    ``static.serve`` sends 200 with the whole file): ``currentTime`` snaps back to 0.
    The request still goes to the live server, membership check included."""
    page.context.route(re.compile(r".*/media/.*\.(mp4|m4a|webm)$"), _with_ranges)
    return page
