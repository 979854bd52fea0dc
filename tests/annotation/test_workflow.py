"""The dual-layer workflow through its services: claim, submit, route, adjudicate, correct."""

from datetime import timedelta

import pytest
from django.utils import timezone

from annotation.errors import Conflict, Invalid, NotAllowed
from annotation.models import Annotation, Assignment, AuditEvent, GoldLabel
from annotation.services.adjudication import adjudication_decide, clip_send_to_adjudication
from annotation.services.assignment import (
    adjudication_next,
    assignment_next,
    assignment_release,
    assignments_reclaim_expired,
)
from annotation.services.projects import project_settings_update
from annotation.services.submission import (
    annotation_correct,
    annotation_save_draft,
    annotation_submit,
)
from clips.models import Clip, Segment
from factories import ClipFactory, ProjectFactory, member

# Real transactions: routing is enqueued on commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def labels(basic7="Joy", goemotions=("joy",), intensity=3):
    return {"basic7": basic7, "goemotions": list(goemotions), "intensity": intensity}


@pytest.fixture
def project():
    return ProjectFactory()


@pytest.fixture
def annotators(project):
    return [member(project, "annotator") for _ in range(4)]


def label_clip(project, users, choices):
    """Each user claims the next clip and submits; returns the clip they all got."""
    clip = None
    for user, basic7 in zip(users, choices, strict=True):
        assignment = assignment_next(user=user, project=project)
        clip = clip or assignment.clip
        assert assignment.clip == clip
        annotation_submit(assignment_id=assignment.pk, user=user, payload=labels(basic7))
    clip.refresh_from_db()
    return clip


def test_unanimous_labels_become_gold(project, annotators):
    ClipFactory(project=project)
    clip = label_clip(project, annotators[:3], ["Joy", "Joy", "Joy"])
    assert clip.stage == "gold"
    gold = GoldLabel.objects.get(clip=clip)
    assert (gold.provenance, gold.tier, gold.version) == ("unanimous", "high", 1)
    assert gold.payload["basic7"] == "Joy"
    assert clip.agreement.tier == "high"
    assert (clip.layer1_count, clip.layer1_open) == (3, 0)


def test_disagreement_goes_to_an_adjudicator_who_did_not_label_it(project, annotators):
    ClipFactory(project=project)
    clip = label_clip(project, annotators[:3], ["Joy", "Joy", "Sadness"])
    assert clip.stage == "disputed"
    assert clip.agreement.confidence == pytest.approx(2 / 3)
    assert clip.agreement.tier == "low"

    # A layer-1 annotator of this clip who is also an adjudicator never gets it.
    labeller = annotators[0]
    project.memberships.create(user=labeller, role="adjudicator")
    assert adjudication_next(user=labeller, project=project) is None

    judge = member(project, "adjudicator")
    lease = adjudication_next(user=judge, project=project)
    assert lease.clip == clip and lease.layer == 2
    with pytest.raises(Invalid) as err:
        adjudication_decide(
            assignment_id=lease.pk, user=judge, payload=labels("Joy"), rationale=" "
        )
    assert err.value.field == "rationale"
    gold = adjudication_decide(
        assignment_id=lease.pk, user=judge, payload=labels("Joy"), rationale="smiles at the end"
    )
    assert (gold.provenance, gold.decided_by, gold.adjudication.rationale) == (
        "adjudicated",
        judge,
        "smiles at the end",
    )
    # A replay returns the same gold; a second, different decision is refused.
    again = adjudication_decide(
        assignment_id=lease.pk, user=judge, payload=labels("Joy"), rationale="smiles at the end"
    )
    assert again == gold
    with pytest.raises(Conflict):
        adjudication_decide(
            assignment_id=lease.pk, user=judge, payload=labels("Fear"), rationale="no"
        )
    clip.refresh_from_db()
    assert clip.stage == "gold"


def test_reopening_gold_keeps_every_version(project, annotators):
    ClipFactory(project=project)
    clip = label_clip(project, annotators[:3], ["Joy", "Joy", "Joy"])
    admin = member(project, "admin")
    clip_send_to_adjudication(clip_id=clip.pk, actor=admin, reason="audio says otherwise")
    judge = member(project, "adjudicator")
    lease = adjudication_next(user=judge, project=project)
    adjudication_decide(
        assignment_id=lease.pk, user=judge, payload=labels("Sadness"), rationale="sarcasm"
    )
    versions = list(GoldLabel.objects.filter(clip=clip).order_by("version"))
    assert [(g.version, g.provenance, g.is_current) for g in versions] == [
        (1, "unanimous", False),
        (2, "adjudicated", True),
    ]
    assert (
        AuditEvent.objects.filter(action="clip.sent_to_adjudication").get().data["before"] == "gold"
    )


