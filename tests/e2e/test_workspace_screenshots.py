"""Both workspaces (the annotator's static and streaming clips, the adjudicator's review) at
the screen sizes annotators use, in English and Chinese: screenshots in test-artifacts/ to
look at, and the checks a screenshot shows at a glance — nothing wider than the window, no
header text on top of other text or cut off."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from annotation.models import Project, Role
from annotation.services.preferences import user_language_set
from annotation.services.projects import membership_grant
from clips.media.synth import synth_clip
from flows import USERNAME, annotator_with_clips, sign_in, wait_until, write_monologue

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# A laptop, and a window on half of a wide screen.
SIZES = ({"width": 1280, "height": 800}, {"width": 900, "height": 800})
HEADERS = ".site, .workspace-header, .adj-bar"
# Pairs of header text boxes that overlap (other than a text and its own wrapped lines), and
# header text cut by its box or by the window's edge.
HEADER_PROBLEMS = """(selector) => {
  const boxes = [];
  const cut = [];
  for (const root of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent.trim();
      const owner = node.parentElement;
      if (!text || !owner.checkVisibility() || owner.closest("select, .skip")) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const r of range.getClientRects()) {
        if (r.width < 1 || r.height < 1) continue;
        boxes.push({ node, text, r });
        if (r.left < 0 || r.right > innerWidth + 0.5) cut.push(`${text} (off screen)`);
      }
      const style = getComputedStyle(owner);
      if (style.overflow !== "visible" && owner.scrollWidth > owner.clientWidth + 1)
        cut.push(`${text} (cut by its box)`);
    }
  }
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      if (a.node === b.node) continue;
      const x = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
      const y = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
      if (x > 1 && y > 1) overlaps.push(`${a.text} / ${b.text}`);
    }
  }
  return [...overlaps, ...cut];
}"""


@pytest.fixture
def workspaces(media_root, tmp_path, disputes):
    """Project "st" with a static clip and "sm" with a monologue for the annotator; the
    disputed project "adj" for the adjudicator "judge"."""
    synth_clip(tmp_path / "st" / "greeting.mp4", seconds=4)
    annotator = annotator_with_clips(tmp_path / "st", slug="st", kind="static", language="zh")
    write_monologue(tmp_path / "sm")
    call_command(
        "import_clips", str(tmp_path / "sm"), project="sm", kind="stream", language="en",
        stdout=StringIO(), stderr=StringIO(),
    )  # fmt: skip
    membership_grant(project=Project.objects.get(slug="sm"), user=annotator, roles=[Role.ANNOTATOR])
    return disputes


def check_and_shoot(page, screenshot, name: str) -> None:  # type: ignore[no-untyped-def]
    for size in SIZES:
        page.set_viewport_size(size)
        # The charts follow their box's new width a frame after the window's change.
        wait_until(page, "document.scrollingElement.scrollWidth <= innerWidth", timeout=5_000)
        assert page.evaluate(HEADER_PROBLEMS, HEADERS) == [], f"{name} at {size['width']} px"
        screenshot(f"{name}-{size['width']}")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_workspaces_at_laptop_and_half_screen_sizes(
    seekable_media, live_server, workspaces, screenshot, language
):
    page = seekable_media
    for user in get_user_model().objects.filter(username__in=[USERNAME, "judge"]):
        user_language_set(user=user, language=language)
    workspace = page.locator("annotation-workspace")

    sign_in(page, live_server, "/projects/st/work")
    expect(workspace).to_have_attribute("data-state", "static")
    expect(page.locator("clip-player video")).to_have_js_property("readyState", 4)
    check_and_shoot(page, screenshot, "annotator-static")

    page.goto(f"{live_server.url}/projects/sm/work")
    expect(workspace).to_have_attribute("data-state", "stream")
    expect(page.locator("trace-recorder")).to_have_attribute("data-state", "ready")
    check_and_shoot(page, screenshot, "annotator-stream")

    page.context.clear_cookies()
    sign_in(page, live_server, "/projects/adj/adjudicate", username="judge")
    review = page.locator("adjudication-workspace")
    expect(review).to_have_attribute("data-state", "idle")
    check_and_shoot(page, screenshot, "adjudicator-idle")
    page.keyboard.press("Shift+N")
    expect(review).to_have_attribute("data-state", "static")
    check_and_shoot(page, screenshot, "adjudicator-static")
    page.locator('button[data-action="skip"]').click()  # the monologue comes next
    expect(review).to_have_attribute("data-state", "idle")
    page.locator('button[data-action="next"]').click()
    expect(review).to_have_attribute("data-state", "stream")
    expect(review.locator('figure[data-dimension="valence"] [role="img"]')).to_be_visible()
    check_and_shoot(page, screenshot, "adjudicator-stream")


def test_chinese_pages_leave_no_english_words(page, live_server, disputes):
    """In Chinese: the annotators' pseudonyms, a clip's language, the language switch, the
    clip counts and an API error named things in English (or by code: "zh", "en")."""
    judge = get_user_model().objects.get(username="judge")
    user_language_set(user=judge, language="zh-hans")
    sign_in(page, live_server, "/projects/adj/adjudicate", username="judge")
    review = page.locator("adjudication-workspace")
    expect(review).to_have_attribute("data-state", "idle")
    page.keyboard.press("Shift+N")
    expect(review).to_have_attribute("data-state", "static")
    expect(review.locator("thead th[data-annotator]")).to_have_text(
        ["标注员 A", "标注员 B", "标注员 C"]
    )
    expect(review.locator(".adj-meta")).to_contain_text("中文")
    expect(review.locator(".adj-meta")).not_to_contain_text(" zh ")
    expect(review.locator("[data-action=use]").first).to_contain_text("标注员 A")
    # Each language by its own name.
    expect(page.locator("#language-select option")).to_have_text(["English", "简体中文"])

    # An annotator's request by an adjudicator: the refusal names the role in Chinese.
    error = page.evaluate(
        """fetch("/api/projects/adj/next/", {method: "POST", headers: {
             "X-CSRFToken": document.querySelector("adjudication-workspace").dataset.csrf}})
           .then((r) => r.json())"""
    )
    assert "标注员" in error["error"]["message"] and "annotator" not in error["error"]["message"]

    page.goto(f"{live_server.url}/projects/adj/clips")
    counts = page.locator("main > p").first
    expect(counts).to_contain_text("就绪")
    expect(counts).not_to_contain_text("ready")
