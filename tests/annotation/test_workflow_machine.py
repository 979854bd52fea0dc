"""The whole workflow as random sequences, with the broker failing at random points.

A hypothesis state machine drives the services with real transactions: claims, drafts,
submits, skips, lapsed leases, corrections, changes of k, thresholds and aggregator,
adjudication, an admin's reopen, agreement reports and releases — while the broker is up,
down (a send raises) or loses messages (a send succeeds and the task never runs). After every
step the invariants the issue lists hold; once the broker is back and the sweeper has run,
nothing is left waiting.
"""

import contextlib
import shutil
import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import orjson
import pytest
from django.db import transaction
from django.db.models import Count, Q
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from kombu.exceptions import OperationalError
from published import release_dir

from annotation.errors import ApplicationError
from annotation.models import (
    Adjudication,
    AgreementReport,
    Annotation,
    Assignment,
    AuditEvent,
    GoldLabel,
    Membership,
    Provenance,
    Role,
)
from annotation.routing import decide_static
from annotation.services.adjudication import adjudication_decide, clip_send_to_adjudication
from annotation.services.agreement import agreement_report_request
from annotation.services.assignment import (
    adjudication_next,
    assignment_next,
    assignment_release,
    assignments_reclaim_expired,
)
from annotation.services.overlap import (
    overlap_refit,
    overlap_refit_if_due,
    overlap_rule,
    overlap_verdict,
)
from annotation.services.projects import project_settings_update
from annotation.services.routing import _evidence
from annotation.services.submission import (
    annotation_correct,
    annotation_save_draft,
    annotation_submit,
)
from annotation.tasks import agreement_recompute_project, agreement_route_clips, work_sweep
from clips.models import Clip
from exports.models import Release
from exports.services import release_create
from exports.tasks import release_build_task
from factories import ClipFactory, ProjectFactory, UserFactory, member

pytestmark = pytest.mark.django_db(transaction=True)

VOTES = st.sampled_from(["Joy", "Fear", "Anger"])
BROKER = st.sampled_from(["up", "down", "lost"])
TASKS = (agreement_route_clips, agreement_recompute_project, release_build_task)


def labels(basic7: str) -> dict[str, Any]:
    return {"basic7": basic7, "goemotions": ["joy"], "intensity": 3}


