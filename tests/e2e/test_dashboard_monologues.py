"""Streaming monologues in the dashboard's agreement panel: utterance-level agreement of the
primary, secondary and intensity layers, beside the trace figures (issue 14, item 6)."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from annotation.models import AgreementReport, Annotation, Role
from annotation.services.agreement import agreement_report_run
from annotation.services.projects import membership_grant, project_get_or_create
from clips.models import Clip, Segment
from flows import PASSWORD, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

UTTERANCES = [(0.0, 4.0), (4.0, 5.0), (5.0, 12.0)]
CUTS = [  # per annotator: (start, end, primary, secondary, intensity)
    [(0, 4, "Joy", ["joy"], 3), (4, 12, "Anger", ["anger", "annoyance"], 4)],
    [(0, 5, "Joy", ["joy", "pride"], 3), (5, 12, "Anger", ["anger"], 5)],
    [(0, 3, "Neutral", [], 2), (3, 4.5, "Joy", ["joy"], 3), (4.5, 12, "Sadness", ["grief"], 4)],
]


def test_admin_sees_utterance_agreement_of_the_monologues(page, live_server, screenshot):
    project, _ = project_get_or_create(slug="films", name="Monologues")
    clip = Clip.objects.create(
        project=project, external_id="lincoln", kind="stream", duration_s=12.0,
        media_status=Clip.MediaStatus.READY,
    )  # fmt: skip
    for index, (start, end) in enumerate(UTTERANCES):
        Segment.objects.create(clip=clip, index=index, start_s=start, end_s=end)
    for n, cuts in enumerate(CUTS):
        user = get_user_model().objects.create_user(f"rater{n}", password=PASSWORD)
        membership_grant(project=project, user=user, roles=[Role.ANNOTATOR])
        Annotation.objects.create(
            clip=clip, annotator=user, status="submitted", is_current=True,
            payload={"segments": [
                {"start": a, "end": b, "basic7": p, "goemotions": s, "intensity": i}
                for a, b, p, s, i in cuts
            ]},
        )  # fmt: skip
    report = agreement_report_run(report_id=AgreementReport.objects.create(project=project).pk)
    kappa = report.report["monologues"]["primary"]["fleiss_kappa_time_weighted"]
    admin = get_user_model().objects.create_user("boss", password=PASSWORD)
    membership_grant(project=project, user=admin, roles=[Role.ADMIN])

    sign_in(page, live_server, "/projects/films/dashboard", username="boss")
    chart = page.locator('section[data-panel="agreement"] [role="img"]').first
    expect(chart).to_have_attribute(
        "aria-label",
        re.compile(re.escape(f"Basic emotion · Fleiss κ per utterance, time-weighted {kappa:.2f}")),
    )
    for label in (
        "Basic emotion · Fleiss κ per utterance",
        "GoEmotions · mean Jaccard per utterance, time-weighted",
        "Intensity · Krippendorff α per utterance (ordinal)",
    ):
        expect(chart).to_have_attribute("aria-label", re.compile(re.escape(label) + r" -?\d"))
    screenshot("monologue-agreement")
