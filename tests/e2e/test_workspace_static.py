"""An annotator works through static clips with the keyboard only: skip one, label the next
(Basic-7 by number, GoEmotions by typing, intensity by Shift+digit), the draft autosaves,
Ctrl+Enter submits, and the empty queue says so."""

import re
import time

import pytest
from playwright.sync_api import expect

from annotation.models import Annotation, Assignment
from clips.media.synth import synth_clip
from flows import VIDEO, annotator_with_clips, label_and_submit, media_time, sign_in, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_static_clips(media_root, tmp_path):
    folder = tmp_path / "static"
    for name, tone in (("first", 220.0), ("second", 330.0)):
        synth_clip(folder / f"{name}.mp4", seconds=4, tone_hz=tone)
    return annotator_with_clips(folder, slug="ws", kind="static", language="zh")


def test_static_clip_labelled_by_keyboard(
    seekable_media, live_server, two_static_clips, screenshot
):
    page = seekable_media
    sign_in(page, live_server)
    page.get_by_role("link", name="Start annotating").click()
    workspace = page.locator("annotation-workspace")
    expect(workspace).to_have_attribute("data-state", "static")
    expect(page.locator(".progress")).to_contain_text("Done today: 0")
    expect(page.locator(".transcript")).to_have_attribute("lang", "zh")
    expect(page.get_by_text("Keyboard shortcuts")).to_be_visible()

    # Skip the first clip (keyboard: focus the button, Enter).
    skipped = int(workspace.get_attribute("data-assignment"))
    page.get_by_role("button", name="Skip this clip").focus()
    page.keyboard.press("Enter")
    expect(workspace).to_have_attribute("data-assignment", re.compile(rf"^(?!{skipped}$)\d+$"))
    assert Assignment.objects.get(pk=skipped).status == Assignment.Status.RELEASED
    page.keyboard.press("Escape")  # focus leaves the button: Space plays again

    # The player: play, pause, seek by 1 s and 5 s, frame step, rate.
    video = page.locator("clip-player video")
    expect(video).to_have_js_property("readyState", 4)
    page.keyboard.press("Space")
    expect(page.locator("clip-player")).to_have_attribute("data-playing", "")
    page.keyboard.press("k")
    expect(page.locator("clip-player")).not_to_have_attribute("data-playing", "")
    page.evaluate(f"{VIDEO}.currentTime = 1")
    page.keyboard.press("l")
    wait_until(page, f"Math.abs({VIDEO}.currentTime - 2) < 0.05")
    page.keyboard.press("Shift+ArrowLeft")
    wait_until(page, f"{VIDEO}.currentTime === 0")
    page.keyboard.press(".")
    page.keyboard.press(".")
    wait_until(page, f"{VIDEO}.currentTime > 0.08")
    assert int(media_time(page) * 25) == 2  # the clip's 25 fps: two frames on
    page.keyboard.press("Shift+Period")  # ">"
    expect(video).to_have_js_property("playbackRate", 1.25)

    # Labels: Basic-7 by number, GoEmotions by typing, intensity by Shift+digit.
    page.keyboard.press("2")
    expect(page.get_by_role("radio", name="2 Joy")).to_be_checked()
    page.keyboard.press("/")
    page.keyboard.type("joy")
    page.keyboard.press("Enter")
    page.keyboard.type("prid")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    expect(page.get_by_text("Chosen: joy, pride")).to_be_visible()
    page.keyboard.press("Shift+Digit4")
    expect(page.get_by_role("radio", name="4", exact=True)).to_be_checked()

    # The draft autosaves (debounced PUT) with what was chosen.
    assignment = int(workspace.get_attribute("data-assignment"))
    expect(workspace).to_have_attribute("data-draft-saved", re.compile(".+"))
    draft = Annotation.objects.get(assignment_id=assignment, status=Annotation.Status.DRAFT)
    assert draft.payload == {"basic7": "Joy", "goemotions": ["joy", "pride"], "intensity": 4}
    screenshot("labelled")

    page.keyboard.press("Control+Enter")
    expect(workspace).to_have_attribute("data-state", "empty")
    expect(page.get_by_role("heading", name="No clip is waiting for you")).to_be_visible()
    expect(page.locator(".progress")).to_contain_text("Done today: 1")
    screenshot("queue-empty")

    submitted = Annotation.objects.get(assignment_id=assignment, status=Annotation.Status.SUBMITTED)
    assert submitted.payload == {"basic7": "Joy", "goemotions": ["joy", "pride"], "intensity": 4}
    assert submitted.annotator.username == "ann"
    assert Assignment.objects.get(pk=assignment).status == Assignment.Status.SUBMITTED


