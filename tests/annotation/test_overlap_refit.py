"""The adaptive overlap's refit against everything else that moves a project's clips (issue
19's review): a refit and a settings change take turns on the project; a clip an
adjudicator decides is never moved by a refit, even one running at that moment; one
project's failing refit does not stop the beat's pass over the others; monologues keep k."""

import logging
import threading

import pytest
from django.db import transaction
from django.utils import timezone
from locks import Running, until, waiting_on_locks

from annotation.models import Annotation, GoldLabel, OverlapFit
from annotation.services.adjudication import adjudication_decide
from annotation.services.assignment import adjudication_next, assignment_next
from annotation.services.overlap import overlap_refit, overlap_refit_all
from annotation.services.projects import project_settings_update
from annotation.services.submission import annotation_submit
from clips.models import Clip
from factories import ClipFactory, ProjectFactory, member

pytestmark = pytest.mark.django_db(transaction=True)

OVERLAP = {"strategy": "adaptive", "threshold": 0.9, "k_max": 3, "min_labels": 1,
           "warmup": 10, "refit_every": 10}  # fmt: skip


def labels(value: str) -> dict:
    return {"basic7": value, "goemotions": ["neutral"], "intensity": 3}


def given(clip: Clip, who, value: str) -> None:  # type: ignore[no-untyped-def]
    Annotation.objects.create(
        clip=clip, annotator=who, status="submitted", is_current=True, payload=labels(value),
        submitted_at=timezone.now(),
    )  # fmt: skip


@pytest.fixture
def adaptive():  # type: ignore[no-untyped-def]
    """Two annotators who agree on 30 gold clips (a model that trusts them, never fitted
    yet), a clip disputed on a stranger's one label (a refit sends it back to layer 1: one
    label, unsure), and three clips without a label."""
    project = ProjectFactory(slug="refit", overlap=OVERLAP, overlap_k=3)
    trusted = [member(project, "annotator", f"trusted{j}") for j in range(2)]
    for i in range(30):
        value = "Joy" if i % 2 else "Anger"
        clip = ClipFactory(project=project, stage="gold", layer1_count=2)
        for who in trusted:
            given(clip, who, value)
        GoldLabel.objects.create(
            clip=clip, version=1, payload=labels(value), provenance="unanimous"
        )
    disputed = ClipFactory(project=project, stage="disputed", layer1_count=1)
    given(disputed, member(project, "annotator", "stranger"), "Fear")
    for i in range(3):
        ClipFactory(project=project, external_id=f"fresh-{i}")
    return project, trusted, disputed


def test_a_refit_moves_no_clip_an_adjudicator_decided(adaptive):
    """Gold an adjudicator decided stands whatever the model says, as does a clip an admin
    sent back to adjudication with its adjudicated gold current."""
    project, trusted, disputed = adaptive
    judge = member(project, "adjudicator")
    overruled = ClipFactory(project=project, stage="disputed", layer1_count=2)
    for who in trusted:
        given(overruled, who, "Joy")
    for clip in (disputed, overruled):
        lease = adjudication_next(user=judge, project=project, clip_id=clip.pk)
        adjudication_decide(
            assignment_id=lease.pk, user=judge, payload=labels("Sadness"), rationale="heard it"
        )
    Clip.objects.filter(pk=disputed.pk).update(stage="disputed")  # an admin sent it back
    overlap_refit(project=project)
    assert OverlapFit.objects.filter(project=project).exists()
    assert dict(
        Clip.objects.filter(pk__in=[disputed.pk, overruled.pk]).values_list("pk", "stage")
    ) == {disputed.pk: "disputed", overruled.pk: "gold"}
    for clip in (disputed, overruled):
        gold = GoldLabel.objects.get(clip=clip, is_current=True)
        assert (gold.provenance, gold.payload["basic7"]) == ("adjudicated", "Sadness")


@pytest.mark.postgres
def test_a_refit_leaves_a_clip_decided_while_it_ran(adaptive):
    """Found in review: the refit read the disputed clips, then moved them; a decision
    committed in between was undone (the clip back in layer 1, its adjudicated gold left
    current). Here the decision holds its locks while the refit runs into them."""
    project, _, disputed = adaptive
    judge = member(project, "adjudicator")
    lease = adjudication_next(user=judge, project=project)
    assert lease is not None and lease.clip_id == disputed.pk
    decided, release = threading.Event(), threading.Event()

    def decide() -> None:
        with transaction.atomic():
            adjudication_decide(
                assignment_id=lease.pk, user=judge, payload=labels("Fear"), rationale="heard it"
            )
            decided.set()
            release.wait()

    deciding = Running(decide)
    decided.wait()
    refit = Running(lambda: overlap_refit(project=project))
    until(lambda: waiting_on_locks() >= 1 or not refit.alive())
    release.set()
    deciding.join()
    refit.join()
    disputed.refresh_from_db()
    assert disputed.stage == "gold"
    assert GoldLabel.objects.get(clip=disputed, is_current=True).provenance == "adjudicated"


