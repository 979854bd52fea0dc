"""The hot answers' serializers (HotModelSerializer.represent: one bound serializer per class)
answer exactly what DRF's own per-instance path answers, and carry nothing from one object to
the next."""

import pytest

from annotation.models import Assignment
from annotation.serializers import AnnotationSerializer, AssignmentSerializer
from annotation.services.assignment import assignment_next
from annotation.services.submission import annotation_save_draft, annotation_submit
from clips.models import Segment
from factories import ClipFactory, ProjectFactory, member

pytestmark = pytest.mark.django_db

LABELS = {"basic7": "Joy", "goemotions": ["joy"], "intensity": 3}


def _fresh(assignment: Assignment) -> Assignment:
    """A new object of the row: the draft is looked for once per object."""
    return Assignment.objects.select_related("clip__project").get(pk=assignment.pk)


def test_an_assignment_is_answered_as_drf_answers_it():
    project = ProjectFactory()
    stream = ClipFactory(project=project, kind="stream", duration_s=10.0, transcript="a\nb")
    Segment.objects.bulk_create(
        Segment(clip=stream, index=i, start_s=i * 2.0, end_s=i * 2.0 + 1.5, text=f"s{i}")
        for i in (1, 0, 2)
    )
    ClipFactory(project=project)
    drafted, plain = member(project, "annotator"), member(project, "annotator")
    first = assignment_next(user=drafted, project=project)
    assert first is not None
    draft = {"note": "sad"} if first.clip.kind == "stream" else {"basic7": "Sad"}
    annotation_save_draft(assignment_id=first.pk, user=drafted, payload=draft)
    second = assignment_next(user=plain, project=project)
    assert second is not None and second.claimed_now  # a fresh lease: no draft looked for

    answers = []
    for assignment in (first, second):
        ours = AssignmentSerializer.represent(_fresh(assignment))
        assert ours == AssignmentSerializer(_fresh(assignment)).data
        answers.append(ours)
    assert AssignmentSerializer.represent(second) == AssignmentSerializer(second).data
    by_clip = {a["clip"]["id"]: a for a in answers}
    assert [s["index"] for s in by_clip[stream.pk]["clip"]["segments"]] == [0, 1, 2]
    drafts = {a["id"]: a["draft"] for a in answers}
    assert drafts[second.pk] is None and drafts[first.pk]  # nothing carried over
    assert drafts[first.pk].items() >= draft.items()
    newer = {"note": "calm"} if first.clip.kind == "stream" else {"basic7": "Joy"}
    annotation_save_draft(assignment_id=first.pk, user=drafted, payload=newer)
    assert AssignmentSerializer.represent(_fresh(first))["draft"].items() >= newer.items()


def test_a_submitted_annotation_is_answered_as_drf_answers_it():
    project = ProjectFactory()
    ClipFactory(project=project)
    user = member(project, "annotator")
    assignment = assignment_next(user=user, project=project)
    assert assignment is not None
    annotation = annotation_submit(assignment_id=assignment.pk, user=user, payload=LABELS)
    assert AnnotationSerializer.represent(annotation) == AnnotationSerializer(annotation).data
    assert AnnotationSerializer.represent(annotation)["payload"] == LABELS
