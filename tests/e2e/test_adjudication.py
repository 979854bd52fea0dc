"""An adjudicator resolves disputed clips with the keyboard: the queue says why each clip is
there, the layer-1 labels stand side by side, a monologue's traces are overlaid with their
aggregate and lags; Alt+digit takes an annotator's labels, Ctrl+Enter decides with a
rationale, and the gold label records provenance "adjudicated" with that rationale."""

import re

import pytest
from playwright.sync_api import expect

from annotation.models import Assignment, GoldLabel
from clips.models import Clip
from flows import sign_in, unnamed_controls

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_adjudicator_resolves_disputes_by_keyboard(
    seekable_media, live_server, disputes, screenshot
):
    page = seekable_media
    sign_in(page, live_server, "/projects/adj/adjudicate", username="judge")
    workspace = page.locator("adjudication-workspace")
    queue = workspace.locator("button[data-clip-id]")
    expect(queue).to_have_count(2)
    expect(workspace).to_contain_text("Tier: low")
    expect(workspace).to_contain_text("different labels from 3 annotators")
    # Opening the page with nothing to resume is the usual start, not a message from the server.
    expect(workspace).to_have_attribute("data-state", "idle")
    expect(workspace.get_by_text("you have no clip open")).to_have_count(0)

    page.keyboard.press("Shift+N")  # the oldest disputed clip: the static one
    expect(workspace).to_have_attribute("data-state", "static")
    for name in ("Annotator A", "Annotator B", "Annotator C"):
        expect(workspace.locator(f'th[data-annotator="{name}"]')).to_be_visible()
    expect(workspace.locator('td[data-annotator="Annotator B"]').first).to_contain_text("Sadness")
    screenshot("static-review")

    page.keyboard.press("Control+Enter")  # no rationale yet: refused, and said where
    expect(page.locator("#adj-rationale-error")).not_to_be_empty()
    page.keyboard.press("Alt+2")  # take Annotator B's labels
    page.locator('textarea[name="rationale"]').focus()
    page.keyboard.type("The speaker's voice breaks: sadness, as B heard it.")
    page.keyboard.press("Control+Enter")
    expect(workspace.locator(".adj-status")).to_contain_text("adjudicated")
    gold = GoldLabel.objects.get(clip__kind=Clip.Kind.STATIC, is_current=True)
    assert gold.provenance == "adjudicated" and gold.payload["basic7"] == "Sadness"
    assert gold.adjudication.rationale == "The speaker's voice breaks: sadness, as B heard it."
    assert gold.decided_by.username == "judge"

    expect(page.locator('button[data-action="next"]')).to_be_focused()
    page.keyboard.press("Enter")  # the monologue: traces overlaid, segments in lanes
    expect(workspace).to_have_attribute("data-state", "stream")
    for dimension in ("valence", "arousal"):
        chart = workspace.locator(f'figure[data-dimension="{dimension}"] [role="img"]')
        expect(chart).to_have_attribute("aria-label", re.compile("CCC"))
    for lane in ("reference", "Annotator A", "Annotator B", "Annotator C"):
        expect(workspace.locator(f'[data-lane="{lane}"]')).to_be_visible()
    expect(workspace).to_contain_text("lag")
    page.locator("#adj-compensate").check()
    screenshot("stream-overlay")
    assert unnamed_controls(page) == []

    page.keyboard.press("Alt+1")
    page.locator('textarea[name="rationale"]').fill("A's boundary at 8 s matches the pause.")
    page.keyboard.press("Control+Enter")
    expect(workspace.locator(".adj-status")).to_contain_text("adjudicated")
    stream_gold = GoldLabel.objects.get(clip__kind=Clip.Kind.STREAM, is_current=True)
    assert stream_gold.provenance == "adjudicated"
    assert [s["basic7"] for s in stream_gold.payload["segments"]] == ["Neutral", "Joy"]
    assert not Clip.objects.filter(stage=Clip.Stage.DISPUTED).exists()
    screenshot("queue-empty")


def test_the_clip_you_have_open_is_yours_in_the_queue(seekable_media, live_server, disputes):
    """It said "open by another adjudicator" of the adjudicator's own open clip."""
    page = seekable_media
    sign_in(page, live_server, "/projects/adj/adjudicate", username="judge")
    workspace = page.locator("adjudication-workspace")
    expect(workspace.locator("button[data-clip-id]")).to_have_count(2)
    expect(workspace).to_have_attribute("data-state", "idle")  # N is ignored while loading
    page.keyboard.press("Shift+N")
    expect(workspace).to_have_attribute("data-state", "static")
    held = Assignment.objects.get(user__username="judge", layer=2, status="active").clip_id
    page.reload()
    entry = workspace.locator(f'button[data-clip-id="{held}"]')
    expect(entry).to_contain_text("open by you")
    expect(entry).not_to_contain_text("another")
    expect(entry).to_have_attribute("aria-label", re.compile("open by you$"))


def test_a_monologue_aggregate_follows_the_reference_utterances(
    seekable_media, live_server, disputes
):
    """Alt+0 ("use the aggregate") on a monologue gave exactly Annotator A's segments; it is
    the majority per reference utterance, on the reference boundaries."""
    from annotation.services.routing import clips_reroute
    from clips.models import Segment

    stream = Clip.objects.get(project=disputes, kind=Clip.Kind.STREAM)
    Segment.objects.create(clip=stream, index=1, start_s=0.0, end_s=7.0)
    Segment.objects.create(clip=stream, index=2, start_s=11.0, end_s=20.0)
    clips_reroute(project=disputes)  # routed again with the reference utterances
    stream.refresh_from_db()
    assert stream.stage == Clip.Stage.DISPUTED
    page = seekable_media
    sign_in(page, live_server, "/projects/adj/adjudicate", username="judge")
    workspace = page.locator("adjudication-workspace")
    entry = workspace.locator(f'button[data-clip-id="{stream.pk}"]')
    expect(entry).to_be_visible()
    expect(workspace).to_have_attribute("data-state", "idle")
    entry.click()
    expect(workspace).to_have_attribute("data-state", "stream")
    page.keyboard.press("Alt+0")
    page.locator('textarea[name="rationale"]').fill("The majority per utterance.")
    page.keyboard.press("Control+Enter")
    expect(workspace.locator(".adj-status")).to_contain_text("adjudicated")
    gold = GoldLabel.objects.get(clip=stream, is_current=True)
    assert [(s["start"], s["end"], s["basic7"]) for s in gold.payload["segments"]] == [
        (0.0, 7.0, "Neutral"),
        (11.0, 20.0, "Joy"),
    ]
