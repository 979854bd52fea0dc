"""Two tabs, or a second device, on one assignment (issue item 4). After a submit in tab A,
tab B claimed its draft "is saved again at your next change" (the server answered 409) and its
submit failed with "already submitted: send a correction to change it", with no correction
screen anywhere. Now B shows what happened and leads on, its labels carried into the
correction; and a newer draft saved elsewhere is offered, never loaded silently."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from annotation.models import Annotation
from clips.media.synth import synth_clip
from flows import annotator_with_clips, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SADNESS = {"basic7": "Sadness", "goemotions": ["sadness"], "intensity": 2}


@pytest.fixture
def two_static_clips(media_root, tmp_path):
    folder = tmp_path / "static"
    for name, tone in (("first", 220.0), ("second", 330.0)):
        synth_clip(folder / f"{name}.mp4", seconds=4, tone_hz=tone)
    return annotator_with_clips(folder, slug="ws", kind="static", language="en")


def open_workspace(page: Page, live_server) -> int:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/projects/ws/work")
    workspace = page.locator("annotation-workspace")
    expect(workspace).to_have_attribute("data-state", "static")
    return int(workspace.get_attribute("data-assignment") or 0)


def choose(page: Page, basic7: str, goemotion: str, intensity: int) -> None:
    """Labels a static clip by keyboard, as an annotator does."""
    number = {"Joy": "2", "Sadness": "3"}[basic7]
    page.keyboard.press(number)
    page.keyboard.press("/")
    page.keyboard.type(goemotion)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.keyboard.press(f"Shift+Digit{intensity}")
    expect(page.get_by_role("radio", name=f"{number} {basic7}")).to_be_checked()


def wait_draft(page: Page, payload: dict, assignment: int) -> None:  # type: ignore[type-arg]
    """This tab's draft reached the server (the debounced save answered)."""
    expect(page.locator("annotation-workspace")).to_have_attribute(
        "data-draft-saved", re.compile(".+")
    )
    draft = Annotation.objects.get(assignment_id=assignment, status=Annotation.Status.DRAFT)
    assert draft.payload == payload


def send_correction_from(page: Page, assignment: int, expected: dict) -> None:  # type: ignore[type-arg]
    """'Open the correction' leads to the correction screen with this tab's labels, and
    sending them makes them revision 2."""
    page.get_by_role("link", name="Open the correction").click()
    screen = page.locator("annotation-correction")
    expect(screen).to_have_attribute("data-state", "static")
    expect(page.get_by_role("radio", name="3 Sadness")).to_be_checked()
    expect(page.get_by_role("radio", name="2", exact=True)).to_be_checked()
    page.get_by_role("button", name="Send correction").click()
    expect(page.locator(".message")).to_have_text("Corrected: revision 2 is now current.")
    current = Annotation.objects.get(assignment_id=assignment, is_current=True)
    assert (current.revision, current.payload) == (2, expected)


def test_a_change_after_a_submit_in_another_tab_leads_to_the_correction(
    browser: Browser, live_server, two_static_clips, screenshot, page: Page
):
    tab_b = page
    sign_in(tab_b, live_server)
    assignment = open_workspace(tab_b, live_server)
    choose(tab_b, "Sadness", "sadness", 3)
    wait_draft(tab_b, {**SADNESS, "intensity": 3}, assignment)

    tab_a = tab_b.context.new_page()  # a second tab: same browser, same session
    assert open_workspace(tab_a, live_server) == assignment
    choose(tab_a, "Joy", "joy", 4)
    tab_a.keyboard.press("Control+Enter")
    expect(tab_a.locator(".message")).to_have_text("Submitted. Here is the next clip.")

    tab_b.bring_to_front()
    tab_b.keyboard.press("Shift+Digit2")  # B's next change: its draft is refused (409)
    workspace = tab_b.locator("annotation-workspace")
    expect(workspace).to_have_attribute("data-state", "gone")
    expect(tab_b.locator(".message")).not_to_contain_text("saved again at your next change")
    expect(tab_b.get_by_role("heading")).to_contain_text(
        ["This clip was submitted from another tab or device"]
    )
    expect(tab_b.get_by_role("button", name="Take the next clip")).to_be_visible()
    screenshot("submitted-elsewhere")
    send_correction_from(tab_b, assignment, SADNESS)
    screenshot("corrected")


def test_a_submit_after_one_from_another_device_is_no_dead_end(
    browser: Browser, live_server, two_static_clips, page: Page
):
    device_b = page
    sign_in(device_b, live_server)
    assignment = open_workspace(device_b, live_server)
    choose(device_b, "Sadness", "sadness", 2)
    wait_draft(device_b, SADNESS, assignment)

    context_a = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        device_a = context_a.new_page()
        sign_in(device_a, live_server)
        assert open_workspace(device_a, live_server) == assignment
        choose(device_a, "Joy", "joy", 4)
        device_a.keyboard.press("Control+Enter")
        expect(device_a.locator(".message")).to_have_text("Submitted. Here is the next clip.")
    finally:
        context_a.close()
    submitted = Annotation.objects.get(assignment_id=assignment, is_current=True)
    assert submitted.payload["basic7"] == "Joy"

    device_b.keyboard.press("Control+Enter")  # B submits its own, different labels
    expect(device_b.locator("annotation-workspace")).to_have_attribute("data-state", "gone")
    expect(device_b.locator(".message")).not_to_contain_text("already submitted")
    send_correction_from(device_b, assignment, SADNESS)


def test_a_newer_draft_from_another_tab_is_offered_when_the_tab_comes_back(
    live_server, two_static_clips, page: Page, screenshot
):
    tab_a = page
    sign_in(tab_a, live_server)
    assignment = open_workspace(tab_a, live_server)
    tab_a.keyboard.press("2")
    wait_draft(tab_a, {"basic7": "Joy"}, assignment)

    tab_b = tab_a.context.new_page()
    assert open_workspace(tab_b, live_server) == assignment
    expect(tab_b.get_by_role("radio", name="2 Joy")).to_be_checked()
    before = tab_b.locator("annotation-workspace").get_attribute("data-draft-saved")
    tab_b.keyboard.press("3")
    expect(tab_b.locator("annotation-workspace")).not_to_have_attribute(
        "data-draft-saved", before or ""
    )
    wait_draft(tab_b, {"basic7": "Sadness"}, assignment)

    tab_a.bring_to_front()
    tab_a.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    load = tab_a.get_by_role("button", name="Load the newer draft")
    expect(load).to_be_visible()
    expect(tab_a.get_by_role("radio", name="2 Joy")).to_be_checked()  # not overwritten silently
    screenshot("newer-draft")
    load.click()
    expect(tab_a.get_by_role("radio", name="3 Sadness")).to_be_checked()
    expect(load).to_be_hidden()
