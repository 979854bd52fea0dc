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
def admin_project(media_root, tmp_path) -> Project:
    """Two static clips, one label each, an annotator and an admin ("boss"); no model run."""
    folder = tmp_path / "drafts"
    for i in range(2):
        synth_clip(folder / f"clip{i}.mp4", seconds=2, tone_hz=220.0 + 110 * i)
    annotator_with_clips(folder, slug="drafted", kind="static", language="en")
    project = Project.objects.get(slug="drafted")
    project.overlap_k = 1
    project.save()
    admin = get_user_model().objects.create_user("boss", password=PASSWORD)
    membership_grant(project=project, user=admin, roles=[Role.ADMIN])
    return project


def _predictions(project: Project, draft: dict[str, object]) -> str:
    return "\n".join(json.dumps({"clip_id": c.external_id, **draft}) for c in project.clips.all())


@pytest.fixture
def project(admin_project, tmp_path) -> Project:
    """A complete model draft for each clip, pre-filled on every claim."""
    predictions = tmp_path / "model.jsonl"
    predictions.write_text(_predictions(admin_project, DRAFT))
    admin = get_user_model().objects.get(username="boss")
    run, _ = drafts_import_files(
        project=admin_project, paths=[predictions],
        provenance=Provenance("emo-llm", "2025-06", "prompt-3"), actor=admin,
    )  # fmt: skip
    project_drafts_set(project=admin_project, actor=admin, mode="prefill", run_id=run.pk)
    return admin_project


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


def test_an_admin_imports_a_run_and_turns_prefill_on_from_the_dashboard(
    seekable_media, live_server, admin_project, tmp_path, screenshot
):
    page = seekable_media
    sign_in(page, live_server, "/projects/drafted/dashboard", username="boss")
    panel = page.locator('section[data-panel="drafts"]')
    expect(panel).to_contain_text("No model run imported yet.")
    form = panel.get_by_role("form", name="Import a model run")
    form.get_by_label("Model name").fill("emo-llm")
    form.get_by_label("Model version").fill("2025-06")
    form.get_by_label("Configuration (prompt) id").fill("prompt-3")
    form.get_by_label("Run date").fill("2025-06-30")
    # A draft with an emotion the schema lacks: refused, the reason under the files input.
    bad = tmp_path / "bad.jsonl"
    bad.write_text(_predictions(admin_project, {**DRAFT, "basic7": "Smugness"}))
    files = form.get_by_label("Prediction files")
    files.set_input_files(str(bad))
    form.get_by_role("button", name="Import run").click()
    expect(files).to_have_attribute("aria-invalid", "true")
    expect(form.locator("#run-files-error")).to_contain_text("bad.jsonl:line 1")
    expect(form.locator("#run-files-error")).to_contain_text("nothing was imported")
    screenshot("import-refused", full_page=False)
    assert not admin_project.model_runs.exists()

    good = tmp_path / "preds.jsonl"
    good.write_text(_predictions(admin_project, DRAFT))
    files.set_input_files(str(good))
    form.get_by_role("button", name="Import run").click()
    expect(panel).to_contain_text("emo-llm 2025-06 · prompt-3 · 2025-06-30")
    expect(panel.locator("dl")).to_contain_text("preds.jsonl")
    run = admin_project.model_runs.get()
    assert (run.model_name, run.model_version, run.config_id, str(run.run_date)) == (
        "emo-llm", "2025-06", "prompt-3", "2025-06-30",
    )  # fmt: skip

    setting = panel.get_by_role("form", name="Drafts setting")
    expect(setting.get_by_label("Drafts of run")).to_be_hidden()
    setting.get_by_label("Annotators see").select_option("prefill")
    expect(setting.get_by_label("Drafts of run")).to_have_value(str(run.pk))
    setting.get_by_label("Share of claims pre-filled (percent)").fill("100")
    setting.get_by_role("button", name="Save drafts setting").click()
    expect(panel.locator("dl")).to_contain_text("Pre-filled on 100% of claims")
    expect(
        panel.get_by_role("form", name="Drafts setting").get_by_label("Annotators see")
    ).to_have_value("prefill")
    admin_project.refresh_from_db()
    assert (admin_project.drafts, admin_project.draft_run_id, admin_project.draft_share) == (
        "prefill", run.pk, 1.0,
    )  # fmt: skip
    panel.scroll_into_view_if_needed()
    screenshot("drafts-set", full_page=False)

    page.context.clear_cookies()
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/projects/drafted/work")
    _next_clip(page, None)
    expect(page.get_by_role("note")).to_have_text("Model draft — check before submitting")
    expect(
        page.locator("label-form").get_by_role("radio", name=re.compile(r"^2 Joy"))
    ).to_be_checked()
    screenshot("annotator-prefilled", full_page=False)
