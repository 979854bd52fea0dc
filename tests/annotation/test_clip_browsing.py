"""Issue 15, item 6: the admins' clips browser — filters and search in a selector, the clip
page, and sending clips to adjudication from the page and in bulk."""

import pytest
from django.http import Http404, QueryDict
from django.test import Client
from django.utils import timezone

from annotation.models import Annotation, AuditEvent, GoldLabel, Provenance, Trace
from annotation.selectors.clips import ClipFilter, clip_record, filtered_clips
from annotation.services.adjudication import BulkOutcome, clips_send_to_adjudication
from clips.models import Clip
from factories import ClipFactory, ProjectFactory, member

pytestmark = pytest.mark.django_db


def label(clip: Clip, annotator, payload=None) -> Annotation:  # type: ignore[no-untyped-def]
    return Annotation.objects.create(
        clip=clip, annotator=annotator, status=Annotation.Status.SUBMITTED, is_current=True,
        payload=payload or {"emotion": "happy"}, submitted_at=timezone.now(),
    )  # fmt: skip


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    project = ProjectFactory(slug="p")
    admin = member(project, "admin", "boss")
    alice = member(project, "annotator", "alice")
    clips = {
        "a": ClipFactory(project=project, external_id="a-1", batch="b1", transcript="the cat"),
        "b": ClipFactory(
            project=project, external_id="b-2", batch="b2", language="zh", transcript="你好",
            stage=Clip.Stage.DISPUTED,
        ),
        "c": ClipFactory(
            project=project, external_id="c-3", kind="stream", stage=Clip.Stage.GOLD,
            media_status=Clip.MediaStatus.FAILED, transcript="a dog",
        ),
    }  # fmt: skip
    ClipFactory(external_id="elsewhere-a")  # another project's clip: never listed
    label(clips["a"], alice)
    return {"project": project, "admin": admin, "alice": alice, **clips}


def ids(user, project, **spec) -> set[str]:  # type: ignore[no-untyped-def]
    return set(
        filtered_clips(user, project, ClipFilter(**spec)).values_list("external_id", flat=True)
    )


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({}, {"a-1", "b-2", "c-3"}),
        ({"stage": "disputed"}, {"b-2"}),
        ({"media_status": "failed"}, {"c-3"}),
        ({"batch": "b1"}, {"a-1"}),
        ({"language": "zh"}, {"b-2"}),
        ({"kind": "stream"}, {"c-3"}),
        ({"q": "B-2"}, {"b-2"}),  # external id, any case
        ({"q": "dog"}, {"c-3"}),  # transcript
        ({"q": "a", "stage": "gold"}, {"c-3"}),  # filters combine
    ],
)
def test_each_filter_and_the_search_narrow_the_admins_list(world, spec, expected):
    assert ids(world["admin"], world["project"], **spec) == expected


def test_filter_by_annotator(world):
    assert ids(world["admin"], world["project"], annotator=world["alice"].pk) == {"a-1"}
    assert ids(world["admin"], world["project"], annotator=world["admin"].pk) == set()


def test_a_non_admin_list_is_not_widened_nor_filtered(world):
    """An annotator sees only the clips they hold or held, whatever the query says."""
    bob = member(world["project"], "annotator", "bob")
    assert ids(bob, world["project"]) == set()
    assert ids(bob, world["project"], stage="gold") == set()
    adjudicator = member(world["project"], "adjudicator")
    assert ids(adjudicator, world["project"], stage="gold") == {"a-1", "b-2", "c-3"}


def test_the_filter_reads_and_writes_a_query_string():
    spec = ClipFilter.from_query(QueryDict("stage=gold&annotator=7&q=+cat+&batch="))
    assert spec == ClipFilter(stage="gold", annotator=7, q="cat")
    assert spec.query() == {"stage": "gold", "annotator": "7", "q": "cat"}
    assert ClipFilter.from_query(QueryDict("annotator=x")).annotator is None


