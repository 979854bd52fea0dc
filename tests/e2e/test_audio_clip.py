"""A speech corpus's clip has sound and no picture: imported from a WAV file, it is
annotated end to end in the same workspaces, the player showing its waveform instead of
an empty black frame."""

import pytest
from playwright.sync_api import expect

from annotation.models import Annotation
from clips.media.synth import synth_clip
from clips.models import Clip
from flows import VIDEO, annotator_with_clips, disputed_project, sign_in, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_audio_only_clip_is_labelled_and_submitted(
    seekable_media, live_server, media_root, tmp_path, screenshot
):
    synth_clip(tmp_path / "speech" / "ses01_f_ang.wav", seconds=4, fmt="wav", video=False)
    annotator_with_clips(tmp_path / "speech", slug="speech", kind="static", language="en")
    clip = Clip.objects.get(external_id="ses01_f_ang")
    assert clip.media_status == Clip.MediaStatus.READY, clip.media_error

    page = seekable_media
    sign_in(page, live_server)
    page.get_by_role("link", name="Start annotating").click()
    workspace = page.locator("annotation-workspace")
    expect(workspace).to_have_attribute("data-state", "static")

    # No black frame: the waveform of the clip, saying there is no picture.
    player = page.locator("clip-player")
    expect(player.locator("video")).to_be_hidden()
    expect(player.get_by_text("Audio only: this clip has no picture.")).to_be_visible()
    expect(player.get_by_role("img", name="Audio waveform, 4.0 s")).to_have_attribute(
        "data-state", "ready"
    )
    # It plays: Space, and the playhead moves along the waveform.
    expect(player.locator("video")).to_have_js_property("readyState", 4)
    page.keyboard.press("Space")
    expect(player).to_have_attribute("data-playing", "")
    wait_until(page, f"{VIDEO}.currentTime > 0.5")
    page.keyboard.press("k")
    expect(player).not_to_have_attribute("data-playing", "")
    expect(player.locator(".playhead")).not_to_have_attribute("style", "left: 0.000%;")
    screenshot("audio-only")

    page.keyboard.press("1")
    expect(page.get_by_role("radio", name="1 Anger")).to_be_checked()
    page.keyboard.press("/")
    page.keyboard.type("anger")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.keyboard.press("Shift+Digit4")
    assignment = int(workspace.get_attribute("data-assignment"))
    page.keyboard.press("Control+Enter")
    expect(workspace).to_have_attribute("data-state", "empty")

    submitted = Annotation.objects.get(assignment_id=assignment, status=Annotation.Status.SUBMITTED)
    assert submitted.assignment.clip_id == clip.pk
    assert submitted.payload == {"basic7": "Anger", "goemotions": ["anger"], "intensity": 4}


def test_audio_only_monologue_opens_in_the_stream_workspace(
    seekable_media, live_server, media_root, tmp_path, screenshot
):
    folder = tmp_path / "interview"
    synth_clip(folder / "interview.wav", seconds=9, fmt="wav", video=False)
    (folder / "interview.srt").write_text(
        "1\n00:00:00,000 --> 00:00:04,000\nI lost the job.\n\n"
        "2\n00:00:04,000 --> 00:00:09,000\nAnd then I found a better one.\n"
    )
    annotator_with_clips(folder, slug="speech", language="en")

    page = seekable_media
    sign_in(page, live_server)
    page.get_by_role("link", name="Start annotating").click()
    expect(page.locator("annotation-workspace")).to_have_attribute("data-state", "stream")
    expect(page.locator("trace-recorder")).to_have_attribute("data-state", "ready")
    player = page.locator("clip-player")
    expect(player.get_by_text("Audio only: this clip has no picture.")).to_be_visible()
    expect(player.get_by_role("img", name="Audio waveform, 9.0 s")).to_have_attribute(
        "data-state", "ready"
    )
    page.keyboard.press("Space")
    wait_until(page, f"{VIDEO}.currentTime > 0.5")
    page.keyboard.press("k")
    screenshot("stream")


def test_adjudicator_reviews_an_audio_only_clip(
    seekable_media, live_server, media_root, tmp_path, screenshot
):
    disputed_project(tmp_path, audio_only=True)
    page = seekable_media
    sign_in(page, live_server, "/projects/adj/adjudicate", username="judge")
    workspace = page.locator("adjudication-workspace")
    expect(workspace.locator("button[data-clip-id]")).to_have_count(2)
    expect(workspace).to_have_attribute("data-state", "idle")
    page.keyboard.press("Shift+N")
    expect(workspace).to_have_attribute("data-state", "static")
    expect(workspace.get_by_text("Audio only: this clip has no picture.")).to_be_visible()
    expect(workspace.get_by_role("img", name="Audio waveform, 4.0 s")).to_have_attribute(
        "data-state", "ready"
    )
    expect(workspace.locator("clip-player video")).to_have_js_property("readyState", 4)
    screenshot("adjudicator")
