"""The 28 GoEmotions labels are one composite widget: a multi-select listbox that is a single
tab stop (roving tabindex), arrow keys move inside it, Space toggles, and the filter still
narrows it and picks with Enter."""

import re

import pytest
from playwright.sync_api import expect

from clips.media.synth import synth_clip
from flows import annotator_with_clips, sign_in, unnamed_controls

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
# Each change is autosaved 0.8 s later: the test waits for it, so that no request is still on
# its way when the database is emptied after the test.
DRAFT = re.compile(r".*/api/assignments/\d+/draft/$")


@pytest.fixture
def static_clip(media_root, tmp_path):
    synth_clip(tmp_path / "static" / "one.mp4", seconds=4)
    return annotator_with_clips(tmp_path / "static", slug="ws", kind="static", language="en")


def test_goemotions_is_one_tab_stop_with_arrow_keys(page, live_server, static_clip, screenshot):
    sign_in(page, live_server, "/projects/ws/work")
    expect(page.locator("annotation-workspace")).to_have_attribute("data-state", "static")
    form = page.locator("label-form")
    listbox = form.get_by_role("listbox", name="GoEmotions")
    expect(listbox).to_have_attribute("aria-multiselectable", "true")
    options = listbox.get_by_role("option")
    expect(options).to_have_count(29)  # the 28 labels and Unsure
    expect(form.locator('[role="option"][tabindex="0"]')).to_have_count(1)
    assert unnamed_controls(page) == []

    # Tab from the filter enters the list once, and the next Tab leaves it.
    search = form.get_by_role("searchbox")
    search.focus()
    page.keyboard.press("Tab")
    first = options.first
    expect(first).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    third = options.nth(2)
    expect(third).to_be_focused()
    with page.expect_response(DRAFT):
        page.keyboard.press("Space")
    expect(third).to_have_attribute("aria-selected", "true")
    expect(page.locator("clip-player")).not_to_have_attribute("data-playing", "")
    page.keyboard.press("Home")
    expect(first).to_be_focused()
    page.keyboard.press("End")
    expect(options.last).to_be_focused()
    page.keyboard.press("Tab")
    expect(form.locator("[role=option]:focus")).to_have_count(0)
    page.keyboard.press("Shift+Tab")
    expect(options.last).to_be_focused()  # the widget remembers where the user was
    screenshot("widget")

    # The filter narrows the options, Enter picks the best one and moves onto it.
    search.focus()
    page.keyboard.type("grat", delay=60)
    expect(listbox.locator("[role=option]:visible")).to_have_count(1)
    with page.expect_response(DRAFT):
        page.keyboard.press("Enter")
    gratitude = listbox.get_by_role("option", name="gratitude")
    expect(gratitude).to_have_attribute("aria-selected", "true")
    expect(gratitude).to_be_focused()
    expect(listbox.locator("[role=option]:visible")).to_have_count(29)
    # Letters typed in the list go back to the filter.
    page.keyboard.type("pri", delay=60)
    expect(search).to_have_value("pri")
    expect(search).to_be_focused()
