"""Every page works under the Content-Security-Policy: Chromium reports no violation on the
site's pages (workspaces with their custom elements included), Django's admin or the API
docs, and each page's script has run."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import Page, expect

from annotation.models import Project, Role
from annotation.services.projects import membership_grant
from clips.media.synth import synth_clip
from flows import PASSWORD, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Records violations from the first byte of every document (an init script is not subject to
# the page's policy).
RECORD = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__csp.push(`${event.effectiveDirective} blocked ${event.blockedURI || "inline"}` +
                    ` at ${event.sourceFile}:${event.lineNumber}`);
}, true);
"""


@pytest.fixture
def everything(media_root, tmp_path):  # type: ignore[no-untyped-def]
    """A static and a streaming project with a clip each; one superuser holding every role."""
    static, stream = tmp_path / "static", tmp_path / "stream"
    synth_clip(static / "still.mp4", seconds=2)
    synth_clip(stream / "mono.mp4", seconds=3)
    (stream / "mono.srt").write_text("1\n00:00:00,000 --> 00:00:02,000\nHello.\n")
    for folder, slug, kind in ((static, "csp", "static"), (stream, "csps", "stream")):
        call_command(
            "import_clips", str(folder), project=slug, kind=kind, stdout=StringIO(),
            stderr=StringIO(),
        )  # fmt: skip
    user = get_user_model().objects.create_superuser("ann", password=PASSWORD)
    for slug in ("csp", "csps"):
        roles = [Role.ANNOTATOR, Role.ADJUDICATOR, Role.ADMIN]
        membership_grant(project=Project.objects.get(slug=slug), user=user, roles=roles)
    return user


def violations(page: Page) -> list[str]:
    return page.evaluate("window.__csp")  # type: ignore[no-any-return]


def test_no_page_breaks_the_policy(page: Page, live_server, everything) -> None:  # type: ignore[no-untyped-def]
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    failed: list[str] = []  # and nothing the pages ask of the site is missing or refused
    page.on(
        "response",
        lambda r: (
            r.status >= 400
            and r.url.startswith(live_server.url)
            and failed.append(f"{r.status} {r.url}")
        ),
    )
    page.context.add_init_script(RECORD)
    base = live_server.url

    def visit(path: str, ready: str) -> None:
        page.goto(base + path)
        expect(page.locator(ready).first).to_be_visible()
        page.wait_for_load_state("load")
        assert violations(page) == [], path

    visit("/accounts/login/", "form button[type=submit]")
    sign_in(page, live_server)
    expect(page.get_by_role("link", name="csp", exact=True)).to_be_visible()
    assert violations(page) == []

    visit("/projects/csp/clips", 'clip-waveform[data-state="ready"]')
    visit("/projects/csp/work", 'annotation-workspace[data-state="static"]')
    expect(page.locator("label-form")).to_be_visible()
    visit("/projects/csps/work", 'annotation-workspace[data-state="stream"]')
    expect(page.locator('trace-recorder[data-state="ready"]')).to_be_attached()
    expect(page.locator("segment-timeline")).to_be_visible()
    assert violations(page) == []
    visit("/projects/csp/adjudicate", "adjudication-workspace")
    visit("/projects/csp/dashboard", "project-dashboard")
    expect(page.locator("project-dashboard .uplot").first).to_be_visible()  # a chart drew
    assert violations(page) == []

    visit("/admin/", "#content-main")
    visit("/admin/auth/user/", "#result_list")
    visit(f"/admin/auth/user/{everything.pk}/change/", "#user_form")
    visit(f"/admin/auth/user/{everything.pk}/password/", "#id_password1")
    visit("/accounts/password_change/", "#id_old_password")
    visit("/api/docs/", ".swagger-ui .info")  # Swagger UI's start-up script ran
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    assert violations(page) == []

    assert not [text for text in console if "Content Security Policy" in text], console
    assert failed == []
