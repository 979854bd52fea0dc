"""The admin dashboard: progress, agreement, annotators, routing and imports as charts; an
admin lowers the routing threshold in the settings and watches the disputed count fall."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from annotation.importers.labels import LabelRecord
from annotation.models import AgreementReport, Project, Role
from annotation.services.agreement import agreement_report_run
from annotation.services.label_import import labels_import
from annotation.services.projects import membership_grant, project_get_or_create
from clips.importers.records import ClipRecord
from clips.models import Clip, ImportJob
from flows import PASSWORD, sign_in, unnamed_controls

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

VOTES = {  # 2 unanimous, 4 two-to-one (disputed at 0.9, accepted at 0.6), 1 all different
    "c1": ["Joy", "Joy", "Joy"],
    "c2": ["Sadness", "Sadness", "Sadness"],
    "c3": ["Joy", "Joy", "Fear"],
    "c4": ["Anger", "Anger", "Neutral"],
    "c5": ["Surprise", "Joy", "Surprise"],
    "c6": ["Neutral", "Sadness", "Sadness"],
    "c7": ["Joy", "Fear", "Anger"],
}


@pytest.fixture
def project() -> Project:
    project, _ = project_get_or_create(slug="dash", name="Dashboard demo")
    records = [
        LabelRecord(
            clip=ClipRecord(external_id=clip, kind="static", language="zh"),
            annotator=f"rater{i}",
            payload={"basic7": vote, "goemotions": [vote.lower()], "intensity": 2 + i},
            source_ref=f"sheet:{clip}",
        )
        for clip, votes in VOTES.items()
        for i, vote in enumerate(votes)
    ]
    labels_import(project=project, records=records, source="csv")
    ImportJob.objects.create(project=project, kind="labels", status="done", total=21, processed=21)
    ImportJob.objects.create(  # 12 of 40 already ingested earlier, the rest on their way
        project=project, kind="clips", total=40, report={"already_ingested": ["x"] * 12}
    )
    agreement_report_run(report_id=AgreementReport.objects.create(project=project).pk)
    admin = get_user_model().objects.create_user("boss", password=PASSWORD)
    membership_grant(project=project, user=admin, roles=[Role.ADMIN])
    return project


def stat(page, name: str):  # type: ignore[no-untyped-def]
    return page.locator(f'project-dashboard [data-stat="{name}"] .value')


def test_admin_lowers_the_threshold_and_sees_fewer_disputes(page, live_server, project, screenshot):
    assert Clip.objects.filter(stage=Clip.Stage.DISPUTED).count() == 5
    sign_in(page, live_server, "/projects/dash/dashboard", username="boss")
    expect(stat(page, "total")).to_have_text("7")
    expect(stat(page, "disputed")).to_have_text("5")
    expect(stat(page, "gold")).to_have_text("2")
    expect(stat(page, "routing-disputed")).to_have_text("5")
    for panel in ("progress", "agreement", "annotators", "routing"):  # charts, with text
        figure = page.locator(f'section[data-panel="{panel}"] figure').first
        expect(figure).to_be_visible()
        expect(figure.locator("figcaption")).not_to_be_empty()
    expect(page.locator('section[data-panel="annotators"] svg').first).to_be_visible()  # radar
    expect(page.locator('section[data-panel="imports"] progress')).to_have_count(1)
    expect(page.locator('section[data-panel="imports"]')).to_contain_text("12 of 40 processed")
    screenshot("before")
    assert unnamed_controls(page) == []

    threshold = page.locator('input[name="min_confidence"]')
    threshold.fill("1.5")  # out of range: refused, said next to the field, nothing sent
    page.locator('[data-action="save-settings"]').click()
    expect(threshold).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#settings-min_confidence-error")).not_to_be_empty()
    expect(stat(page, "disputed")).to_have_text("5")

    threshold.fill("0.6")
    threshold.press("Enter")  # under the medium tier (0.8): that tier could hold no clip
    medium = page.locator('input[name="medium_confidence"]')
    expect(medium).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#settings-medium_confidence-error")).to_contain_text("(0.6)")
    medium.fill("0.5")
    medium.press("Enter")
    expect(page.locator("project-dashboard [role=status]")).to_contain_text("Settings saved")
    expect(stat(page, "disputed")).to_have_text("1")
    expect(stat(page, "gold")).to_have_text("6")
    expect(stat(page, "routing-disputed")).to_have_text("1")
    project.refresh_from_db()
    assert project.routing_rule["min_confidence"] == 0.6
    assert Clip.objects.filter(stage=Clip.Stage.DISPUTED).get().external_id == "c7"
    screenshot("after")

    # Adaptive overlap is a setting of the same form.
    page.locator('select[name="overlap_strategy"]').select_option("adaptive")
    page.locator('input[name="overlap_k_max"]').fill("5")
    page.locator('input[name="overlap_min_labels"]').fill("2")
    with page.expect_response(lambda r: r.url.endswith("/settings/")) as saved:
        page.locator('[data-action="save-settings"]').click()
    assert saved.value.status == 200
    project.refresh_from_db()
    assert project.overlap == {
        "strategy": "adaptive", "threshold": 0.95, "k_max": 5, "min_labels": 2,
    }  # fmt: skip
