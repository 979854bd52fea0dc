"""An annotator answers the Affect Grid: a click on a cell, then from the keyboard the arrows
move the chosen cell and two digits choose valence then arousal, without the digits reaching
the other layers' keys; the submitted annotation carries the cell."""

import pytest
from playwright.sync_api import expect

from annotation.models import Annotation
from flows import annotator_with_a_layer, label_default_layers, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

GRID_LAYER = {"name": "grid", "type": "affect_grid", "required": True,
              "title": {"en": "How did it feel?", "zh": "感受如何？"}}  # fmt: skip


@pytest.fixture
def grid_clip(media_root, tmp_path):
    return annotator_with_a_layer(tmp_path / "static", slug="grid", layer=GRID_LAYER)


def test_affect_grid_by_mouse_and_keyboard(seekable_media, live_server, grid_clip, screenshot):
    page = seekable_media
    sign_in(page, live_server)
    page.get_by_role("link", name="Start annotating").click()
    workspace = page.locator("annotation-workspace")
    expect(workspace).to_have_attribute("data-state", "static")

    label_default_layers(page)  # Basic-7 Joy, GoEmotions joy, intensity 4

    grid = page.get_by_role("grid", name="Affect Grid: pleasure across, arousal up")
    expect(grid.get_by_role("gridcell")).to_have_count(81)
    expect(grid.get_by_role("row")).to_have_count(9)
    for word in ("Stress", "Excitement", "Depression", "Relaxation", "Sleepiness"):
        expect(grid.get_by_text(word, exact=True)).to_be_visible()

    def cell(valence: int, arousal: int):
        return grid.get_by_role("gridcell", name=f"Valence {valence}, arousal {arousal}")

    # Mouse: unpleasant and aroused (towards Stress).
    cell(2, 8).click()
    expect(cell(2, 8)).to_have_attribute("aria-selected", "true")
    expect(grid).to_be_focused()
    expect(page.get_by_text("Valence 2 · Arousal 8")).to_be_visible()

    # Keyboard: the arrows move the chosen cell; two digits choose valence, then arousal.
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    expect(cell(3, 7)).to_have_attribute("aria-selected", "true")
    expect(cell(2, 8)).to_have_attribute("aria-selected", "false")
    page.keyboard.press("7")
    expect(page.get_by_text("Valence 7; now arousal, 1–9")).to_be_visible()
    expect(cell(3, 7)).to_have_attribute("aria-selected", "true")  # not chosen yet
    page.keyboard.press("3")
    expect(cell(7, 3)).to_have_attribute("aria-selected", "true")  # towards Relaxation
    expect(grid.locator("[aria-selected=true]")).to_have_count(1)
    expect(page.get_by_role("radio", name="2 Joy")).to_be_checked()  # the digits stayed here
    expect(grid).to_have_attribute("aria-activedescendant", cell(7, 3).get_attribute("id"))

    assignment = int(workspace.get_attribute("data-assignment"))
    screenshot("affect-grid-answered")

    page.keyboard.press("Control+Enter")
    expect(workspace).to_have_attribute("data-state", "empty")
    submitted = Annotation.objects.get(assignment_id=assignment, status="submitted")
    assert submitted.payload == {
        "basic7": "Joy", "goemotions": ["joy"], "intensity": 4,
        "grid": {"valence": 7, "arousal": 3},
    }  # fmt: skip
