"""Letters are commands only where nobody types: in a text field every shortcut but the ones
meant for it (Ctrl+Enter, Esc, Alt+digit) only types; state-changing keys never fire from a
control that has the focus, and say what they did when they do fire; the annotator's and the
adjudicator's segment editors share their keys. The keys come from the shortcut table itself:
each workspace's legend carries, per binding, the key presses it answers (data-press)."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from clips.media.synth import synth_clip
from flows import annotator_with_clips, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SRT = """1
00:00:00,000 --> 00:00:04,000
I came here with nothing.

2
00:00:04,000 --> 00:00:08,000
The first winter was hard.

3
00:00:08,000 --> 00:00:12,000
But look at us now.
"""
RECORD = "Record while the clip plays (R)"
SUBMITS = re.compile(r".*/api/assignments/\d+/submit/$")
# A change is autosaved 0.8 s later: the tests wait for it, so that no request is still on
# its way when the database is emptied after the test.
DRAFT = re.compile(r".*/api/assignments/\d+/draft/$")

# Everything a key could change besides the text: playback, segments and which one is
# selected, every label (radios, and GoEmotions options or checkboxes), recording, the
# status line, the clip on screen.
STATE = """() => {
  const video = document.querySelector("clip-player video");
  const timeline = document.querySelector("segment-timeline");
  const recorder = document.querySelector("trace-recorder");
  const workspace = document.querySelector("annotation-workspace, adjudication-workspace");
  const status = document.querySelector(".workspace-header .message, .adj-status");
  const heading = document.querySelector(".segment-editor h3, .adj-segment-editor h4");
  return JSON.stringify({
    paused: video.paused, time: video.currentTime, rate: video.playbackRate,
    segments: timeline ? [...timeline.shadowRoot.querySelectorAll(".seg")].map(
      (b) => `${b.getAttribute("aria-label")} ${b.getAttribute("aria-pressed")}`) : [],
    heading: heading ? heading.textContent : "",
    labels: [...document.querySelectorAll("label-form")].flatMap((f) => [
      ...f.shadowRoot.querySelectorAll("input[type=radio], input[type=checkbox], [role=option]"),
    ].map((i) => (i.getAttribute("role") ? i.getAttribute("aria-selected") : i.checked))),
    recording: recorder ? recorder.recording : null,
    status: status ? status.textContent : "",
    state: workspace.dataset.state,
    assignment: workspace.dataset.assignment || "",
  });
}"""


@pytest.fixture
def monologue(media_root, tmp_path):
    folder = tmp_path / "stream"
    synth_clip(folder / "mono.mp4", seconds=12)
    (folder / "mono.srt").write_text(SRT)
    return annotator_with_clips(folder, slug="ws", kind="stream", language="en")


@pytest.fixture
def static_clip(media_root, tmp_path):
    synth_clip(tmp_path / "static" / "one.mp4", seconds=4)
    return annotator_with_clips(tmp_path / "static", slug="ws", kind="static", language="en")


def open_stream(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_server, "/projects/ws/work")
    expect(page.locator("annotation-workspace")).to_have_attribute("data-state", "stream")
    expect(page.locator("trace-recorder")).to_have_attribute("data-state", "ready")
    expect(page.locator("segment-timeline .seg")).to_have_count(3)
    expect(page.get_by_label(RECORD)).to_be_checked()


def test_slash_neutral_at_typing_speed(page, live_server, monologue, screenshot):
    """P at segment 1 selected nothing, so "/" had no filter to open and "neutral" ran as
    commands: n selected, r stopped the recording, a added a segment."""
    open_stream(page, live_server)
    heading = page.locator(".segment-editor h3")
    expect(heading).to_contain_text("Segment 1 of 3")
    page.keyboard.press("p")
    expect(heading).to_contain_text("Segment 1 of 3")
    page.keyboard.type("/neutral", delay=90)
    with page.expect_response(DRAFT):
        page.keyboard.press("Enter")
    expect(page.get_by_label(RECORD)).to_be_checked()
    expect(page.locator("segment-timeline .seg")).to_have_count(3)
    expect(heading).to_contain_text("Segment 1 of 3")
    expect(page.locator("label-form")).to_contain_text("Chosen: neutral")
    screenshot("neutral-picked")


def test_state_changing_keys_say_what_they_did_and_not_from_a_control(page, live_server, monologue):
    open_stream(page, live_server)
    status = page.locator(".workspace-header .message")
    segments = page.locator("segment-timeline .seg")
    # A label radio has the focus (clicked): the letters do not edit segments or recording.
    page.get_by_role("radio", name=re.compile("^2 ")).click()
    for key in ("r", "a", "Delete", "m", "s", "n"):
        page.keyboard.press(key)
    expect(page.get_by_label(RECORD)).to_be_checked()
    expect(segments).to_have_count(3)
    expect(page.locator(".segment-editor h3")).to_contain_text("Segment 1 of 3")
    # With the focus nowhere in particular they work, and the status line says what they did.
    page.keyboard.press("Escape")
    page.keyboard.press("r")
    expect(page.get_by_label(RECORD)).not_to_be_checked()
    expect(status).to_have_text("Trace recording is off.")
    page.keyboard.press("n")
    expect(status).to_have_text("Segment 2 of 3 selected.")
    page.keyboard.press("Delete")
    expect(segments).to_have_count(2)
    expect(status).to_have_text("Segment 2 deleted.")
    page.keyboard.press("p")
    with page.expect_response(DRAFT):
        page.keyboard.press("m")
    expect(segments).to_have_count(1)
    expect(status).to_contain_text("merged")


def test_picking_a_goemotions_label_leaves_the_filter(page, live_server, static_clip):
    """After /joy + Enter the cursor stayed in the filter: Shift+3 typed "#" and hid every
    label; /joy + Enter again unticked Joy without a word."""
    sign_in(page, live_server, "/projects/ws/work")
    expect(page.locator("annotation-workspace")).to_have_attribute("data-state", "static")
    form = page.locator("label-form")
    page.keyboard.type("/joy", delay=80)
    page.keyboard.press("Enter")
    expect(form).to_contain_text("Chosen: joy")
    with page.expect_response(DRAFT):
        page.keyboard.press("Shift+Digit3")
    expect(page.get_by_role("radio", name="3", exact=True)).to_be_checked()
    expect(form.locator("input[type=search]")).to_have_value("")
    expect(form.get_by_role("option")).to_have_count(29)  # the 28 labels and Unsure
    for option in form.get_by_role("option").all():
        expect(option).to_be_visible()
    # Enter on a label already chosen keeps it, and says so.
    page.keyboard.type("/joy", delay=80)
    page.keyboard.press("Enter")
    expect(form).to_contain_text("Chosen: joy")
    expect(form).to_contain_text("joy is already chosen")


def test_space_after_a_refused_submit_plays(page, live_server, static_clip):
    sign_in(page, live_server, "/projects/ws/work")
    expect(page.locator("annotation-workspace")).to_have_attribute("data-state", "static")
    submits: list[str] = []
    page.on("request", lambda r: SUBMITS.match(r.url) and submits.append(r.url))
    page.get_by_role("button", name="Submit").click()
    expect(page.locator(".workspace-header .message")).to_contain_text("Still to choose")
    page.keyboard.press("Space")
    expect(page.locator("clip-player")).to_have_attribute("data-playing", "")
    assert submits == []


def test_adjudicator_edits_segments_with_the_annotator_keys(
    page, live_server, disputes, screenshot
):
    """The adjudicator stepped through segments with [ ] (the annotator's P N) and had no
    A, S, M or Delete; Shift+N is the next disputed clip."""
    sign_in(page, live_server, "/projects/adj/adjudicate", username="judge")
    workspace = page.locator("adjudication-workspace")
    expect(workspace).to_have_attribute("data-state", "idle")
    workspace.locator("button[data-clip-id]").filter(has_text="stream").click()
    expect(workspace).to_have_attribute("data-state", "stream")
    heading = workspace.locator(".adj-segment-editor h4")
    expect(heading).to_contain_text("Segment 1 of 2")
    page.keyboard.press("n")
    expect(heading).to_contain_text("Segment 2 of 2")
    page.keyboard.press("p")
    expect(heading).to_contain_text("Segment 1 of 2")
    page.keyboard.press("Delete")
    expect(heading).to_contain_text("Segment 1 of 1")
    expect(workspace.locator(".adj-status")).to_have_text("Segment 1 deleted.")
    legend = workspace.locator("details.shortcuts")
    expect(legend).to_contain_text("previous / next segment")
    expect(legend).to_contain_text("Shift+N")
    screenshot("adjudicator-segment-deleted")


def shortcut_presses(page: Page) -> list[str]:
    """The presses of every binding in the workspace's legend that is not meant for text."""
    presses = page.eval_on_selector_all(
        "details.shortcuts dt[data-press]:not([data-in-text])",
        "dts => dts.flatMap(dt => dt.dataset.press.split(' '))",
    )
    assert len(presses) >= 20, presses
    return presses


def assert_only_text_changes(page: Page, field, presses: list[str]) -> None:  # type: ignore[no-untyped-def]
    field.focus()
    before = page.evaluate(STATE)
    text = field.input_value()
    for press in presses:
        page.keyboard.press(press)
        assert page.evaluate(STATE) == before, f"{press} in {field}"
        expect(field).to_be_focused()
    assert field.input_value() != text  # the keys typed


def watch_submits(page: Page) -> list[str]:
    submits: list[str] = []
    page.on("request", lambda r: SUBMITS.match(r.url) and submits.append(r.url))
    return submits


def test_every_shortcut_only_types_in_annotator_text_fields(page, live_server, monologue, tmp_path):
    synth_clip(tmp_path / "static" / "one.mp4", seconds=4)
    call_command(
        "import_clips", str(tmp_path / "static"), project="ws", kind="static", language="en",
        stdout=StringIO(), stderr=StringIO(),
    )  # fmt: skip
    submits = watch_submits(page)
    open_stream(page, live_server)  # the stream clip first: imported first
    presses = shortcut_presses(page)
    assert {"a", "r", "Delete", "n", "p"} <= set(presses)
    fields = [page.locator("label-form input[type=search]"), *page.locator("textarea").all()]
    assert len(fields) == 4
    for field in fields:
        assert_only_text_changes(page, field, presses)
    page.get_by_role("button", name="Skip this clip").click()
    expect(page.locator("annotation-workspace")).to_have_attribute("data-state", "static")
    presses = shortcut_presses(page)
    assert "1" in presses and "a" not in presses
    assert_only_text_changes(page, page.locator("label-form input[type=search]"), presses)
    assert submits == []


def test_every_shortcut_only_types_in_adjudicator_text_fields(page, live_server, disputes):
    submits = watch_submits(page)
    sign_in(page, live_server, "/projects/adj/adjudicate", username="judge")
    workspace = page.locator("adjudication-workspace")
    expect(workspace).to_have_attribute("data-state", "idle")
    for kind in ("static", "stream"):
        workspace.locator("button[data-clip-id]").filter(has_text=kind).click()
        expect(workspace).to_have_attribute("data-state", kind)
        presses = shortcut_presses(page)
        assert {"Shift+N", "1"} <= set(presses)
        assert ("n" in presses) == (kind == "stream")
        for field in (
            workspace.locator("label-form input[type=search]"),
            workspace.locator('textarea[name="rationale"]'),
        ):
            assert_only_text_changes(page, field, presses)
        workspace.get_by_role("button", name="Skip this clip").click()
        expect(workspace).to_have_attribute("data-state", "idle")
    assert submits == []