@pytest.mark.postgres
def test_the_beats_refit_waits_for_a_settings_change_and_reads_it(adaptive):
    """Found in review: the beat's refit took no lock on the project; run while a settings
    change committed, it wrote the clips' targets for the settings it read before. Here
    the change (a minimum of two labels a clip) holds its transaction open meanwhile."""
    project, _, _ = adaptive
    admin = member(project, "admin")
    changed, release = threading.Event(), threading.Event()

    def change() -> None:
        with transaction.atomic():
            project_settings_update(
                project=project, actor=admin, changes={"overlap": {**OVERLAP, "min_labels": 2}}
            )
            changed.set()
            release.wait()

    changing = Running(change)
    changed.wait()
    beat = Running(overlap_refit_all)
    until(lambda: waiting_on_locks() >= 1 or not beat.alive())
    release.set()
    changing.join()
    beat.join()
    fresh = Clip.objects.filter(project=project, external_id__startswith="fresh-")
    assert set(fresh.values_list("layer1_target", flat=True)) == {2}


def test_one_failing_project_does_not_stop_the_beats_refits(adaptive, monkeypatch, caplog):
    """Found in review: the beat's pass over projects stopped at the first that failed."""
    from annotation.services import overlap

    project, _, _ = adaptive
    broken = ProjectFactory(slug="broken", overlap={**OVERLAP, "warmup": 1}, overlap_k=3)
    given(ClipFactory(project=broken), member(broken, "annotator"), "Joy")
    real = overlap.label_table

    def failing(of):  # type: ignore[no-untyped-def]
        if of.pk == broken.pk:
            raise RuntimeError("the fit failed")
        return real(of)

    monkeypatch.setattr(overlap, "label_table", failing)
    with caplog.at_level(logging.ERROR, logger="annotation.services.overlap"):
        assert overlap_refit_all() == 1
    assert OverlapFit.objects.filter(project=project).exists()
    assert not OverlapFit.objects.filter(project=broken).exists()
    assert any("broken" in record.getMessage() for record in caplog.records)


def test_monologues_on_an_adaptive_project_keep_k(adaptive):
    """Adaptive overlap decides static clips only: a monologue is served to k annotators,
    routed on their labels, and a refit leaves it where its routing put it."""
    project, _, _ = adaptive
    project.overlap_k = 2
    project.save(update_fields=["overlap_k"])
    Clip.objects.filter(project=project, stage="layer1").update(media_status="pending")
    monologue = ClipFactory(project=project, kind="stream", duration_s=10.0)
    segments = {"segments": [{"start": 0.0, "end": 10.0, **labels("Joy")}]}
    people = [member(project, "annotator") for _ in range(3)]
    for who in people[:2]:
        lease = assignment_next(user=who, project=project)
        assert lease is not None and lease.clip_id == monologue.pk
        annotation_submit(
            assignment_id=lease.pk, user=who, payload=segments, confirm_low_coverage=True
        )
    assert assignment_next(user=people[2], project=project) is None  # k labels: no more
    monologue.refresh_from_db()
    routed = (monologue.stage, monologue.layer1_count, monologue.layer1_target)
    assert routed == ("gold", 2, None)
    overlap_refit(project=project)
    monologue.refresh_from_db()
    assert (monologue.stage, monologue.layer1_count, monologue.layer1_target) == routed
    assert GoldLabel.objects.filter(clip=monologue, is_current=True).count() == 1


def test_an_import_leaves_the_adaptive_state_as_submits_would(adaptive, tmp_path):
    """Found in review: an import counted its labels against k, not the adaptive rule: a
    clip given one label kept no target (so no annotator was served it again) and one given
    two sat in layer 1 below k. Now each imported clip is judged as a submit judges it."""
    from annotation.services.label_import import labels_import_files

    project, trusted, _ = adaptive
    overlap_refit(project=project)  # a model that trusts the two
    (tmp_path / "labels.csv").write_text(
        "external_id,annotator,basic7\n"
        "fresh-0,newcomer,Fear\n"  # an unknown annotator's one label: one more wanted
        f"fresh-1,{trusted[0].username},Joy\nfresh-1,{trusted[1].username},Joy\n"
    )
    # The trusted two are known to the model by their user: import under their names.
    for who in trusted:
        who.username = f"{who.username}@{project.slug}"
        who.save(update_fields=["username"])
    labels_import_files(project=project, files=[tmp_path / "labels.csv"], fmt="csv")
    one, two = (Clip.objects.get(project=project, external_id=f"fresh-{i}") for i in (0, 1))
    assert (one.stage, one.layer1_count, one.layer1_target) == ("layer1", 1, 2)
    assert one.layer1_priority > 0
    assert (two.stage, two.layer1_count) == ("gold", 2)  # the model is sure of the two
    lease = assignment_next(user=member(project, "annotator"), project=project)
    assert lease is not None and lease.clip_id == one.pk
