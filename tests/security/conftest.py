"""A small seeded project for the hostile-input and fuzz tests: a user per role with an API
token, clips in every stage a request can meet (held, disputed with a layer-2 lease, gold, a
streaming clip with a trace), an annotation, an agreement report, an import job and a
published release."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotation.models import (
    AgreementReport,
    Annotation,
    Assignment,
    ClipAgreement,
    GoldLabel,
    Project,
    Role,
    Trace,
)
from annotation.services.traces import trace_start
from clips.models import Clip, ImportJob
from exports.models import Release
from exports.services import release_build, release_create
from factories import ClipFactory, ProjectFactory, member

LABELS = {"basic7": "Joy", "goemotions": ["joy"], "intensity": 3}


@dataclass
class World:
    project: Project
    admin: User
    annotator: User
    adjudicator: User
    clip: Clip  # static, held by the annotator (layer 1)
    layer1: Assignment
    layer2: Assignment  # the adjudicator's lease on a disputed clip
    annotation: Annotation  # the annotator's submitted work on another clip
    trace: Trace
    report: AgreementReport
    release: Release

    def client(self, user: User) -> APIClient:
        """An API client that answers a 500 as a response, as a browser would see it."""
        api = APIClient(raise_request_exception=False)
        api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0]}")
        return api


def _labelled(clip: Clip, user: User, payload: dict) -> Annotation:  # type: ignore[type-arg]
    done = Assignment.objects.create(
        clip=clip, user=user, status="submitted", expires_at=timezone.now()
    )
    return Annotation.objects.create(
        clip=clip, annotator=user, assignment=done, status="submitted", is_current=True,
        payload=payload, submitted_at=timezone.now(),
    )  # fmt: skip


@pytest.fixture
def world(media_root) -> World:  # type: ignore[no-untyped-def]
    project = ProjectFactory(slug="hostile", name="Hostile")
    admin = member(project, Role.ADMIN, "h-admin")
    annotator = member(project, Role.ANNOTATOR, "h-annotator")
    adjudicator = member(project, Role.ADJUDICATOR, "h-judge")
    others = [member(project, Role.ANNOTATOR, f"h-rater{i}") for i in range(3)]
    later = timezone.now() + timedelta(hours=1)

    # The clip counters are kept as the workflow services keep them (leases open, labels done).
    clip = ClipFactory(project=project, transcript="hello", layer1_open=1)
    layer1 = Assignment.objects.create(clip=clip, user=annotator, expires_at=later)

    disputed = ClipFactory(project=project, stage=Clip.Stage.DISPUTED, layer1_count=3)
    for user, vote in zip(others, ["Joy", "Fear", "Anger"], strict=True):
        _labelled(disputed, user, {**LABELS, "basic7": vote})
    ClipAgreement.objects.create(
        clip=disputed, n_annotations=3, tier="low", confidence=0.34, n_distinct=3,
        metrics={"top_share": 0.34},
    )  # fmt: skip
    layer2 = Assignment.objects.create(clip=disputed, user=adjudicator, layer=2, expires_at=later)

    done = ClipFactory(project=project, stage=Clip.Stage.GOLD, layer1_count=4)
    annotation = _labelled(done, annotator, LABELS)
    for user in others:
        _labelled(done, user, LABELS)
    GoldLabel.objects.create(
        clip=done, version=1, provenance="unanimous", tier="high", confidence=1.0, payload=LABELS
    )

    stream = ClipFactory(project=project, kind=Clip.Kind.STREAM, duration_s=20.0, layer1_open=1)
    held = Assignment.objects.create(clip=stream, user=annotator, expires_at=later)
    trace = trace_start(assignment_id=held.pk, user=annotator)

    report = AgreementReport.objects.create(
        project=project, status=AgreementReport.Status.DONE, processed=1, total=1,
        finished_at=timezone.now(), report={"layers": {}},
    )  # fmt: skip
    ImportJob.objects.create(project=project, kind="clips", status="done", total=2, processed=2)

    release = release_create(project=project, version="1.0.0", actor=admin)
    release = release_build(release_id=release.pk)  # on_commit never fires in a test transaction
    assert release.status == Release.Status.PUBLISHED, release.error
    return World(
        project=project, admin=admin, annotator=annotator, adjudicator=adjudicator, clip=clip,
        layer1=layer1, layer2=layer2, annotation=annotation, trace=trace, report=report,
        release=release,
    )  # fmt: skip


# --- the fuzz test's totals, printed at the end of the run -----------------------------------

FUZZ_STATS = pytest.StashKey[dict]()  # type: ignore[type-arg]


@pytest.fixture
def fuzz_stats(request: pytest.FixtureRequest) -> dict:  # type: ignore[type-arg]
    return request.config.stash.setdefault(FUZZ_STATS, {})


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    stats = config.stash.get(FUZZ_STATS, None)
    if stats and "requests" in stats:
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(stats["statuses"].items()))
        if config.getoption("verbose") > 0:
            for label, counts in stats["per_operation"].items():
                terminalreporter.write_line(f"  {label}: {counts}")
        terminalreporter.write_line(
            f"API fuzz: {stats['requests']} requests, {stats['server_errors']} answered 5xx, "
            f"{stats['failing_operations']} operations off their schema ({statuses})"
        )
