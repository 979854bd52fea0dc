"""An annotator rates a clip on the Self-Assessment Manikin: valence by clicking a manikin,
arousal by a digit in its row, dominance by a digit then an arrow key; the submitted
annotation carries the three numbers."""

import pytest
from playwright.sync_api import expect

from annotation.models import Annotation
from flows import annotator_with_a_layer, label_default_layers, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SAM_LAYER = {"name": "sam", "type": "sam", "title": {"en": "How did it feel?", "zh": "感受如何？"},
             "required": True}  # fmt: skip


@pytest.fixture
def sam_clip(media_root, tmp_path):
    return annotator_with_a_layer(tmp_path / "static", slug="sam", layer=SAM_LAYER)


def test_sam_rated_by_mouse_and_keyboard(seekable_media, live_server, sam_clip, screenshot):
    page = seekable_media
    sign_in(page, live_server)
    page.get_by_role("link", name="Start annotating").click()
    workspace = page.locator("annotation-workspace")
    expect(workspace).to_have_attribute("data-state", "static")

    label_default_layers(page)  # Basic-7 Joy, GoEmotions joy, intensity 4

    rows = page.get_by_role("radiogroup")
    expect(rows.filter(has_text="Valence").get_by_role("radio")).to_have_count(9)
    # Mouse: the seventh valence manikin (its picture, inside the radio's label).
    page.get_by_role("radio", name="Valence 7 of 9").locator("xpath=..").locator("svg").click()
    expect(page.get_by_role("radio", name="Valence 7 of 9")).to_be_checked()
    expect(page.get_by_role("radio", name="2 Joy")).to_be_checked()  # "7" went nowhere else

    # Keyboard: Tab to the arousal row, 3; Tab to dominance, 4 then one step right.
    page.keyboard.press("Tab")
    expect(page.get_by_role("radio", name="Arousal 1 of 9")).to_be_focused()
    page.keyboard.press("3")
    expect(page.get_by_role("radio", name="Arousal 3 of 9")).to_be_checked()
    page.keyboard.press("Tab")
    page.keyboard.press("4")
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("radio", name="Dominance 5 of 9")).to_be_checked()
    expect(page.get_by_role("radio", name="Dominance 4 of 9")).not_to_be_checked()
    expect(page.get_by_role("radio", name="2 Joy")).to_be_checked()  # digits stayed in the row

    assignment = int(workspace.get_attribute("data-assignment"))
    screenshot("sam-rated")

    page.keyboard.press("Control+Enter")
    expect(workspace).to_have_attribute("data-state", "empty")
    submitted = Annotation.objects.get(assignment_id=assignment, status="submitted")
    assert submitted.payload == {
        "basic7": "Joy", "goemotions": ["joy"], "intensity": 4,
        "sam": {"valence": 7, "arousal": 3, "dominance": 5},
    }  # fmt: skip
