"""The platform with simulated annotators of known accuracy (issue 19, "must show"): working
through a project with control items over the services, the platform's live figures are
exactly those of the answers given (the interval the quality engine gives for them, whose
95 % coverage of the true accuracy tests/quality checks over 200 seeds), the careful
annotator and the spammer are told apart, the spammer is paused at the configured number of
controls, and nothing from the controls reaches the release. Seeded."""

import numpy as np
import pytest

from annotation.errors import Paused
from annotation.models import AnnotatorPause, ControlAnswer
from annotation.quality.live import wilson_interval
from annotation.selectors.quality import live_quality
from annotation.services.assignment import assignment_next
from annotation.services.controls import control_mark
from annotation.services.submission import annotation_submit
from clips.models import Clip
from exports.models import Release
from exports.selectors import release_data
from factories import ClipFactory, ProjectFactory, member

pytestmark = pytest.mark.django_db(transaction=True)

ACCURACIES = {"careful": 0.95, "good": 0.8, "coin": 0.5, "spammer": None}  # None: uniform
CLAIMS = 40  # each; every second claim is a control (rate 2): 20 controls at most


def test_simulated_annotators_are_measured_and_the_spammer_is_paused():
    rng = np.random.default_rng(19)
    project = ProjectFactory(control_rate=2, pause_floor=0.7, pause_min_controls=10)
    layer = next(x for x in project.label_schema["layers"] if x["name"] == "basic7")
    classes = [label["value"] for label in layer["labels"]]
    truth: dict[int, str] = {}
    for i in range(80):
        clip = ClipFactory(project=project, external_id=f"clip-{i:03d}")
        truth[clip.pk] = classes[int(rng.integers(len(classes)))]
    for clip in ClipFactory.create_batch(25, project=project):
        answer = {"basic7": truth.setdefault(clip.pk, classes[int(rng.integers(len(classes)))]),
                  "goemotions": ["joy"], "intensity": 3}  # fmt: skip
        control_mark(clip=clip, answer=answer, actor=None)
    people = {name: member(project, "annotator", name) for name in ACCURACIES}

    paused_at: dict[str, int] = {}
    answered = {name: [0, 0] for name in ACCURACIES}  # controls right, controls answered
    control_ids = set(Clip.objects.filter(stage="control").values_list("pk", flat=True))
    for _ in range(CLAIMS):
        for name, accuracy in ACCURACIES.items():
            if name in paused_at:
                continue
            user = people[name]
            try:
                lease = assignment_next(user=user, project=project)
            except Paused:
                paused_at[name] = ControlAnswer.objects.filter(user=user).count()
                continue
            right = truth[lease.clip_id]
            if accuracy is None:
                given = classes[int(rng.integers(len(classes)))]  # at random
            elif rng.random() < accuracy:
                given = right
            else:
                given = str(rng.choice([c for c in classes if c != right]))  # surely wrong
            payload = {"basic7": given, "goemotions": ["joy"], "intensity": 3}
            annotation_submit(assignment_id=lease.pk, user=user, payload=payload)
            if lease.clip_id in control_ids:
                answered[name][0] += given == right
                answered[name][1] += 1

    assert paused_at.get("spammer") == 10  # judged at the 10th control, paused there
    assert "careful" not in paused_at and "good" not in paused_at
    pause = AnnotatorPause.objects.get(user=people["spammer"])
    assert pause.high < 0.7 and pause.controls == 10

    quality = live_quality(project)
    for name in ACCURACIES:
        q = quality[people[name].pk]
        assert [q.controls_correct, q.controls] == answered[name], name
        assert q.accuracy_interval() == wilson_interval(*answered[name])
    careful, spammer = (quality[people[n].pk].accuracy_interval() for n in ("careful", "spammer"))
    assert careful.low > spammer.high
    assert quality[people["careful"].pk].controls == CLAIMS // 2

    data = release_data(Release.objects.create(project=project, major=1, minor=0, patch=0), None)
    controls = set(Clip.objects.filter(stage="control").values_list("external_id", flat=True))
    assert len(controls) == 25
    assert not controls & {c.clip_id for c in data.clips}
    assert not controls & {label.clip_id for label in data.labels}
    assert not controls & {g.clip_id for g in data.gold}
    assert len(data.labels) > 0
