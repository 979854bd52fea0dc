"""Model drafts in the browser (issue 19): drafts pre-fill the label form with a notice; the
annotator takes one unchanged and changes another, and the server records (shown, accepted)
as (true, true) and (true, false). The dashboard's panel shows the run and the agreement."""

import json
import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from annotation.models import Annotation, Project, Role
from annotation.services.drafts import Provenance, drafts_import_files, project_drafts_set
from annotation.services.projects import membership_grant
from clips.media.synth import synth_clip
from flows import PASSWORD, annotator_with_clips, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DRAFT = {"basic7": "Joy", "goemotions": ["joy"], "intensity": 3}


@pytest.fixture
def project(media_root, tmp_path) -> Project:
    """Two static clips, each with a complete model draft, pre-filled on every claim."""
    folder = tmp_path / "drafts"
    for i in range(2):
        synth_clip(folder / f"clip{i}.mp4", seconds=2, tone_hz=220.0 + 110 * i)
    annotator_with_clips(folder, slug="drafted", kind="static", language="en")
    project = Project.objects.get(slug="drafted")
    project.overlap_k = 1
    project.save()
    predictions = tmp_path / "model.jsonl"
    predictions.write_text(
        "\n".join(json.dumps({"clip_id": c.external_id, **DRAFT}) for c in project.clips.all())
    )
    admin = get_user_model().objects.create_user("boss", password=PASSWORD)
    membership_grant(project=project, user=admin, roles=[Role.ADMIN])
    run, _ = drafts_import_files(
        project=project, paths=[predictions],
        provenance=Provenance("emo-llm", "2025-06", "prompt-3"), actor=admin,
    )  # fmt: skip
    project_drafts_set(project=project, actor=admin, mode="prefill", run_id=run.pk)
    return project


def _next_clip(page, before: str | None) -> str:  # type: ignore[no-untyped-def]
    workspace = page.locator("annotation-workspace")
    expect(workspace).to_have_attribute("data-state", "static")
    expect(workspace).not_to_have_attribute("data-assignment", before or "")
    expect(workspace).to_have_attribute("data-assignment", re.compile(r"^\d+$"))
    return workspace.get_attribute("data-assignment") or ""


def test_drafts_prefill_and_the_server_records_shown_and_accepted(
    seekable_media, live_server, project, screenshot
):
    page = seekable_media
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/projects/drafted/work")
    notice = page.get_by_role("note")
    first = _next_clip(page, None)
    expect(notice).to_have_text("Model draft — check before submitting")
    expect(notice).to_be_visible()
    form = page.locator("label-form")
    expect(form.get_by_role("radio", name=re.compile(r"^2 Joy"))).to_be_checked()
    screenshot("prefilled", full_page=False)
    page.keyboard.press("Control+Enter")  # the draft, unchanged
    second = _next_clip(page, first)
    expect(notice).to_be_visible()
    page.keyboard.press("3")  # Sadness instead of the model's Joy
    page.keyboard.press("Control+Enter")
    expect(page.locator("annotation-workspace")).to_have_attribute("data-state", "empty")
    expect(notice).to_be_hidden()
    flags = {
        str(a.assignment_id): (a.draft_shown, a.draft_accepted, a.payload["basic7"])
        for a in Annotation.objects.all()
    }
    assert flags == {first: (True, True, "Joy"), second: (True, False, "Sadness")}

    page.context.clear_cookies()
    sign_in(page, live_server, "/projects/drafted/dashboard", username="boss")
    panel = page.locator('section[data-panel="drafts"]')
    expect(panel).to_contain_text("emo-llm 2025-06 · prompt-3")
    expect(panel.locator('tr[data-who="ann"] td').nth(1)).to_have_text("50%")  # agreement
    expect(panel.locator('[data-stat="draft-accepted"] .value')).to_have_text("50%")
    panel.scroll_into_view_if_needed()
    screenshot("dashboard-panel", full_page=False)