def test_submit_names_what_is_missing(seekable_media, live_server, two_static_clips):
    page = seekable_media
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/projects/ws/work")
    expect(page.locator("annotation-workspace")).to_have_attribute("data-state", "static")
    page.keyboard.press("0")  # Unsure
    page.keyboard.press("Control+Enter")
    expect(page.locator(".message")).to_have_text("Still to choose: GoEmotions, Intensity.")
    assert not Annotation.objects.filter(status=Annotation.Status.SUBMITTED).exists()


def test_a_change_made_just_before_leaving_is_kept(seekable_media, live_server, two_static_clips):
    """A label chosen within the draft's debounce before Back was lost on coming forward:
    the pending draft is sent as the page is hidden."""
    page = seekable_media
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/projects/ws/work")
    workspace = page.locator("annotation-workspace")
    expect(workspace).to_have_attribute("data-state", "static")
    assignment = int(workspace.get_attribute("data-assignment"))
    page.keyboard.press("3")  # and leave at once, well inside the 0.8 s debounce
    page.go_back()
    page.wait_for_url(f"{live_server.url}/")
    deadline = time.monotonic() + 30  # a hang guard: the request left with the page
    while not Annotation.objects.filter(assignment_id=assignment, status="draft").exists():
        assert time.monotonic() < deadline, "the draft never arrived"
        time.sleep(0.1)
    draft = Annotation.objects.get(assignment_id=assignment, status="draft")
    assert draft.payload.get("basic7") == "Sadness"
    page.go_forward()
    expect(workspace).to_have_attribute("data-assignment", str(assignment))
    expect(page.get_by_role("radio", name="3 Sadness")).to_be_checked()
    expect(page.locator(".message")).to_have_text("Your draft was restored.")


def test_the_count_and_the_end_of_the_queue_say_one_thing(
    seekable_media, live_server, two_static_clips, screenshot
):
    """ "Remaining for you" counted the open clip out (1 with two to do); at the end of the
    queue the page said "Here is the next clip." above "No clip is waiting", repeated the
    heading in a "The server says" line and kept an empty shortcuts box."""
    page = seekable_media
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/projects/ws/work")
    workspace = page.locator("annotation-workspace")
    expect(workspace).to_have_attribute("data-state", "static")
    progress = page.locator(".progress")
    expect(progress).to_contain_text("Remaining for you: 2")
    label_and_submit(page)
    expect(page.locator(".message")).to_have_text("Submitted. Here is the next clip.")
    expect(progress).to_contain_text("Remaining for you: 1")
    label_and_submit(page)
    expect(workspace).to_have_attribute("data-state", "empty")
    expect(page.locator(".message")).to_have_text(
        "Submitted. That was the last clip waiting for you."
    )
    expect(progress).to_contain_text("Remaining for you: 0")
    expect(page.get_by_text("No clip is waiting for you", exact=False)).to_have_count(1)
    expect(page.get_by_text("The server says")).to_have_count(0)
    expect(page.locator("details.shortcuts")).to_be_hidden()
    screenshot("queue-empty-after-submit")


def test_a_refusal_follows_what_is_still_missing_and_is_seen_where_you_are(
    seekable_media, live_server, two_static_clips, screenshot
):
    """ "Still to choose: …" stayed after everything was chosen, and a refusal shown at the
    top of the page went unseen by someone scrolled down."""
    page = seekable_media
    page.set_viewport_size({"width": 900, "height": 420})
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/projects/ws/work")
    expect(page.locator("annotation-workspace")).to_have_attribute("data-state", "static")
    message = page.locator(".message")
    page.mouse.wheel(0, 5000)
    wait_until(page, "window.scrollY > 100")
    page.keyboard.press("Control+Enter")
    expect(message).to_have_text("Still to choose: Basic emotion, GoEmotions, Intensity.")
    expect(message).to_be_in_viewport()
    screenshot("refusal-scrolled", full_page=False)
    page.keyboard.press("2")
    expect(message).to_have_text("Still to choose: GoEmotions, Intensity.")
    page.keyboard.press("/")
    page.keyboard.type("joy")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.keyboard.press("Shift+Digit4")
    expect(message).to_have_text("")
    assert not Annotation.objects.filter(status=Annotation.Status.SUBMITTED).exists()
