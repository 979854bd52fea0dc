"""Quality control in the browser (issue 19): a qualification round passed (real clips
follow) and one failed (the screen says why), a paused annotator's screen, and an admin
sending a paused annotator's labels for re-annotation and re-qualifying them."""

import re
import time

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from annotation.models import Annotation, Assignment, Project, Qualification, Role
from annotation.services.assignment import assignment_next
from annotation.services.controls import control_mark
from annotation.services.projects import membership_grant
from annotation.services.submission import annotation_submit
from clips.media.synth import synth_clip
from clips.models import Clip
from flows import PASSWORD, annotator_with_clips, label_and_submit, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

JOY = {"basic7": "Joy", "goemotions": ["joy"], "intensity": 3}


@pytest.fixture
def project(media_root, tmp_path) -> Project:
    """Four static clips, two of them control items whose answer is Joy."""
    folder = tmp_path / "qc"
    for i in range(4):
        synth_clip(folder / f"clip{i}.mp4", seconds=2, tone_hz=220.0 + 110 * i)
    annotator_with_clips(folder, slug="qc", kind="static", language="en")
    project = Project.objects.get(slug="qc")
    for clip in Clip.objects.filter(project=project).order_by("external_id")[:2]:
        control_mark(clip=clip, answer=JOY, actor=None)
    return project


def answer_by_keyboard(page, digit: str) -> None:  # type: ignore[no-untyped-def]
    """``label_and_submit``, then wait for the workspace to leave the clip."""
    workspace = page.locator("annotation-workspace")
    expect(workspace).to_have_attribute("data-state", "static")
    before = workspace.get_attribute("data-assignment")
    label_and_submit(page, digit)
    expect(workspace).not_to_have_attribute("data-assignment", before or "")


def open_workspace(page, live_server) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/projects/qc/work")


def served_stage(page) -> str:  # type: ignore[no-untyped-def]
    workspace = page.locator("annotation-workspace")
    expect(workspace).to_have_attribute("data-assignment", re.compile(r"^\d+$"))
    lease = int(workspace.get_attribute("data-assignment"))
    return Assignment.objects.get(pk=lease).clip.stage


def test_a_passed_round_leads_to_real_clips(seekable_media, live_server, project, screenshot):
    Project.objects.filter(pk=project.pk).update(qualification_controls=2, qualification_pass=1)
    page = seekable_media
    open_workspace(page, live_server)
    expect(page.locator("annotation-workspace")).to_have_attribute("data-state", "static")
    assert served_stage(page) == "control"
    answer_by_keyboard(page, "2")
    assert served_stage(page) == "control"
    answer_by_keyboard(page, "2")
    expect(page.locator("annotation-workspace")).to_have_attribute("data-state", "static")
    assert served_stage(page) == "layer1"
    assert Qualification.objects.get().status == "passed"
    screenshot("qualified")


def test_a_failed_round_says_why(seekable_media, live_server, project, screenshot):
    Project.objects.filter(pk=project.pk).update(qualification_controls=2, qualification_pass=1)
    page = seekable_media
    open_workspace(page, live_server)
    answer_by_keyboard(page, "3")
    answer_by_keyboard(page, "2")
    workspace = page.locator("annotation-workspace")
    expect(workspace).to_have_attribute("data-state", "empty")
    heading = page.get_by_role("heading", name=re.compile("did not pass"))
    expect(heading).to_contain_text("1 of 2 control items right, 2 needed")
    assert Qualification.objects.get().status == "failed"
    held_back_says_nothing_of_clips_waiting(page)
    screenshot("not-qualified")


def test_a_paused_annotator_sees_why(seekable_media, live_server, project, screenshot):
    Project.objects.filter(pk=project.pk).update(
        control_rate=1, pause_floor=0.9, pause_min_controls=2
    )
    page = seekable_media
    open_workspace(page, live_server)
    answer_by_keyboard(page, "3")
    # The progress, fetched beside the claim, answers after the refusal (as on a busy server):
    # it wrote "Remaining for you" over the paused screen.
    page.route("**/progress/", lambda route: (time.sleep(0.5), route.continue_()))
    answer_by_keyboard(page, "3")
    expect(page.locator("annotation-workspace")).to_have_attribute("data-state", "empty")
    heading = page.get_by_role("heading", name=re.compile("paused"))
    expect(heading).to_contain_text("0 of 2")
    expect(heading).to_contain_text("below the floor of 90%")
    held_back_says_nothing_of_clips_waiting(page)
    screenshot("paused")


def held_back_says_nothing_of_clips_waiting(page) -> None:  # type: ignore[no-untyped-def]
    """Clips still wait (for others): "Remaining for you: 2" and "the last clip waiting for
    you" would mislead a paused or unqualified annotator."""
    workspace = page.locator("annotation-workspace")
    expect(workspace).to_contain_text("Done in total")
    expect(workspace).not_to_contain_text("Remaining for you")
    expect(workspace).not_to_contain_text("last clip waiting for you")
    expect(workspace).to_contain_text("Submitted.")


def test_an_admin_sends_a_paused_annotators_labels_back_and_requalifies_them(
    page, live_server, project, screenshot
):
    Project.objects.filter(pk=project.pk).update(
        control_rate=2, pause_floor=0.9, pause_min_controls=1
    )
    project.refresh_from_db()
    ann = get_user_model().objects.get(username="ann")
    for payload in (JOY, {**JOY, "basic7": "Anger"}):  # a real clip, then a wrong control
        lease = assignment_next(user=ann, project=project)
        annotation_submit(assignment_id=lease.pk, user=ann, payload=payload)
    admin = get_user_model().objects.create_user("boss", password=PASSWORD)
    membership_grant(project=project, user=admin, roles=[Role.ADMIN])

    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, live_server, "/projects/qc/dashboard", username="boss")
    row = page.locator('table[data-table="quality"] tr[data-user="ann"]')
    row.locator('[data-action="withdraw-labels"]').click()
    status = page.locator("project-dashboard [role=status]")
    expect(status).to_contain_text("1 label sent for re-annotation")
    assert Annotation.objects.get(annotator=ann).withdrawn_at is not None
    screenshot("labels-withdrawn")
    Project.objects.filter(pk=project.pk).update(qualification_controls=1)  # a round now
    row.locator('[data-action="requalify"]').click()
    expect(status).to_contain_text("A new qualification round is open for ann")
    assert Qualification.objects.filter(user=ann).order_by("-round").first().status == "running"
