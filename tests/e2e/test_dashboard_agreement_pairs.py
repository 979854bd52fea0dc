"""The dashboard's agreement panel shows the latest report per annotator pair — Cohen κ for the
single-label layer, mean Jaccard for the multi-label one, each with its shared clips — and the
Dawid–Skene confidence (issue 14, item 5)."""

import statistics

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect
from sklearn.metrics import cohen_kappa_score

from annotation.importers.labels import LabelRecord
from annotation.models import AgreementReport, Role
from annotation.services.agreement import agreement_report_run
from annotation.services.label_import import labels_import
from annotation.services.projects import membership_grant, project_get_or_create
from clips.importers.records import ClipRecord
from flows import PASSWORD, sign_in, unnamed_controls

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

VOTES = {  # rater0, rater1, rater2; rater2 skipped c6
    "c1": ["Joy", "Joy", "Joy"],
    "c2": ["Sadness", "Sadness", "Fear"],
    "c3": ["Joy", "Anger", "Joy"],
    "c4": ["Anger", "Anger", "Neutral"],
    "c5": ["Surprise", "Joy", "Surprise"],
    "c6": ["Neutral", "Sadness", None],
}
SETS = {"Joy": ["joy"], "Sadness": ["sadness", "grief"], "Fear": ["fear"], "Anger": ["anger"]}


def test_admin_reads_agreement_per_annotator_pair(page, live_server, screenshot):
    project, _ = project_get_or_create(slug="pairs", name="Pairs")
    records = [
        LabelRecord(
            clip=ClipRecord(external_id=clip, kind="static", language="en"),
            annotator=f"rater{i}",
            payload={"basic7": vote, "goemotions": SETS.get(vote, [vote.lower()])},
            source_ref=f"sheet:{clip}",
        )
        for clip, votes in VOTES.items()
        for i, vote in enumerate(votes)
        if vote is not None
    ]
    labels_import(project=project, records=records, source="csv")
    agreement_report_run(report_id=AgreementReport.objects.create(project=project).pk)
    admin = get_user_model().objects.create_user("boss", password=PASSWORD)
    membership_grant(project=project, user=admin, roles=[Role.ADMIN])

    sign_in(page, live_server, "/projects/pairs/dashboard", username="boss")
    table = page.get_by_role("table", name="Agreement per annotator pair (latest report)")
    expect(table).to_be_visible()
    for a, b in ((0, 1), (0, 2), (1, 2)):
        shared = [v for v in VOTES.values() if v[a] and v[b]]
        kappa = cohen_kappa_score([v[a] for v in shared], [v[b] for v in shared])
        jaccard = statistics.mean(
            len(set(SETS[v[a]]) & set(SETS[v[b]])) / len(set(SETS[v[a]]) | set(SETS[v[b]]))
            if v[a] in SETS and v[b] in SETS
            else float(v[a] == v[b])
            for v in shared
        )
        row = table.get_by_role("row", name=f"rater{a}@pairs – rater{b}@pairs")
        expect(row).to_have_count(2)  # one per layer
        expect(row.nth(0)).to_contain_text(f"Basic emotion{len(shared)}Cohen κ{kappa:.2f}")
        expect(row.nth(1)).to_contain_text(f"GoEmotions{len(shared)}mean Jaccard{jaccard:.2f}")
    confidence = AgreementReport.objects.get(project=project).report["layers"]["basic7"][
        "dawid_skene"
    ]["confidence"]
    expect(page.locator('section[data-panel="agreement"]')).to_contain_text(
        f"Dawid–Skene confidence (Basic emotion): mean {confidence['mean']:.2f}, "
        f"median {confidence['median']:.2f}"
    )
    screenshot("pairs")
    assert unnamed_controls(page) == []