class Workflow(RuleBasedStateMachine):
    """Three annotators (one of them also an adjudicator), one adjudicator, an admin, four
    clips; k between 2 and 3."""

    counter = 0

    @initialize()
    def setup(self) -> None:
        Workflow.counter += 1
        n = Workflow.counter
        self.media = Path(tempfile.mkdtemp(prefix="machine-media-"))
        # The sweeper re-sends at once: the machine's steps are its minutes.
        self.overrides = override_settings(
            MEDIA_ROOT=self.media, ROUTING_RESEND_SECONDS=0, JOB_RESEND_SECONDS=0
        )
        self.overrides.enable()
        self.broker = "up"
        self.patches = [
            mock.patch.object(task, "delay", self._doorbell(task, task.delay)) for task in TASKS
        ]
        for patch in self.patches:
            patch.start()
        self.project = ProjectFactory(slug=f"wm-{n}", overlap_k=2)
        self.annotators = [member(self.project, Role.ANNOTATOR, f"wm{n}-a{i}") for i in range(2)]
        dual = member(self.project, Role.ANNOTATOR, f"wm{n}-dual")
        Membership.objects.create(project=self.project, user=dual, role=Role.ADJUDICATOR)
        self.annotators.append(dual)
        self.judges = [dual, member(self.project, Role.ADJUDICATOR, f"wm{n}-j")]
        self.admin = UserFactory(username=f"wm{n}-admin", is_superuser=True)
        self.clips = [ClipFactory(project=self.project) for _ in range(4)]
        self.releases = self.reports = 0

    def teardown(self) -> None:
        for patch in getattr(self, "patches", []):
            patch.stop()
        if hasattr(self, "project"):
            # The database outlives examples (and the releases are kept): no later example's
            # sweeper may build a release whose media folder this example removes.
            for model in (AgreementReport, Release):
                model.objects.filter(
                    project=self.project, status__in=[model.PENDING, model.RUNNING]
                ).update(status=model.FAILED, error="the example ended")
        if hasattr(self, "overrides"):
            self.overrides.disable()
            shutil.rmtree(self.media, ignore_errors=True)

    # --- the broker ---------------------------------------------------------------------------

    def _doorbell(self, task: Any, delay: Any) -> Any:
        def ring(*args: Any) -> Any:
            if self.broker == "down":
                raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")
            if self.broker == "lost":
                return None  # accepted, then lost in a Redis restart: the task never runs
            if task is release_build_task:
                return self._build_checked(delay, *args)
            return delay(*args)

        return ring

    def _gold_stage(self) -> set[str]:
        gold = Clip.objects.filter(project=self.project, stage=Clip.Stage.GOLD)
        return set(gold.values_list("external_id", flat=True))

    def _build_checked(self, delay: Any, release_id: int) -> Any:
        """A release's gold table is the gold-stage clips when it is built."""
        expected = self._gold_stage()
        result = delay(release_id)
        release = Release.objects.get(pk=release_id)
        assert release.status != Release.FAILED, release.error
        if release.status == Release.DONE:
            lines = (release_dir(release) / "data" / "gold.jsonl").read_bytes().splitlines()
            assert {orjson.loads(line)["clip_id"] for line in lines if line} == expected
        return result

    @rule(mode=BROKER)
    def broker_becomes(self, mode: str) -> None:
        self.broker = mode

    @rule()
    def sweep(self) -> None:
        """The broker is back and beat runs the sweeper: nothing is left waiting."""
        self.broker = "up"
        work_sweep()
        waiting = Clip.objects.filter(project=self.project, stage=Clip.Stage.AGGREGATING)
        assert not waiting.exists(), "a clip is still aggregating after the sweep"
        for model in (AgreementReport, Release):
            left = model.objects.filter(project=self.project).exclude(
                status__in=[model.DONE, model.FAILED]
            )
            assert not left.exists(), f"a {model.__name__} still waits after the sweep"

    # --- layer 1 ------------------------------------------------------------------------------

    def _open(self, user: Any, layer: int) -> Assignment | None:
        return Assignment.objects.filter(
            user=user, layer=layer, status=Assignment.Status.ACTIVE, clip__project=self.project
        ).first()

    @rule(who=st.integers(0, 2))
    def claim(self, who: int) -> None:
        user = self.annotators[who]
        before = set(Assignment.objects.filter(user=user).values_list("pk", flat=True))
        with contextlib.suppress(ApplicationError):
            lease = assignment_next(user=user, project=self.project)
            if lease is not None and lease.pk not in before:
                taken = Assignment.objects.filter(
                    clip=lease.clip, layer=1, status__in=["active", "submitted"]
                ).count()
                k = self._most_labels()
                assert taken <= k, f"a new lease made {taken} live or done on a clip with k={k}"

    def _most_labels(self) -> int:
        return self.project.overlap_k

    # Labelling is most of what happens: one step is a round of several claims and submits.
    @rule(round=st.lists(st.tuples(st.integers(0, 2), VOTES), min_size=1, max_size=4))
    def label(self, round: list[tuple[int, str]]) -> None:
        for who, vote in round:
            self.claim(who)
            self.submit(who, vote)

    @rule(who=st.integers(0, 2), vote=VOTES)
    def draft(self, who: int, vote: str) -> None:
        user = self.annotators[who]
        if (lease := self._open(user, 1)) is not None:
            with contextlib.suppress(ApplicationError):
                annotation_save_draft(assignment_id=lease.pk, user=user, payload=labels(vote))

    @rule(who=st.integers(0, 2), vote=VOTES)
    def submit(self, who: int, vote: str) -> None:
        user = self.annotators[who]
        if (lease := self._open(user, 1)) is not None:
            with contextlib.suppress(ApplicationError):
                annotation_submit(assignment_id=lease.pk, user=user, payload=labels(vote))

    @rule(who=st.integers(0, 2))
    def skip(self, who: int) -> None:
        user = self.annotators[who]
        if (lease := self._open(user, 1)) is not None:
            with contextlib.suppress(ApplicationError):
                assignment_release(assignment_id=lease.pk, user=user)

    @rule(who=st.integers(0, 3))
    def lease_lapses(self, who: int) -> None:
        users = [*self.annotators, self.judges[1]]
        lease = self._open(users[who], 1 if who < 3 else 2)
        if lease is not None:
            Assignment.objects.filter(pk=lease.pk).update(
                expires_at=timezone.now() - timedelta(seconds=1)
            )
            assignments_reclaim_expired(project=self.project)

    @rule(vote=VOTES, pick=st.integers(0, 100))
    def correct(self, vote: str, pick: int) -> None:
        current = list(
            Annotation.objects.filter(clip__project=self.project, is_current=True).order_by("pk")
        )
        if current:
            old = current[pick % len(current)]
            with contextlib.suppress(ApplicationError):
                annotation_correct(annotation_id=old.pk, user=old.annotator, payload=labels(vote))

    # --- the rule -----------------------------------------------------------------------------

    @rule(k=st.sampled_from([2, 3]))
    def change_k(self, k: int) -> None:
        project_settings_update(project=self.project, actor=self.admin, changes={"overlap_k": k})

    @rule(
        floor=st.sampled_from([0.5, 0.6, 0.9]),
        medium=st.sampled_from([0.5, 0.8]),
        aggregator=st.sampled_from(["majority", "dawid_skene"]),
        unanimous=st.booleans(),
    )
    def change_rule(self, floor: float, medium: float, aggregator: str, unanimous: bool) -> None:
        rule = {
            **self.project.routing_rule,
            "min_confidence": floor,
            "medium_confidence": medium,
            "aggregator": aggregator,
            "accept_unanimous": unanimous,
        }
        project_settings_update(
            project=self.project, actor=self.admin, changes={"routing_rule": rule}
        )

    # --- layer 2 ------------------------------------------------------------------------------

    @rule(who=st.integers(0, 1))
    def take_dispute(self, who: int) -> None:
        with contextlib.suppress(ApplicationError):
            adjudication_next(user=self.judges[who], project=self.project)

    @rule(who=st.integers(0, 1), vote=VOTES)
    def adjudicate(self, who: int, vote: str) -> None:
        judge = self.judges[who]
        with contextlib.suppress(ApplicationError):
            if (lease := adjudication_next(user=judge, project=self.project)) is not None:
                adjudication_decide(
                    assignment_id=lease.pk, user=judge, payload=labels(vote), rationale="r"
                )

    @rule(pick=st.integers(0, 3))
    def reopen(self, pick: int) -> None:
        clip_send_to_adjudication(clip_id=self.clips[pick].pk, actor=self.admin, reason="look")

    # --- jobs ---------------------------------------------------------------------------------

    @precondition(lambda self: self.reports < 4)
    @rule()
    def agreement_report(self) -> None:
        self.reports += 1
        with contextlib.suppress(ApplicationError):
            agreement_report_request(project=self.project)

    @precondition(lambda self: self.releases < 3)  # builds take a second each
    @rule()
    def release(self) -> None:
        self.releases += 1
        release_create(project=self.project, version=f"1.{self.releases}.0")

    # --- invariants ---------------------------------------------------------------------------

    def _ready(self) -> bool:
        return hasattr(self, "project")

    @invariant()
    def counters_match_rows(self) -> None:
        if not self._ready():
            return
        clips = Clip.objects.filter(project=self.project).annotate(
            done=Count(
                "annotations",
                filter=Q(annotations__is_current=True, annotations__status="submitted"),
                distinct=True,
            ),
            live=Count(
                "assignments",
                filter=Q(assignments__layer=1, assignments__status="active"),
                distinct=True,
            ),
        )
        for clip in clips:
            assert (clip.layer1_count, clip.layer1_open) == (clip.done, clip.live), clip

    @invariant()
    def never_the_same_annotator_twice(self) -> None:
        if not self._ready():
            return
        held = Counter(
            Assignment.objects.filter(
                clip__project=self.project, layer=1, status__in=["active", "submitted"]
            ).values_list("clip_id", "user_id")
        )
        assert max(held.values(), default=0) <= 1, "an annotator holds a clip twice"
        labelled = Counter(
            Annotation.objects.filter(clip__project=self.project, is_current=True).values_list(
                "clip_id", "annotator_id"
            )
        )
        assert max(labelled.values(), default=0) <= 1, "two current labels by one annotator"

    @invariant()
    def nobody_decides_their_own_clip(self) -> None:
        if not self._ready():
            return
        for decision in Adjudication.objects.filter(clip__project=self.project):
            assert not Annotation.objects.filter(
                clip=decision.clip, annotator=decision.adjudicator
            ).exists(), "an adjudicator decided a clip they labelled"

    def _held_for_review(self, clip: Clip) -> bool:
        """An admin sent it to adjudication after it was last routed: its standing gold (if
        any) waits for the adjudicator, whatever the rule says."""
        last = (
            AuditEvent.objects.filter(
                target_type="clips.clip",
                target_id=str(clip.pk),
                action__in=["clip.routed", "clip.sent_to_adjudication"],
            )
            .order_by("-pk")
            .values_list("action", flat=True)
            .first()
        )
        return last == "clip.sent_to_adjudication"

    @invariant()
    def stage_and_gold_follow_the_rule(self) -> None:
        if not self._ready():
            return
        self.project.refresh_from_db()
        for clip in Clip.objects.filter(project=self.project):
            gold = GoldLabel.objects.filter(clip=clip, is_current=True).first()
            where = f"clip {clip.external_id} ({clip.stage}, {clip.layer1_count} labels)"
            if clip.stage == Clip.Stage.GOLD:
                assert gold is not None, f"{where} is gold without a current gold label"
            if clip.stage == Clip.Stage.LAYER1:
                assert gold is None, f"{where} in layer 1 keeps gold {gold}"
                assert clip.layer1_count < self.project.overlap_k or self.broker != "up", where
            if clip.stage == Clip.Stage.AGGREGATING:
                continue  # waits for its routing (the broker was down or lost it)
            if gold is not None and gold.provenance == Provenance.ADJUDICATED:
                continue  # an adjudicator's decision stands until someone reopens it
            held = self._held_for_review(clip)
            if clip.stage == Clip.Stage.DISPUTED and held:
                continue
            if clip.stage in (Clip.Stage.GOLD, Clip.Stage.DISPUTED):
                decision = self._decide(clip)
                if clip.stage == Clip.Stage.GOLD:
                    assert decision.accepted, f"{where}: the rule rejects it ({decision.reason})"
                    assert gold is not None
                    got = (gold.payload, gold.provenance, gold.tier, gold.confidence)
                    want = (decision.aggregate, decision.provenance, decision.tier)
                    assert got[:3] == want, f"{where}: gold {got}, the rule says {want}"
                    assert gold.confidence == pytest.approx(decision.confidence), where
                else:
                    assert not decision.accepted, f"{where}: disputed, the rule accepts it"
                    assert gold is None, f"{where}: disputed, keeps gold v{gold.version}"

    def _decide(self, clip: Clip) -> Any:
        annotations = list(Annotation.objects.filter(clip=clip, is_current=True).order_by("pk"))
        evidence = _evidence(clip, self.project, annotations)
        return decide_static(
            self.project.label_schema,
            self.project.routing_rule,
            [a.payload for a in annotations],
            evidence,
        )

    @invariant()
    def every_job_is_finished_or_claimable(self) -> None:
        if not self._ready():
            return
        for model in (AgreementReport, Release):
            running = model.objects.filter(project=self.project, status=model.RUNNING)
            assert not running.exists(), f"a {model.__name__} is left running with no worker"


