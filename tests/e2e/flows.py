"""Steps the browser tests share: an annotator with a project of imported clips, signing in,
reading the player's media clock."""

import re
import time
from io import StringIO
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.management import call_command

from annotation.models import Project, Role
from annotation.services.projects import membership_grant

USERNAME, PASSWORD = "ann", "pw-e2e-123"
VIDEO = "document.querySelector('clip-player video')"


def annotator_with_clips(folder: Path, *, slug: str, **import_options: str) -> User:
    """Import ``folder`` into project ``slug`` and make the annotator who signs in."""
    call_command(
        "import_clips", str(folder), project=slug, stdout=StringIO(), stderr=StringIO(),
        **import_options,
    )  # fmt: skip
    user = get_user_model().objects.create_user(USERNAME, password=PASSWORD)
    membership_grant(project=Project.objects.get(slug=slug), user=user, roles=[Role.ANNOTATOR])
    return user


def sign_in(page, live_server, next_path: str = "/", username: str = USERNAME) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def media_time(page) -> float:  # type: ignore[no-untyped-def]
    return float(page.evaluate(f"{VIDEO}.currentTime"))


def wait_until(page, expression: str, timeout: float = 30_000) -> None:  # type: ignore[no-untyped-def]
    """``page.wait_for_function(expression, timeout=ms)`` without ``eval()`` in the page.

    Playwright's wait_for_function polls by calling eval() inside the page, which the site's
    Content-Security-Policy (script-src 'self', no 'unsafe-eval') refuses on every page after
    a context's first. page.evaluate() goes through the DevTools protocol, which the page's
    policy does not govern, so the tests poll with it and keep running under the real policy.
    """
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout / 1000:g} s: {expression}")
        page.wait_for_timeout(50)


CONTROLS = "button|textbox|searchbox|checkbox|radio|combobox|spinbutton|slider|link"
# A control in Playwright's ARIA snapshot without a quoted name after its role: unnamed.
UNNAMED = re.compile(rf"^\s*- ({CONTROLS})(?=\s*(?:\[|:|$))", re.MULTILINE)


def unnamed_controls(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Controls a screen reader would announce without a name (shadow roots included)."""
    snapshot = page.locator("body").aria_snapshot()
    return [line.strip() for line in snapshot.splitlines() if UNNAMED.match(line)]
