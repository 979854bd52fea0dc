"""An admin browses the clips: filters by stage, opens a clip and reads its labels (by name)
and gold history, goes back to the filtered list and sends every clip it matches to
adjudication, confirming their number."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from annotation.models import Annotation, AuditEvent, GoldLabel, Provenance
from clips.models import Clip
from factories import ClipFactory, ProjectFactory, member
from flows import PASSWORD, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def project():  # type: ignore[no-untyped-def]
    project = ProjectFactory(slug="browse", name="Browse")
    boss = member(project, "admin", "boss")
    boss.set_password(PASSWORD)
    boss.save()
    annotators = [member(project, "annotator", name) for name in ("alice", "bob")]
    for n in range(3):
        ClipFactory(project=project, external_id=f"open-{n}")
    for n in range(2):
        clip = ClipFactory(project=project, external_id=f"gold-{n}", stage=Clip.Stage.GOLD)
        for annotator, emotion in zip(annotators, ("Joy", "Sadness"), strict=True):
            Annotation.objects.create(
                clip=clip, annotator=annotator, status=Annotation.Status.SUBMITTED,
                is_current=True, payload={"emotion": emotion}, submitted_at=timezone.now(),
            )  # fmt: skip
        GoldLabel.objects.create(
            clip=clip, version=1, is_current=False, payload={"emotion": "Joy"},
            provenance=Provenance.MAJORITY,
        )  # fmt: skip
        GoldLabel.objects.create(
            clip=clip, version=2, payload={"emotion": "Sadness"}, provenance=Provenance.UNANIMOUS
        )
    return project


def test_admin_filters_opens_a_clip_and_bulk_sends_to_adjudication(
    page: Page, live_server, project, screenshot
):
    sign_in(page, live_server, "/projects/browse/clips", username="boss")
    expect(page.locator(".matched")).to_contain_text("5 clips match")
    page.get_by_label("Stage").select_option("gold")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".matched")).to_contain_text("2 clips match")
    expect(page.locator("tr[data-clip]")).to_have_count(2)
    screenshot("1-filtered")

    page.get_by_role("link", name="gold-0").click()
    expect(page.get_by_role("heading", name="gold-0")).to_be_visible()
    labels = page.locator("table.labels")
    expect(labels.locator('tr[data-annotator="alice"]')).to_contain_text("Joy")
    expect(labels.locator('tr[data-annotator="bob"]')).to_contain_text("Sadness")
    gold = page.locator("table.gold")
    expect(gold.locator('tr[data-version="2"]')).to_contain_text("current")
    expect(gold.locator('tr[data-version="1"]')).to_contain_text("retired")
    expect(gold.locator('tr[data-version="1"]')).to_contain_text("Majority")
    expect(page.get_by_role("button", name="Reopen")).to_be_visible()
    screenshot("2-clip")

    page.get_by_role("link", name="Back to the clips").click()
    expect(page.locator(".matched")).to_contain_text("2 clips match")  # the filter is kept
    page.locator("#bulk").get_by_label("Reason").fill("second look at gold")
    page.get_by_role("button", name="Send all 2 matching clips to adjudication").click()
    expect(page.get_by_role("alert")).to_contain_text("Send 2 clips to adjudication?")
    screenshot("3-confirm")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("2 clips: reopened")
    screenshot("4-sent")

    stages = dict(Clip.objects.filter(project=project).values_list("external_id", "stage"))
    assert stages == {
        "open-0": "layer1", "open-1": "layer1", "open-2": "layer1",
        "gold-0": "disputed", "gold-1": "disputed",
    }  # fmt: skip
    events = AuditEvent.objects.filter(action="clip.sent_to_adjudication")
    assert [e.data["reason"] for e in events] == ["second look at gold"] * 2