def test_clip_record_names_annotators_and_keeps_gold_versions(world):
    clip = world["c"]
    label(clip, world["alice"])
    GoldLabel.objects.create(clip=clip, version=1, is_current=False, payload={"e": 1},
                             provenance=Provenance.MAJORITY)  # fmt: skip
    GoldLabel.objects.create(
        clip=clip, version=2, payload={"e": 2}, provenance=Provenance.UNANIMOUS
    )
    record = clip_record(world["admin"], world["project"], clip.pk)
    assert record["readable"]
    assert [a.annotator.username for a in record["labels"]] == ["alice"]
    assert [(g.version, g.is_current) for g in record["gold"]] == [(2, True), (1, False)]
    with pytest.raises(Http404):
        clip_record(world["alice"], world["project"], clip.pk)
    with pytest.raises(Http404):  # another project's clip
        clip_record(
            world["admin"], world["project"], Clip.objects.get(external_id="elsewhere-a").pk
        )


def test_an_admin_who_labelled_a_clip_is_blind_to_its_labels(world):
    label(world["c"], world["admin"])
    record = clip_record(world["admin"], world["project"], world["c"].pk)
    assert not record["readable"] and record["labels"] == [] and record["gold"] == []


def test_bulk_send_reports_each_clip_and_audits_as_the_service_does(world):
    outcomes = clips_send_to_adjudication(
        clip_ids=[world["a"].pk, world["b"].pk, world["c"].pk], actor=world["admin"], reason="check"
    )
    assert outcomes == {
        world["a"].pk: BulkOutcome.SENT,
        world["b"].pk: BulkOutcome.ALREADY,
        world["c"].pk: BulkOutcome.REOPENED,
    }
    assert set(Clip.objects.filter(project=world["project"]).values_list("stage", flat=True)) == {
        Clip.Stage.DISPUTED
    }
    audited = AuditEvent.objects.filter(action="clip.sent_to_adjudication")
    assert sorted(int(e.target_id) for e in audited) == sorted([world["a"].pk, world["c"].pk])


# --- pages ----------------------------------------------------------------------------------


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_admin_list_filters_counts_and_keeps_the_filter_across_pages(world, monkeypatch):
    monkeypatch.setattr("annotation.views.CLIPS_PER_PAGE", 1)
    page = client_for(world["admin"]).get("/projects/p/clips?stage=layer1&q=&batch=b1")
    html = page.content.decode()
    assert 'data-clip="a-1"' in html and 'data-clip="b-2"' not in html
    assert "1 clip matches" in html
    assert f'href="/projects/p/clips/{world["a"].pk}?stage=layer1&amp;batch=b1"' in html
    everything = client_for(world["admin"]).get("/projects/p/clips").content.decode()
    assert "3 clips match" in everything
    assert 'href="?page=2"' in everything
    disputed_or_gold = client_for(world["admin"]).get("/projects/p/clips?kind=static").content
    assert b'href="?kind=static&amp;page=2"' in disputed_or_gold


def test_annotator_list_has_no_filters_actions_nor_clip_links(world):
    html = client_for(world["alice"]).get("/projects/p/clips?stage=gold").content.decode()
    assert 'name="stage"' not in html and "clips/send" not in html
    assert "/projects/p/clips/" not in html


def test_admin_clip_page_shows_names_gold_events_and_actions(world):
    clip = world["c"]
    labelled = label(clip, world["alice"])
    Annotation.objects.filter(pk=labelled.pk).update(trace_coverage=0.875)
    Trace.objects.create(
        clip=clip, annotator=world["alice"], annotation=labelled, config={},
        status=Trace.Status.FINALISED, sample_count=120, chunk_count=3,
    )  # fmt: skip
    GoldLabel.objects.create(clip=clip, version=1, payload={"e": 2}, provenance=Provenance.MAJORITY)
    html = client_for(world["admin"]).get(f"/projects/p/clips/{clip.pk}").content.decode()
    assert 'data-annotator="alice"' in html
    assert 'data-version="1"' in html and "Majority" in html
    assert 'data-action="reopen"' in html
    trace_row = html.split('data-trace="alice"')[1].split("</tr>")[0]
    assert "120" in trace_row and "88%" in trace_row
    a_page = client_for(world["admin"]).get(f"/projects/p/clips/{world['a'].pk}").content
    assert b'data-action="send"' in a_page