class AdaptiveWorkflow(Workflow):
    """The same, under adaptive overlap (k_max 3): a clip takes labels while the
    Dawid–Skene model of the project is unsure, the model refitted as the beat does. Gold
    follows the adaptive rule on the model of the clip's last routing: the label and
    provenance must be what the current rule says, or the clip is waiting for the next
    refit to re-route it (a refit re-routes only clips whose outcome it changes)."""

    OVERLAP = {"strategy": "adaptive", "threshold": 0.9, "k_max": 3, "min_labels": 1,
               "warmup": 3, "refit_every": 3}  # fmt: skip

    @initialize()
    def setup(self) -> None:
        super().setup()
        self.project.overlap = self.OVERLAP
        self.project.overlap_k = 3
        self.project.save()

    def _most_labels(self) -> int:
        return 3

    @rule()
    def refit(self) -> None:
        overlap_refit_if_due(project=self.project)

    @rule(k=st.sampled_from([2, 3]))
    def change_k(self, k: int) -> None:  # k serves streams only here: the refit follows
        project_settings_update(project=self.project, actor=self.admin, changes={"overlap_k": k})

    @invariant()
    def stage_and_gold_follow_the_rule(self) -> None:
        if not self._ready():
            return
        self.project.refresh_from_db()
        refitted = False
        for clip in Clip.objects.filter(project=self.project):
            gold = GoldLabel.objects.filter(clip=clip, is_current=True).first()
            where = f"clip {clip.external_id} ({clip.stage}, {clip.layer1_count} labels)"
            if clip.stage == Clip.Stage.GOLD:
                assert gold is not None, f"{where} is gold without a current gold label"
            if clip.stage == Clip.Stage.LAYER1:
                assert gold is None, f"{where} in layer 1 keeps gold {gold}"
                assert clip.layer1_count < 3 or self.broker != "up", where
                wants = self._verdict(clip)[0] is None
                assert wants or self.broker != "up", f"{where}: the model is sure, not routed"
            if clip.stage != Clip.Stage.GOLD or gold.provenance == Provenance.ADJUDICATED:
                continue
            decision = self._decide(clip)
            if (decision.accepted, decision.aggregate.get("basic7")) != (
                True,
                gold.payload["basic7"],
            ):
                refitted = True  # the model moved since: the refit re-routes it
        if refitted and self.broker == "up":
            overlap_refit(project=self.project)
            for clip in Clip.objects.filter(project=self.project, stage=Clip.Stage.GOLD):
                gold = GoldLabel.objects.get(clip=clip, is_current=True)
                if gold.provenance == Provenance.ADJUDICATED:
                    continue
                decision = self._decide(clip)
                assert decision.accepted, f"{clip.external_id}: the rule rejects its gold"
                assert decision.aggregate.get("basic7") == gold.payload["basic7"], clip.external_id

    def _verdict(self, clip: Clip) -> tuple[Any, list[Annotation]]:
        annotations = list(Annotation.objects.filter(clip=clip, is_current=True).order_by("pk"))
        labels = sorted((a.annotator_id, a.payload) for a in annotations)
        with transaction.atomic():  # the verdict stores the clip's state when it wants more
            sid = transaction.savepoint()
            evidence = overlap_verdict(clip=clip, labels=labels)
            transaction.savepoint_rollback(sid)
        return evidence, annotations

    def _decide(self, clip: Clip) -> Any:
        evidence, annotations = self._verdict(clip)
        if evidence is None:  # the model wants another label: the rule accepts nothing yet
            return decide_static(self.project.label_schema, overlap_rule(self.project), [])
        return decide_static(
            self.project.label_schema,
            overlap_rule(self.project),
            [a.payload for a in annotations],
            evidence,
        )


Workflow.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def test_workflow_sequences_with_a_failing_broker():
    Workflow.TestCase().runTest()


AdaptiveWorkflow.TestCase.settings = settings(
    max_examples=15,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def test_adaptive_workflow_sequences_with_a_failing_broker():
    AdaptiveWorkflow.TestCase().runTest()
