"""The correction screen (issue item 4): an annotator's submitted labels, listed per project,
each with a "Correct" link to the same label editor pre-filled; "Send correction" makes a new
revision current. Only the annotator themselves reach it."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from annotation.models import Annotation, Project, Role
from annotation.services.assignment import assignment_next
from annotation.services.projects import membership_grant
from annotation.services.submission import annotation_submit
from flows import PASSWORD, annotator_with_clips, sign_in, unnamed_controls, write_monologue

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SEGMENTS = [
    {"start": 0.0, "end": 12.0, "basic7": "Neutral", "goemotions": ["neutral"], "intensity": 2},
    {"start": 12.0, "end": 24.0, "basic7": "Joy", "goemotions": ["joy"], "intensity": 3},
]


@pytest.fixture
def submitted_monologue(media_root, tmp_path) -> Annotation:
    """The annotator "ann" submitted two labelled segments of a 24 s monologue."""
    write_monologue(tmp_path / "stream")
    user = annotator_with_clips(tmp_path / "stream", slug="ws", kind="stream", language="en")
    work = assignment_next(user=user, project=Project.objects.get(slug="ws"))
    assert work is not None
    return annotation_submit(
        assignment_id=work.pk,
        user=user,
        payload={"segments": SEGMENTS},
        confirm_low_coverage=True,  # no trace: the correction leaves the trace as it is
    )


def test_stream_correction_edits_segments_and_sends(
    live_server, submitted_monologue, page: Page, screenshot
):
    sign_in(page, live_server, "/projects/ws/work")
    expect(page.locator("annotation-workspace")).to_have_attribute("data-state", "empty")
    page.get_by_role("link", name="My labels").click()
    expect(page.get_by_role("heading", name="Your submitted labels")).to_be_visible()
    screenshot("mine")
    page.get_by_role("link", name="Correct").click()

    screen = page.locator("annotation-correction")
    expect(screen).to_have_attribute("data-state", "stream")
    expect(page.locator("trace-recorder")).to_have_count(0)  # the trace is not corrected here
    expect(page.get_by_role("heading", name="Segment 1 of 2 · 0:00.0 – 0:12.0")).to_be_visible()
    page.keyboard.press("n")  # the second segment
    expect(page.get_by_role("radio", name="2 Joy")).to_be_checked()
    page.keyboard.press("3")  # Joy becomes Sadness
    expect(page.get_by_role("radio", name="3 Sadness")).to_be_checked()
    assert unnamed_controls(page) == []
    screenshot("stream")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".message")).to_have_text("Corrected: revision 2 is now current.")

    current = Annotation.objects.get(clip=submitted_monologue.clip, is_current=True)
    assert current.revision == 2
    assert [s["basic7"] for s in current.payload["segments"]] == ["Neutral", "Sadness"]
    assert current.payload["segments"][0] == SEGMENTS[0]

    page.keyboard.press("1")  # a second correction goes on from revision 2
    page.get_by_role("button", name="Send correction").click()
    expect(page.locator(".message")).to_have_text("Corrected: revision 3 is now current.")

    page.set_viewport_size({"width": 900, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 900
    screenshot("stream-900")


def test_another_annotator_gets_404_for_the_correction_page(
    live_server, submitted_monologue, page: Page
):
    other = get_user_model().objects.create_user("ann2", password=PASSWORD)
    membership_grant(project=Project.objects.get(slug="ws"), user=other, roles=[Role.ANNOTATOR])
    sign_in(page, live_server, username="ann2")
    url = f"{live_server.url}/projects/ws/annotations/{submitted_monologue.pk}/correct"
    assert page.goto(url).status == 404
    page.goto(f"{live_server.url}/projects/ws/mine")
    expect(page.get_by_role("heading", name="Your submitted labels")).to_be_visible()
    expect(page.get_by_role("link", name="Correct")).to_have_count(0)
