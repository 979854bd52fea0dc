"""Issue 15's "Must show", as a new admin's first hour in one flow: sign in, create a project
from the EmoS-static preset, add three annotators and an adjudicator (one invited by e-mail,
who sets a password through the link), upload two videos over tus (one of more than 200 MB,
with the network cut mid-upload and the upload resumed), import the three CH-SIMS v2 batch-1
sheets (preview checked: 2,499 clips, 3 annotators, 0 rows skipped; report read); then one of
the annotators signs in, in a browser of their own, and labels an uploaded clip."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from admin_steps import (
    accounts,
    batch1_imported,
    invitee_signs_in,
    people_added,
    project_from_preset,
    videos_uploaded_through_a_cut,
)
from annotation.models import Annotation, Assignment
from flows import label_and_submit, refused_links, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_new_admin_runs_a_project_from_the_browser_to_the_first_label(
    page: Page, browser: Browser, live_server, media_root, tmp_path, screenshot
):
    accounts()
    project = project_from_preset(page, live_server, screenshot)
    link = people_added(page, live_server, screenshot)
    invitee_signs_in(page, live_server, link, screenshot)

    sign_in(page, live_server, "/projects/pilot/people", username="lead")
    page.get_by_role("link", name="Import").click()
    expect(page).to_have_url(f"{live_server.url}/projects/pilot/import")
    videos_uploaded_through_a_cut(page, project, tmp_path, screenshot)
    batch1_imported(page, project, screenshot)
    assert refused_links(page) == []

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    annotator = context.new_page()
    sign_in(annotator, live_server, username="ann1")
    annotator.get_by_role("link", name="Start annotating").click()
    workspace = annotator.locator("annotation-workspace")
    expect(workspace).to_have_attribute("data-state", "static")
    assignment = Assignment.objects.get(pk=int(workspace.get_attribute("data-assignment") or 0))
    assert assignment.clip.external_id in ("interview", "noise")  # a clip uploaded above
    expect(annotator.locator("clip-player video")).to_have_js_property("readyState", 4)
    screenshot("ann1-workspace", of=annotator)
    assert refused_links(annotator) == []  # nothing links to a 403
    label_and_submit(annotator)
    expect(annotator.locator(".message")).to_have_text("Submitted. Here is the next clip.")
    another = re.compile(rf"^(?!{assignment.pk}$)\d+$")
    expect(workspace).to_have_attribute("data-assignment", another)
    screenshot("ann1-submitted", of=annotator)
    context.close()

    submitted = Annotation.objects.get(assignment=assignment, status=Annotation.Status.SUBMITTED)
    assert submitted.annotator.username == "ann1" and submitted.clip.project == project
    assert submitted.payload == {"basic7": "Joy", "goemotions": ["joy"], "intensity": 4}
