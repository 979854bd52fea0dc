"""An adjudicator never decides a clip they labelled or held in layer 1, and never labels in
layer 1 a clip they have seen in layer 2: not when k is raised under their lease, not when
labels are corrected, whatever the order of events."""

import contextlib
from datetime import datetime

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from rest_framework.test import APIClient

from annotation.errors import ApplicationError, Conflict
from annotation.models import Adjudication, Annotation, Assignment, Membership, Role
from annotation.services.adjudication import adjudication_decide, clip_send_to_adjudication
from annotation.services.assignment import adjudication_next, assignment_next
from annotation.services.routing import clips_reroute
from annotation.services.submission import annotation_correct, annotation_submit
from clips.models import Clip
from factories import ClipFactory, ProjectFactory, UserFactory, member

# Real transactions: routing is enqueued on commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def labels(basic7: str) -> dict:  # type: ignore[type-arg]
    return {"basic7": basic7, "goemotions": ["joy"], "intensity": 3}


def _api(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_raising_k_under_a_layer2_lease_never_lets_its_holder_decide_their_own_labels():
    """The reported sequence, through the API."""
    project = ProjectFactory(slug="own", overlap_k=2)
    ann1, ann2 = member(project, Role.ANNOTATOR, "a1"), member(project, Role.ANNOTATOR, "a2")
    dual = member(project, Role.ANNOTATOR, "dual")
    Membership.objects.create(project=project, user=dual, role=Role.ADJUDICATOR)
    admin = member(project, Role.ADMIN, "admin")
    clip = ClipFactory(project=project)
    for user, vote in ((ann1, "Joy"), (ann2, "Fear")):
        lease = _api(user).post("/api/projects/own/next/").json()["assignment"]
        response = _api(user).post(
            f"/api/assignments/{lease['id']}/submit/", {"payload": labels(vote)}, format="json"
        )
        assert response.status_code == 201
    clip.refresh_from_db()
    assert clip.stage == Clip.Stage.DISPUTED

    review = _api(dual).post("/api/projects/own/disputes/next/", {}, format="json").json()
    assert review["assignment"]["clip"]["id"] == clip.pk
    raised = _api(admin).patch("/api/projects/own/settings/", {"overlap_k": 3}, format="json")
    assert raised.status_code == 200
    clip.refresh_from_db()
    assert clip.stage == Clip.Stage.LAYER1
    lease = Assignment.objects.get(pk=review["assignment"]["id"])
    assert lease.status == Assignment.Status.EXPIRED  # the re-routing ended it

    offered = _api(dual).post("/api/projects/own/next/").json()
    assert offered["assignment"] is None  # they have read this clip's labels in layer 2

    decided = _api(dual).post(
        f"/api/assignments/{lease.pk}/submit/",
        {"payload": labels("Joy"), "rationale": "mine"},
        format="json",
    )
    assert decided.status_code == 409
    assert not Adjudication.objects.exists()


@pytest.mark.parametrize("back_to_layer1", ["raise_k", "correction"])
def test_a_clip_reopened_early_is_never_offered_to_a_reviewer_who_could_read_it(back_to_layer1):
    """An admin sends a clip to adjudication before layer 1 is done; a member who annotates
    and adjudicates reads its labels; the clip then goes back to layer 1 (k raised, or a
    correction re-routes it with fewer than k labels). They must not be offered it — and
    neither must a reviewer whose review role has been taken away since."""
    project = ProjectFactory(slug=f"reopen-{back_to_layer1}", overlap_k=2)
    ann1 = member(project, Role.ANNOTATOR, "r-a1")
    dual = member(project, Role.ANNOTATOR, "r-dual")
    Membership.objects.create(project=project, user=dual, role=Role.ADJUDICATOR)
    former = member(project, Role.ANNOTATOR, "r-former")
    Membership.objects.create(project=project, user=former, role=Role.ADJUDICATOR)
    admin = member(project, Role.ADMIN, "r-admin")
    clip = ClipFactory(project=project)
    lease = _api(ann1).post(f"/api/projects/{project.slug}/next/").json()["assignment"]
    done = _api(ann1).post(
        f"/api/assignments/{lease['id']}/submit/", {"payload": labels("Joy")}, format="json"
    )
    assert done.status_code == 201

    reopened = _api(admin).post(f"/api/clips/{clip.pk}/reopen/", {"reason": "look"}, format="json")
    assert reopened.status_code == 200, reopened.content
    assert _api(dual).get(f"/api/clips/{clip.pk}/").status_code == 200  # may read it now
    assert _api(former).get(f"/api/clips/{clip.pk}/").status_code == 200

    if back_to_layer1 == "raise_k":
        raised = _api(admin).patch(
            f"/api/projects/{project.slug}/settings/", {"overlap_k": 3}, format="json"
        )
        assert raised.status_code == 200
    else:
        mine = Annotation.objects.get(clip=clip, annotator=ann1)
        fixed = _api(ann1).post(
            f"/api/annotations/{mine.pk}/corrections/", {"payload": labels("Fear")}, format="json"
        )
        assert fixed.status_code == 201, fixed.content
    clip.refresh_from_db()
    assert clip.stage == Clip.Stage.LAYER1
    Membership.objects.filter(user=former, role=Role.ADJUDICATOR).update(is_active=False)

    for reader in (dual, former):
        offered = _api(reader).post(f"/api/projects/{project.slug}/next/").json()
        assert offered["assignment"] is None, f"{reader} is offered a clip they have read"
    # a plain annotator who never could read it is offered it as usual
    fresh = member(project, Role.ANNOTATOR, "r-fresh")
    offered = _api(fresh).post(f"/api/projects/{project.slug}/next/").json()
    assert offered["assignment"]["clip"]["id"] == clip.pk


def test_deciding_checks_again_that_the_clip_is_not_yours():
    """Whatever path led there (labels imported under the lease, say), the decision itself
    refuses a clip the adjudicator labelled."""
    project = ProjectFactory(slug="own2", overlap_k=2)
    judge = member(project, Role.ADJUDICATOR, "judge")
    clip = ClipFactory(project=project, stage=Clip.Stage.DISPUTED, layer1_count=2)
    lease = adjudication_next(user=judge, project=project)
    assert lease is not None and lease.clip == clip
    Annotation.objects.create(
        clip=clip, annotator=judge, status="submitted", is_current=True, payload=labels("Joy"),
        submitted_at=timezone.now(), source="emos-xlsx",
    )  # fmt: skip
    with pytest.raises(Conflict):
        adjudication_decide(
            assignment_id=lease.pk, user=judge, payload=labels("Joy"), rationale="r"
        )
    # and a judge whose role was taken away meanwhile decides nothing either
    other = ClipFactory(project=project, stage=Clip.Stage.DISPUTED, layer1_count=2)
    judge2 = member(project, Role.ADJUDICATOR, "judge2")
    lease2 = adjudication_next(user=judge2, project=project, clip_id=other.pk)
    Membership.objects.filter(user=judge2).update(is_active=False)
    with pytest.raises(ApplicationError):
        adjudication_decide(
            assignment_id=lease2.pk, user=judge2, payload=labels("Joy"), rationale="r"
        )


VOTES = st.sampled_from(["Joy", "Fear", "Anger"])


class DualRoleWorkflow(RuleBasedStateMachine):
    """Two annotators, one member who both annotates and adjudicates, one adjudicator; k
    moves between 2 and 3, labels get corrected. Whatever happens, nobody decides a clip they
    labelled or held, and nobody labels a clip after holding it in layer 2."""

    counter = 0

    @initialize()
    def setup(self) -> None:
        DualRoleWorkflow.counter += 1
        self.project = ProjectFactory(slug=f"sm-{DualRoleWorkflow.counter}", overlap_k=2)
        self.users = [
            member(self.project, Role.ANNOTATOR, f"sm{self.counter}-a{i}") for i in range(2)
        ]
        dual = member(self.project, Role.ANNOTATOR, f"sm{self.counter}-dual")
        Membership.objects.create(project=self.project, user=dual, role=Role.ADJUDICATOR)
        self.users.append(dual)
        self.judges = [dual, member(self.project, Role.ADJUDICATOR, f"sm{self.counter}-j")]
        self.clips = [ClipFactory(project=self.project) for _ in range(3)]
        self.admin = UserFactory(username=f"sm{self.counter}-admin")
        self.read_by_dual: dict[int, datetime] = {}

    @rule(who=st.integers(0, 2), vote=VOTES)
    def label(self, who: int, vote: str) -> None:
        user = self.users[who]
        try:
            lease = assignment_next(user=user, project=self.project)
            if lease is not None:
                annotation_submit(assignment_id=lease.pk, user=user, payload=labels(vote))
        except ApplicationError:
            pass

    @rule(who=st.integers(0, 1), vote=VOTES)
    def adjudicate(self, who: int, vote: str) -> None:
        judge = self.judges[who]
        try:
            lease = adjudication_next(user=judge, project=self.project)
            if lease is not None:
                adjudication_decide(
                    assignment_id=lease.pk, user=judge, payload=labels(vote), rationale="r"
                )
        except ApplicationError:
            pass

    @rule(who=st.integers(0, 1))
    def take_for_review(self, who: int) -> None:
        with contextlib.suppress(ApplicationError):
            adjudication_next(user=self.judges[who], project=self.project)

    @rule(pick=st.integers(0, 2))
    def reopen(self, pick: int) -> None:
        """An admin sends a clip to adjudication, whatever its stage."""
        clip_send_to_adjudication(clip_id=self.clips[pick].pk, actor=self.admin, reason="look")

    @rule(k=st.sampled_from([2, 3]))
    def change_k(self, k: int) -> None:
        self.project.overlap_k = k
        self.project.save(update_fields=["overlap_k"])
        clips_reroute(project=self.project)

    @rule(vote=VOTES, pick=st.integers(0, 100))
    def correct(self, vote: str, pick: int) -> None:
        mine = list(
            Annotation.objects.filter(clip__project=self.project, is_current=True).order_by("pk")
        )
        if not mine:
            return
        old = mine[pick % len(mine)]
        with contextlib.suppress(ApplicationError):
            annotation_correct(annotation_id=old.pk, user=old.annotator, payload=labels(vote))

    @invariant()
    def nobody_decides_their_own_clip(self) -> None:
        if not hasattr(self, "project"):
            return
        for decision in Adjudication.objects.filter(clip__project=self.project):
            assert not Assignment.objects.filter(
                clip=decision.clip, user=decision.adjudicator, layer=1
            ).exists(), "an adjudicator decided a clip they held in layer 1"
            assert not Annotation.objects.filter(
                clip=decision.clip, annotator=decision.adjudicator
            ).exists(), "an adjudicator decided a clip they labelled"

    @invariant()
    def nobody_labels_what_they_reviewed(self) -> None:
        if not hasattr(self, "project"):
            return
        for review in Assignment.objects.filter(clip__project=self.project, layer=2):
            assert not Assignment.objects.filter(
                clip=review.clip, user=review.user, layer=1, created_at__gt=review.created_at
            ).exists(), "a clip was offered in layer 1 to someone who had it in layer 2"

    @invariant()
    def the_dual_member_reads_no_clip_they_are_blind_to(self) -> None:
        if not hasattr(self, "project"):
            return
        dual = self.users[2]
        api = _api(dual)
        for clip in Clip.objects.filter(project=self.project):
            involved = (
                Annotation.objects.filter(clip=clip, annotator=dual).exists()
                or Assignment.objects.filter(clip=clip, user=dual, layer=1).exists()
                or clip.stage in (Clip.Stage.LAYER1, Clip.Stage.AGGREGATING)
            )
            status = api.get(f"/api/clips/{clip.pk}/").status_code
            if involved:
                assert status == 404
            if status == 200:
                self.read_by_dual.setdefault(clip.pk, timezone.now())

    @invariant()
    def nobody_labels_what_they_could_read(self) -> None:
        if not hasattr(self, "project"):
            return
        for clip_id, read_at in self.read_by_dual.items():
            assert not Assignment.objects.filter(
                clip_id=clip_id, user=self.users[2], layer=1, created_at__gt=read_at
            ).exists(), "the dual member was offered in layer 1 a clip whose labels they read"


DualRoleWorkflow.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def test_dual_role_workflow_sequences():
    DualRoleWorkflow.TestCase().runTest()
