"""The workspaces at the screen sizes annotators use: at 1280×800 the streaming clip's video
and the selected segment's labels are seen together; in a 900 px window the transcript stays
readable; after a decision the adjudicator sees the top of the workspace, not blank space."""

import pytest
from playwright.sync_api import expect

from flows import annotator_with_clips, sign_in, write_monologue

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The transcript panel's least size in both directions, px: about eight lines of the
# transcript (0.875rem text, 1.5 line height, one line per button-led row: ~28 px) to see the
# current utterance with what comes before and after it, and about 30 Latin or 17 Chinese
# characters a line, so an utterance wraps in two or three lines, not one word a line.
TRANSCRIPT_MIN_PX = 240


WORKSPACE_TOP = "document.querySelector('adjudication-workspace').getBoundingClientRect().top"
# Wholly visible: below the workspace's sticky bar and above the window's bottom edge.
BELOW_THE_BAR = """(selector) => {
  const bar = document.querySelector(".adj-bar").getBoundingClientRect();
  const box = document.querySelector(selector).getBoundingClientRect();
  return box.top >= bar.bottom && box.bottom <= innerHeight;
}"""


@pytest.fixture
def monologue(media_root, tmp_path):
    write_monologue(tmp_path / "sm")
    return annotator_with_clips(tmp_path / "sm", slug="sm", kind="stream", language="en")


def open_stream(page, live_server) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_server, "/projects/sm/work")
    expect(page.locator("annotation-workspace")).to_have_attribute("data-state", "stream")
    expect(page.locator("trace-recorder")).to_have_attribute("data-state", "ready")
    expect(page.locator("label-form fieldset").first).to_be_visible()


def inside_viewport(page, selector: str) -> dict:  # type: ignore[no-untyped-def]
    return page.evaluate(
        """(selector) => {
          const r = document.querySelector(selector).getBoundingClientRect();
          return { top: r.top, bottom: r.bottom, left: r.left, right: r.right,
                   inside: r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight
                           && r.right <= innerWidth };
        }""",
        selector,
    )


def test_stream_video_and_segment_labels_in_view_at_1280x800(page, live_server, monologue):
    page.set_viewport_size({"width": 1280, "height": 800})
    open_stream(page, live_server)
    assert page.evaluate("scrollY") == 0
    for selector in ("clip-player video", ".segment-editor label-form"):
        box = inside_viewport(page, selector)
        assert box["inside"], f"{selector} is not within 1280×800 unscrolled: {box}"


def test_stream_transcript_keeps_its_size_at_900px(page, live_server, monologue):
    page.set_viewport_size({"width": 900, "height": 800})
    open_stream(page, live_server)
    box = page.locator(".transcript-panel").bounding_box()
    assert box["width"] >= TRANSCRIPT_MIN_PX and box["height"] >= TRANSCRIPT_MIN_PX, box
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 900


def test_after_a_decision_the_workspace_top_is_in_view(
    seekable_media, live_server, disputes, screenshot
):
    page = seekable_media
    # A laptop's 1366×768 screen less the browser's bars: the queue and the legend make the
    # idle page taller than the window.
    page.set_viewport_size({"width": 1280, "height": 640})
    sign_in(page, live_server, "/projects/adj/adjudicate", username="judge")
    workspace = page.locator("adjudication-workspace")
    queue = workspace.locator("button[data-clip-id]")
    expect(queue).to_have_count(2)
    expect(workspace).to_have_attribute("data-state", "idle")
    queue.last.click()  # the monologue: a long page, decided at its foot
    expect(workspace).to_have_attribute("data-state", "stream")
    page.keyboard.press("Alt+1")
    page.locator('textarea[name="rationale"]').fill("A's boundary matches the pause.")
    page.locator('button[data-action="decide"]').click()
    expect(workspace.locator(".adj-status")).to_contain_text("adjudicated")
    screenshot("after-decision", full_page=False)
    # The idle page is short: the adjudicator must not be left looking at the blank space
    # below it, with "No clip under review" under the sticky bar.
    assert page.evaluate(WORKSPACE_TOP) >= 0
    assert page.evaluate(BELOW_THE_BAR, ".adj-idle")

    page.keyboard.press("Enter")  # the focused "Next disputed clip": the static clip
    expect(workspace).to_have_attribute("data-state", "static")
    assert page.evaluate(WORKSPACE_TOP) >= 0
    assert page.evaluate(BELOW_THE_BAR, ".adj-review h2")
