"""The language switch: the visible text (Django's templates and the front end's, both from
the gettext catalogue) turns Chinese, stays Chinese on the user's next sign-in elsewhere,
and turns back to English."""

from pathlib import Path

import polib
import pytest
from django.utils import translation
from playwright.sync_api import Browser, expect

from clips.media.synth import synth_clip
from flows import USERNAME, annotator_with_clips, sign_in, unnamed_controls

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FRONT_END = Path(__file__).resolve().parents[2] / "locale/zh_Hans/LC_MESSAGES/djangojs.po"


def chinese(msgid: str, *, front_end: bool = False) -> str:
    """The catalogue's translation (the test fails, not passes, if there is none)."""
    if front_end:
        entry = polib.pofile(str(FRONT_END)).find(msgid)
        text = entry.msgstr if entry else ""
    else:
        with translation.override("zh-hans"):
            text = translation.gettext(msgid)
    assert text and text != msgid, f"no Chinese for {msgid!r}"
    return text


@pytest.fixture
def annotator(media_root, tmp_path):
    synth_clip(tmp_path / "clips" / "hello.mp4", seconds=3)
    return annotator_with_clips(tmp_path / "clips", slug="lang", kind="static", language="zh")


def test_switch_to_chinese_and_back(page, browser: Browser, live_server, annotator, screenshot):
    sign_in(page, live_server)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Your projects")).to_be_visible()

    # keyboard only: the language select, then its button
    page.get_by_label("Language").focus()
    page.keyboard.press("End")  # 简体中文 is the last option
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", name=chinese("Your projects"))).to_be_visible()
    expect(page.get_by_role("heading", name="Your projects")).to_have_count(0)
    screenshot("home-zh")

    page.get_by_role("link", name=chinese("Start annotating")).click()
    workspace = page.locator("annotation-workspace")
    expect(workspace).to_have_attribute("data-state", "static")
    expect(workspace).to_contain_text(chinese("Keyboard shortcuts", front_end=True))
    expect(
        page.get_by_role("button", name=chinese("Skip this clip", front_end=True))
    ).to_be_visible()
    expect(workspace).not_to_contain_text("Keyboard shortcuts")
    screenshot("workspace-zh")
    assert unnamed_controls(page) == []

    # Another browser (no cookie, English Accept-Language): the choice follows the user.
    elsewhere = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 800})
    other = elsewhere.new_page()
    sign_in(other, live_server, username=USERNAME)
    expect(other.locator("html")).to_have_attribute("lang", "zh-hans")
    elsewhere.close()

    page.get_by_label(chinese("Language")).select_option("en")
    page.get_by_role("button", name=chinese("Switch")).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("annotation-workspace")).to_contain_text("Keyboard shortcuts")
    expect(page.get_by_role("button", name="Skip this clip")).to_be_visible()
    screenshot("workspace-en")