@pytest.mark.parametrize(("role", "status"), [("annotator", 403), ("adjudicator", 403)])
def test_clip_page_and_actions_are_for_admins(world, role, status):
    client = client_for(member(world["project"], role))
    assert client.get(f"/projects/p/clips/{world['a'].pk}").status_code == status
    post = client.post("/projects/p/clips/send", {"clip": world["a"].pk, "reason": "x"})
    assert post.status_code == status
    assert Clip.objects.get(pk=world["a"].pk).stage == Clip.Stage.LAYER1


def test_clip_page_is_404_to_non_members_and_for_other_projects_clips(world):
    outsider = member(ProjectFactory(slug="q"), "admin")
    assert client_for(outsider).get(f"/projects/p/clips/{world['a'].pk}").status_code == 404
    other = Clip.objects.get(external_id="elsewhere-a")
    assert client_for(world["admin"]).get(f"/projects/p/clips/{other.pk}").status_code == 404


def test_sending_one_clip_from_its_page(world):
    client = client_for(world["admin"])
    page = f"/projects/p/clips/{world['a'].pk}"
    response = client.post(
        "/projects/p/clips/send", {"clip": world["a"].pk, "reason": "look", "next": page}
    )
    assert response.status_code == 302 and response["Location"] == page
    assert Clip.objects.get(pk=world["a"].pk).stage == Clip.Stage.DISPUTED
    assert "1 clip: sent to adjudication." in client.get(page).content.decode()


def test_bulk_all_matching_is_confirmed_with_its_count_first(world):
    client = client_for(world["admin"])
    ask = client.post("/projects/p/clips/send", {"scope": "all", "q": "-", "reason": "audit"})
    assert ask.status_code == 200
    assert "Send 3 clips to adjudication?" in ask.content.decode()
    assert AuditEvent.objects.filter(action="clip.sent_to_adjudication").count() == 0
    confirm = {"scope": "all", "q": "-", "reason": "audit", "confirmed": "1", "count": "3"}
    done = client.post("/projects/p/clips/send", {**confirm, "next": "/projects/p/clips?q=-"})
    assert done["Location"] == "/projects/p/clips?q=-"
    assert AuditEvent.objects.filter(action="clip.sent_to_adjudication").count() == 2
    html = client.get(done["Location"]).content.decode()
    assert "1 clip: already disputed: left as it was." in html


def test_bulk_asks_again_when_the_filter_matches_another_number(world):
    """Confirmed for 3, but a fourth clip matches by then: nothing is sent unasked."""
    ClipFactory(project=world["project"], external_id="d-4")
    client = client_for(world["admin"])
    confirm = {"scope": "all", "q": "-", "reason": "audit", "confirmed": "1", "count": "3"}
    again = client.post("/projects/p/clips/send", confirm)
    assert again.status_code == 200
    assert "Send 4 clips to adjudication?" in again.content.decode()
    assert AuditEvent.objects.filter(action="clip.sent_to_adjudication").count() == 0


def test_bulk_needs_a_reason_and_a_clip_and_never_leaves_the_site(world):
    client = client_for(world["admin"])
    response = client.post(
        "/projects/p/clips/send",
        {"clip": world["a"].pk, "reason": " ", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/projects/p/clips"
    assert Clip.objects.get(pk=world["a"].pk).stage == Clip.Stage.LAYER1
    other = Clip.objects.get(external_id="elsewhere-a")
    client.post("/projects/p/clips/send", {"clip": other.pk, "reason": "x"})
    assert Clip.objects.get(pk=other.pk).stage == Clip.Stage.LAYER1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_bulk_send_on_postgresql(world):
    """The per-clip row locks and savepoints on the real database."""
    client = client_for(world["admin"])
    response = client.post(
        "/projects/p/clips/send",
        {
            "clip": [world["a"].pk, world["b"].pk, world["c"].pk],
            "reason": "pg",
            "confirmed": "1",
            "count": "3",
        },
    )
    assert response.status_code == 302
    assert Clip.objects.filter(project=world["project"], stage=Clip.Stage.DISPUTED).count() == 3
    assert Clip.objects.get(pk=world["c"].pk).review_opened_at is not None