def test_least_annotated_first_and_never_twice(project, annotators):
    first, second = ClipFactory(project=project), ClipFactory(project=project)
    a, b = annotators[:2]
    got_a = assignment_next(user=a, project=project)
    assert got_a.clip == first
    assert assignment_next(user=a, project=project) == got_a  # resumes the open lease
    assert assignment_next(user=b, project=project).clip == second  # less loaded
    annotation_submit(assignment_id=got_a.pk, user=a, payload=labels())
    # a has labelled `first`; next for a is `second`, never `first` again.
    assert assignment_next(user=a, project=project).clip == second


def test_exactly_k_then_the_queue_is_empty(project, annotators):
    clip = ClipFactory(project=project)
    for user in annotators[:3]:
        assert assignment_next(user=user, project=project).clip == clip
    assert assignment_next(user=annotators[3], project=project) is None


def test_expired_leases_are_reclaimed(project, annotators):
    clip = ClipFactory(project=project)
    leases = [assignment_next(user=u, project=project) for u in annotators[:3]]
    Assignment.objects.filter(pk=leases[0].pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    # The fourth annotator is not kept waiting on the abandoned slot.
    assert assignment_next(user=annotators[3], project=project).clip == clip
    assert Assignment.objects.get(pk=leases[0].pk).status == "expired"
    assert assignments_reclaim_expired() == 0
    clip.refresh_from_db()
    assert clip.layer1_open == 3


def test_a_late_submission_is_kept_when_the_slot_is_still_free(project, annotators):
    ClipFactory(project=project)
    lease = assignment_next(user=annotators[0], project=project)
    Assignment.objects.filter(pk=lease.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert assignments_reclaim_expired() == 1
    annotation = annotation_submit(assignment_id=lease.pk, user=annotators[0], payload=labels())
    assert annotation.revision == 1
    clip = annotation.clip
    clip.refresh_from_db()
    assert (clip.layer1_count, clip.layer1_open) == (1, 0)


def test_skip_releases_the_clip_for_others_only(project, annotators):
    clip = ClipFactory(project=project)
    lease = assignment_next(user=annotators[0], project=project)
    assignment_release(assignment_id=lease.pk, user=annotators[0])
    assignment_release(assignment_id=lease.pk, user=annotators[0])  # idempotent
    assert assignment_next(user=annotators[0], project=project) is None
    assert assignment_next(user=annotators[1], project=project).clip == clip
    clip.refresh_from_db()
    assert clip.layer1_open == 1


def test_per_user_cap(project, annotators):
    project.per_user_cap = 1
    project.save()
    ClipFactory.create_batch(3, project=project)
    lease = assignment_next(user=annotators[0], project=project)
    annotation_submit(assignment_id=lease.pk, user=annotators[0], payload=labels())
    assert assignment_next(user=annotators[0], project=project) is None


def test_only_ready_clips_in_layer_one_are_handed_out(project, annotators):
    ClipFactory(project=project, media_status=Clip.MediaStatus.MISSING, duration_s=None)
    ClipFactory(project=project, stage=Clip.Stage.GOLD)
    assert assignment_next(user=annotators[0], project=project) is None


def test_roles_are_checked(project, annotators):
    outsider = member(ProjectFactory(), "annotator")
    with pytest.raises(NotAllowed):
        assignment_next(user=outsider, project=project)
    with pytest.raises(NotAllowed):
        adjudication_next(user=annotators[0], project=project)


def test_submissions_are_validated_and_replays_are_harmless(project, annotators):
    ClipFactory(project=project)
    user = annotators[0]
    lease = assignment_next(user=user, project=project)
    with pytest.raises(Invalid) as err:
        annotation_submit(assignment_id=lease.pk, user=user, payload=labels("Happy"))
    assert err.value.field == "basic7"
    with pytest.raises(Invalid) as err:
        annotation_submit(assignment_id=lease.pk, user=user, payload={"basic7": "Joy"})
    assert err.value.field == "goemotions"
    first = annotation_submit(assignment_id=lease.pk, user=user, payload=labels())
    assert annotation_submit(assignment_id=lease.pk, user=user, payload=labels()) == first
    with pytest.raises(Conflict):
        annotation_submit(assignment_id=lease.pk, user=user, payload=labels("Fear"))
    assert Annotation.objects.filter(annotator=user).count() == 1


def test_drafts_autosave_then_disappear_on_submit(project, annotators):
    ClipFactory(project=project)
    user = annotators[0]
    lease = assignment_next(user=user, project=project)
    annotation_save_draft(assignment_id=lease.pk, user=user, payload={"basic7": "Fear"})
    draft = annotation_save_draft(assignment_id=lease.pk, user=user, payload={"basic7": "Joy"})
    assert draft.payload == {"basic7": "Joy"}
    assert Annotation.objects.filter(status="draft").count() == 1
    annotation_submit(assignment_id=lease.pk, user=user, payload=labels())
    assert not Annotation.objects.filter(status="draft").exists()


def test_a_correction_is_a_new_revision_and_reroutes(project, annotators):
    ClipFactory(project=project)
    clip = label_clip(project, annotators[:3], ["Joy", "Joy", "Sadness"])
    assert clip.stage == "disputed"
    third = Annotation.objects.get(clip=clip, annotator=annotators[2])
    new = annotation_correct(annotation_id=third.pk, user=annotators[2], payload=labels("Joy"))
    assert (new.revision, new.supersedes, new.is_current) == (2, third, True)
    third.refresh_from_db()
    assert third.is_current is False and third.payload["basic7"] == "Sadness"
    clip.refresh_from_db()
    assert clip.stage == "gold"
    assert GoldLabel.objects.get(clip=clip).provenance == "unanimous"
    event = AuditEvent.objects.get(action="annotation.corrected")
    assert event.data["before"]["basic7"] == "Sadness" and event.data["after"]["basic7"] == "Joy"
    with pytest.raises(Conflict):
        annotation_correct(annotation_id=third.pk, user=annotators[2], payload=labels("Fear"))


def stream_payload(*segments):
    return {
        "segments": [
            {"start": s, "end": e, "basic7": label, "goemotions": ["neutral"], "intensity": 2}
            for s, e, label in segments
        ]
    }


def submit_untraced(lease, user, payload):
    """These monologues have no trace: their annotators confirmed submitting without one."""
    return annotation_submit(
        assignment_id=lease.pk, user=user, payload=payload, confirm_low_coverage=True
    )


def test_streaming_clips_route_on_segment_labels(project, annotators):
    clip = ClipFactory(project=project, kind="stream", duration_s=10.0)
    Segment.objects.create(clip=clip, index=1, start_s=0, end_s=4)
    Segment.objects.create(clip=clip, index=2, start_s=5, end_s=9)
    payloads = [
        stream_payload((0, 4.5, "Anger"), (4.5, 9.5, "Sadness")),
        stream_payload((0, 5, "Anger"), (5, 10, "Sadness")),
        stream_payload((0, 3, "Anger"), (3, 10, "Sadness")),
    ]
    for user, payload in zip(annotators, payloads, strict=False):
        lease = assignment_next(user=user, project=project)
        submit_untraced(lease, user, payload)
    clip.refresh_from_db()
    assert clip.stage == "gold"
    assert GoldLabel.objects.get(clip=clip).payload["segments"][0]["basic7"] == "Anger"


def test_a_monologue_aggregate_is_the_majority_per_reference_utterance(project, annotators):
    """The "aggregate" of a monologue was Annotator A's labels, whatever B and C said: it is
    the majority per reference utterance, on the reference boundaries."""
    project.routing_rule = {**project.routing_rule, "min_confidence": 0.5}
    project.save()
    clip = ClipFactory(project=project, kind="stream", duration_s=10.0)
    Segment.objects.create(clip=clip, index=1, start_s=0, end_s=4)
    Segment.objects.create(clip=clip, index=2, start_s=5, end_s=9)
    payloads = [
        stream_payload((0, 4.5, "Anger"), (4.5, 9.5, "Joy")),  # A: the odd one out twice
        stream_payload((0, 5, "Fear"), (5, 10, "Sadness")),
        stream_payload((0, 3, "Fear"), (3, 10, "Sadness")),
    ]
    for user, payload in zip(annotators, payloads, strict=False):
        lease = assignment_next(user=user, project=project)
        submit_untraced(lease, user, payload)
    clip.refresh_from_db()
    aggregate = clip.agreement.aggregate["segments"]
    assert [(s["start"], s["end"], s["basic7"]) for s in aggregate] == [
        (0, 4, "Fear"),
        (5, 9, "Sadness"),
    ]
    assert aggregate[0]["goemotions"] == ["neutral"] and aggregate[0]["intensity"] == 2
    assert clip.stage == "gold"
    assert GoldLabel.objects.get(clip=clip).payload["segments"] == aggregate


def test_a_tie_on_one_utterance_is_not_gold(project, annotators):
    project.overlap_k = 2
    project.routing_rule = {**project.routing_rule, "min_confidence": 0.5}
    project.save()
    clip = ClipFactory(project=project, kind="stream", duration_s=10.0)
    Segment.objects.create(clip=clip, index=1, start_s=0, end_s=4)
    Segment.objects.create(clip=clip, index=2, start_s=5, end_s=9)
    for user, second in zip(annotators, ["Joy", "Fear"], strict=False):
        lease = assignment_next(user=user, project=project)
        payload = stream_payload((0, 4.5, "Anger"), (4.5, 9.5, second))
        submit_untraced(lease, user, payload)
    clip.refresh_from_db()
    assert clip.stage == "disputed"
    assert clip.agreement.metrics["reason"] == "no majority basic7 label on utterance 2 (a tie)"


def test_time_nobody_labelled_is_not_agreement():
    """A 3:2 Joy/Sadness split over 1–50 s of a 200 s clip without reference segments: the
    150 s nobody labelled are not 150 s of consensus (it was high-tier gold)."""
    project = ProjectFactory(overlap_k=5)
    users = [member(project, "annotator") for _ in range(5)]
    clip = ClipFactory(project=project, kind="stream", duration_s=200.0)
    for user, label in zip(users, ["Joy", "Joy", "Joy", "Sadness", "Sadness"], strict=True):
        lease = assignment_next(user=user, project=project)
        submit_untraced(lease, user, stream_payload((1, 50, label)))
    clip.refresh_from_db()
    assert clip.stage == "disputed"
    agreement = clip.agreement
    assert agreement.confidence == pytest.approx(0.6)
    assert agreement.metrics["samples"] == 49


def test_a_tie_is_never_gold_whatever_the_threshold():
    """1:1 with a minimum confidence of 0.5 became "majority" gold without a Basic-7 label."""
    project = ProjectFactory(overlap_k=2)
    project.routing_rule = {**project.routing_rule, "min_confidence": 0.5}
    project.save()
    ClipFactory(project=project)
    clip = label_clip(project, [member(project, "annotator") for _ in range(2)], ["Joy", "Fear"])
    assert clip.stage == "disputed"
    assert "no majority" in clip.agreement.metrics["reason"]
    assert not GoldLabel.objects.filter(clip=clip).exists()


def test_a_label_submitted_after_the_clip_was_routed_routes_it_again(project, annotators):
    """k lowered under an open lease routes the clip without it; the late label, when it
    comes, must count (the clip kept the gold of fewer labels than it has)."""
    project.overlap_k = 3
    project.save()
    clip = ClipFactory(project=project)
    leases = [assignment_next(user=user, project=project) for user in annotators[:3]]
    for lease, user in zip(leases[:2], annotators, strict=False):
        annotation_submit(assignment_id=lease.pk, user=user, payload=labels("Joy"))
    project_settings_update(project=project, actor=annotators[0], changes={"overlap_k": 2})
    clip.refresh_from_db()
    assert clip.stage == "gold"
    annotation_submit(assignment_id=leases[2].pk, user=annotators[2], payload=labels("Fear"))
    clip.refresh_from_db()
    assert clip.agreement.n_annotations == 3
    assert clip.stage == "disputed"  # 2 of 3 is below the default 0.9
    assert not GoldLabel.objects.filter(clip=clip, is_current=True).exists()


def test_stream_segments_must_fit_and_not_overlap(project, annotators):
    ClipFactory(project=project, kind="stream", duration_s=10.0)
    user = annotators[0]
    lease = assignment_next(user=user, project=project)
    with pytest.raises(Invalid) as err:
        annotation_submit(
            assignment_id=lease.pk, user=user, payload=stream_payload((0, 5, "Joy"), (4, 6, "Joy"))
        )
    assert err.value.field == "segments[1].start"
    with pytest.raises(Invalid) as err:
        annotation_submit(assignment_id=lease.pk, user=user, payload=stream_payload((0, 11, "Joy")))
    assert err.value.field == "segments[0].end"


def test_the_beat_schedule_reclaims_lapsed_leases(project, annotators, settings):
    from annotation.tasks import reclaim_expired_leases

    schedule = settings.CELERY_BEAT_SCHEDULE["reclaim-expired-leases"]
    assert schedule["task"] == reclaim_expired_leases.name
    clip = ClipFactory(project=project)
    lease = assignment_next(user=annotators[0], project=project)
    Assignment.objects.filter(pk=lease.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert reclaim_expired_leases() == 1
    clip.refresh_from_db()
    assert clip.layer1_open == 0
