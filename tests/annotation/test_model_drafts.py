"""Model drafts (issue 19, item 4): imported with provenance, all or nothing, idempotently;
validated like a submission; shown as a pre-fill only when the project says so; the submit
records whether a draft was shown and taken unchanged from what the claim served; and a draft
never becomes a label or gold."""

import json
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from annotation.errors import Conflict, Invalid
from annotation.models import Annotation, DraftShown, GoldLabel, ModelDraft, ModelRun
from annotation.selectors.drafts import drafts_report
from annotation.services.assignment import assignment_next
from annotation.services.drafts import (
    Provenance,
    draft_serve,
    drafts_import_files,
    project_drafts_set,
)
from annotation.services.submission import annotation_correct, annotation_submit
from clips.models import Clip
from factories import ClipFactory, ProjectFactory, member

pytestmark = pytest.mark.django_db(transaction=True)  # routing is enqueued on commit

JOY = {"basic7": "Joy", "goemotions": ["joy"], "intensity": 3}
SAD = {"basic7": "Sadness", "goemotions": ["sadness"], "intensity": 2}
EMOS = Path(__file__).resolve().parents[3] / "shared" / "emos" / "streaming"
GPT = Provenance("gpt-x", "2025-01", "prompt-7")


def jsonl(tmp_path: Path, rows: list[dict], name: str = "preds.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def project_with_clips(n: int = 3, **fields):  # type: ignore[no-untyped-def]
    project = ProjectFactory(**fields)
    for i in range(n):
        ClipFactory(project=project, external_id=f"c{i}")
    return project


def test_jsonl_predictions_become_drafts_with_their_provenance(tmp_path):
    project = project_with_clips()
    path = jsonl(tmp_path, [
        {"clip_id": "c0", "basic7": "Joy", "goemotions": ["joy"], "intensity": 3},
        {"clip_id": "c1", "basic7": "Sadness"},
        {"clip_id": "elsewhere", "basic7": "Joy"},
    ])  # fmt: skip
    run, created = drafts_import_files(project=project, paths=[path], provenance=GPT)
    assert created
    assert (run.model_name, run.model_version, run.config_id) == ("gpt-x", "2025-01", "prompt-7")
    assert (run.n_drafts, run.n_unmatched, run.source_name) == (2, 1, "preds.jsonl")
    drafts = {d.clip.external_id: d for d in ModelDraft.objects.filter(run=run)}
    assert drafts["c0"].payload == JOY and drafts["c1"].payload == {"basic7": "Sadness"}
    assert drafts["c0"].source_ref == "preds.jsonl:line 1"
    assert not Annotation.objects.exists()  # no label


def test_csv_predictions_are_read_as_the_score_command_reads_them(tmp_path):
    project = project_with_clips()
    path = tmp_path / "preds.csv"
    path.write_text("clip_id,basic7,goemotions,intensity\nc0,Joy,joy;pride,4\nc1,Anger,,\n")
    run, _ = drafts_import_files(project=project, paths=[path], provenance=GPT)
    payloads = dict(ModelDraft.objects.filter(run=run).values_list("clip__external_id", "payload"))
    assert payloads == {
        "c0": {"basic7": "Joy", "goemotions": ["joy", "pride"], "intensity": 4},
        "c1": {"basic7": "Anger"},
    }


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"clip_id": "c1", "basic7": "Happy"}, "basic7"),
        ({"clip_id": "c1", "goemotions": "joy"}, "goemotions"),
        ({"clip_id": "c1", "intensity": 9}, "intensity"),
        ({"clip_id": "c1", "basic7": "Joy", "mood": "x"}, None),  # not a layer: not read
    ],
)
def test_a_bad_record_names_file_line_and_field_and_nothing_is_imported(tmp_path, row, field):
    project = project_with_clips()
    path = jsonl(tmp_path, [{"clip_id": "c0", "basic7": "Joy"}, row])
    if field is None:
        drafts_import_files(project=project, paths=[path], provenance=GPT)
        assert ModelDraft.objects.count() == 2
        return
    with pytest.raises(Invalid) as failed:
        drafts_import_files(project=project, paths=[path], provenance=GPT)
    assert f"preds.jsonl:line 2: {field}:" in failed.value.message
    assert not ModelRun.objects.exists() and not ModelDraft.objects.exists()


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('{"clip_id": "c0", "basic7": "Joy"}\n{"clip_id": \n', "line 2: invalid JSON"),
        ('{"clip_id": "c0", "basic7": "Joy"}\n{"clip_id": "c0", "basic7": "Joy"}\n', "line 2"),
        ('{"basic7": "Joy"}\n', "line 1: clip_id"),
        ('{"clip_id": "c0"}\n', "line 1: no label"),
    ],
)
def test_an_unreadable_file_is_refused_naming_the_line(tmp_path, text, where):
    project = project_with_clips()
    path = tmp_path / "preds.jsonl"
    path.write_text(text)
    with pytest.raises(Invalid) as failed:
        drafts_import_files(project=project, paths=[path], provenance=GPT)
    assert where in failed.value.message
    assert not ModelRun.objects.exists()


def test_reimporting_a_run_changes_nothing_and_a_changed_run_needs_a_new_version(tmp_path):
    project = project_with_clips()
    first, _ = drafts_import_files(
        project=project, paths=[jsonl(tmp_path, [{"clip_id": "c0", "basic7": "Joy"}])],
        provenance=GPT,
    )  # fmt: skip
    again, created = drafts_import_files(
        project=project, paths=[jsonl(tmp_path, [{"clip_id": "c0", "basic7": "Joy"}], "b.jsonl")],
        provenance=GPT,
    )  # fmt: skip
    assert again.pk == first.pk and not created and ModelDraft.objects.count() == 1
    changed = jsonl(tmp_path, [{"clip_id": "c0", "basic7": "Anger"}], "c.jsonl")
    with pytest.raises(Conflict, match="own version"):
        drafts_import_files(project=project, paths=[changed], provenance=GPT)
    newer = Provenance("gpt-x", "2025-02", "prompt-7")
    _, created = drafts_import_files(project=project, paths=[changed], provenance=newer)
    assert created and ModelRun.objects.count() == 2


def test_a_control_item_takes_no_draft(tmp_path):
    project = project_with_clips()
    Clip.objects.filter(external_id="c0").update(stage=Clip.Stage.CONTROL)
    with pytest.raises(Invalid, match="control item"):
        drafts_import_files(
            project=project, paths=[jsonl(tmp_path, [{"clip_id": "c0", "basic7": "Joy"}])],
            provenance=GPT,
        )  # fmt: skip


def test_emos_emotion_json_keeps_segments_cues_evidence_and_summary(tmp_path):
    film = "A Few Good Men"
    project = ProjectFactory()
    ClipFactory(project=project, external_id=film, kind="stream", duration_s=3600.0)
    shutil.copytree(EMOS / film, tmp_path / film)
    run, _ = drafts_import_files(project=project, paths=[tmp_path / film], provenance=GPT)
    draft = ModelDraft.objects.get(run=run)
    segments = draft.payload["segments"]
    raw = (EMOS / film / f"{film}.emotion.json").read_text().strip()
    source = json.loads(raw.removeprefix("```json").removesuffix("```"))  # EmoS fences it
    assert len(segments) == len(source["utterances"])
    assert segments[0]["evidence"] == source["utterances"][0]["evidence"].strip()
    assert {"audio_cues", "visual_cues"} <= segments[0].keys()
    assert draft.meta["summary"] == source["summary"]
    # What the label form holds is the draft (an annotator can take it unchanged); the
    # model's speaker guess and the transcripts are kept beside it.
    assert set().union(*segments) <= {
        "start", "end", "basic7", "goemotions", "intensity", "audio_cues", "visual_cues",
        "evidence",
    }  # fmt: skip
    beyond = draft.meta["beyond_the_form"]["segments"][0]
    assert beyond["speaker"] == source["utterances"][0]["speaker_guess"].strip()


def test_the_command_imports_and_says_when_a_run_was_imported_already(tmp_path, capsys):
    project = project_with_clips()
    path = jsonl(tmp_path, [{"clip_id": "c0", "basic7": "Joy"}])
    args = [str(path), "--project", project.slug, "--model", "m", "--model-version", "1"]
    call_command("import_drafts", *args)
    call_command("import_drafts", *args)
    out = capsys.readouterr().out
    assert "1 drafts imported" in out and "imported already" in out
    bad = jsonl(tmp_path, [{"clip_id": "c1", "basic7": "Nope"}], "bad.jsonl")
    with pytest.raises(CommandError, match=r"bad\.jsonl:line 1: basic7"):
        call_command("import_drafts", str(bad), "--project", project.slug, "--model", "m2")


def prefill(project, tmp_path, rows, share=1.0):  # type: ignore[no-untyped-def]
    run, _ = drafts_import_files(project=project, paths=[jsonl(tmp_path, rows)], provenance=GPT)
    admin = member(project, "admin")
    project_drafts_set(project=project, actor=admin, mode="prefill", run_id=run.pk, share=share)
    return run


def claim(project, user):  # type: ignore[no-untyped-def]
    lease = assignment_next(user=user, project=project)
    return lease, draft_serve(assignment=lease, project=project)


def test_hidden_drafts_are_not_served_and_the_flags_stay_false(tmp_path):
    project = project_with_clips(1, overlap_k=1)
    drafts_import_files(
        project=project, paths=[jsonl(tmp_path, [{"clip_id": "c0", **JOY}])], provenance=GPT
    )
    user = member(project, "annotator")
    lease, served = claim(project, user)
    assert served is None
    annotation = annotation_submit(assignment_id=lease.pk, user=user, payload=JOY)
    assert (annotation.draft_shown, annotation.draft_accepted) == (False, False)


def test_flags_are_set_by_the_server_from_what_was_served(tmp_path):
    project = project_with_clips(2, overlap_k=1)
    prefill(project, tmp_path, [{"clip_id": "c0", **JOY}, {"clip_id": "c1", **JOY}])
    user = member(project, "annotator")
    flags = []
    for payload in (JOY, SAD):  # the first taken unchanged, the second changed
        lease, served = claim(project, user)
        assert served == JOY
        assert claim(project, user)[1] == JOY  # the open lease: served again, the same
        annotation = annotation_submit(assignment_id=lease.pk, user=user, payload=payload)
        flags.append((annotation.draft_shown, annotation.draft_accepted))
    assert flags == [(True, True), (True, False)]
    assert DraftShown.objects.count() == 2
    stored = Annotation.objects.order_by("pk").values_list("draft_shown", "draft_accepted")
    assert list(stored) == flags  # the PostgreSQL path writes them in its one statement


def test_the_browser_cannot_claim_the_flags(tmp_path):
    project = project_with_clips(1, overlap_k=1)
    user = member(project, "annotator")
    api = APIClient()
    api.force_authenticate(user)
    lease = api.post(f"/api/projects/{project.slug}/next/").json()["assignment"]
    assert lease["model_draft"] is None
    body = {"payload": JOY, "draft_shown": True, "draft_accepted": True}
    response = api.post(f"/api/assignments/{lease['id']}/submit/", body, format="json")
    assert response.status_code == 201
    assert Annotation.objects.values_list("draft_shown", "draft_accepted").get() == (False, False)


def test_the_claim_response_carries_the_draft_when_prefilled(tmp_path):
    project = project_with_clips(1, overlap_k=1)
    prefill(project, tmp_path, [{"clip_id": "c0", "basic7": "Joy"}])
    user = member(project, "annotator")
    api = APIClient()
    api.force_authenticate(user)
    lease = api.post(f"/api/projects/{project.slug}/next/").json()["assignment"]
    assert lease["model_draft"] == {"basic7": "Joy"}
    assert api.get(f"/api/assignments/{lease['id']}/").json()["model_draft"] == {"basic7": "Joy"}


def test_a_correction_keeps_shown_and_compares_with_the_draft(tmp_path):
    project = project_with_clips(1, overlap_k=1)
    prefill(project, tmp_path, [{"clip_id": "c0", **JOY}])
    user = member(project, "annotator")
    lease, _ = claim(project, user)
    first = annotation_submit(assignment_id=lease.pk, user=user, payload=SAD)
    corrected = annotation_correct(annotation_id=first.pk, user=user, payload=JOY)
    assert (corrected.draft_shown, corrected.draft_accepted) == (True, True)


def test_a_share_of_claims_is_shown_drafts_at_random(tmp_path):
    project = project_with_clips(60, overlap_k=1)
    prefill(project, tmp_path, [{"clip_id": f"c{i}", **JOY} for i in range(60)], share=0.5)
    user = member(project, "annotator")
    shown = 0
    for _ in range(60):
        lease, served = claim(project, user)
        shown += served is not None
        annotation_submit(assignment_id=lease.pk, user=user, payload=SAD)
    assert 15 < shown < 45  # drawn per clip and annotator: neither none nor all
    assert Annotation.objects.filter(draft_shown=True).count() == shown


def test_prefill_needs_one_of_the_projects_runs(tmp_path):
    project, other = project_with_clips(1), ProjectFactory()
    ClipFactory(project=other, external_id="c0")
    run, _ = drafts_import_files(
        project=other, paths=[jsonl(tmp_path, [{"clip_id": "c0", **JOY}])], provenance=GPT
    )
    with pytest.raises(Invalid):
        project_drafts_set(project=project, actor=member(project, "admin"), mode="prefill",
                           run_id=run.pk)  # fmt: skip


def test_a_draft_never_becomes_a_label_or_gold(tmp_path):
    """Three people say Sadness, the model Joy: gold is the people's, and the clip counts
    three labels, not four."""
    project = project_with_clips(1, overlap_k=3)
    prefill(project, tmp_path, [{"clip_id": "c0", **JOY}])
    for i in range(3):
        user = member(project, "annotator", f"a{i}")
        lease, _ = claim(project, user)
        annotation_submit(assignment_id=lease.pk, user=user, payload=SAD)
    clip = Clip.objects.get()
    gold = GoldLabel.objects.get(clip=clip, is_current=True)
    assert clip.layer1_count == 3 and gold.payload["basic7"] == "Sadness"
    assert gold.provenance == "unanimous"


def test_report_compares_each_annotator_and_the_aggregate_with_the_model(tmp_path):
    project = project_with_clips(4, overlap_k=2)
    run = prefill(project, tmp_path, [{"clip_id": f"c{i}", **JOY} for i in range(4)])
    answers = {"a": [JOY, JOY, SAD, SAD], "b": [JOY, SAD, SAD, SAD]}
    for name, payloads in answers.items():
        user = member(project, "annotator", name)
        for payload in payloads:
            lease, _ = claim(project, user)
            annotation_submit(assignment_id=lease.pk, user=user, payload=payload)
    report = drafts_report(project, run)
    basic7 = report["layers"]["basic7"]
    assert basic7["annotators"]["a"]["agreement"] == 0.5
    assert basic7["annotators"]["b"]["agreement"] == 0.25
    assert report["shown"] == 8 and report["accepted"] == 3
    assert report["run"]["model_name"] == "gpt-x"
    assert basic7["anchoring"] is None  # every label had the draft shown: nothing to compare
    assert report["layers"]["goemotions"]["annotators"]["a"]["jaccard"] == 0.5


@pytest.mark.parametrize(("run", "status"), [("9" * 400, 400), ("²", 400), ("999", 404)])
def test_the_report_of_a_run_that_cannot_be_is_refused_cleanly(run, status):
    """Found by the API fuzzer: an id too long for the column answered 500."""
    project = project_with_clips(1)
    api = APIClient()
    api.force_authenticate(member(project, "admin"))
    answer = api.get(f"/api/projects/{project.slug}/drafts/report/", {"run": run})
    assert answer.status_code == status


def test_a_release_carries_drafts_of_gold_clips_and_never_of_controls(tmp_path):
    from exports.models import Release
    from exports.selectors import release_data

    project = project_with_clips(3, overlap_k=1)
    drafts_import_files(
        project=project,
        paths=[jsonl(tmp_path, [{"clip_id": f"c{i}", **JOY} for i in range(3)])],
        provenance=GPT,
    )
    Clip.objects.filter(external_id="c2").update(stage=Clip.Stage.CONTROL)  # promoted later
    user = member(project, "annotator")
    lease, _ = claim(project, user)
    annotation_submit(assignment_id=lease.pk, user=user, payload=SAD)  # c0 becomes gold
    data = release_data(Release.objects.create(project=project, major=1, minor=0, patch=0), None)
    assert [(d.clip_id, d.model_name, d.config_id) for d in data.model_drafts] == [
        ("c0", "gpt-x", "prompt-7")
    ]
    assert [g.payload["basic7"] for g in data.gold] == ["Sadness"]


def _post_run(project, *files, version: str = "2025-01"):  # type: ignore[no-untyped-def]
    """POST a run to the API as an admin: ``files`` are (name, bytes)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    api = APIClient()
    api.force_authenticate(member(project, "admin"))
    return api.post(
        f"/api/projects/{project.slug}/model-runs/",
        {"model_name": "gpt-x", "model_version": version, "config_id": "prompt-7",
         "files": [SimpleUploadedFile(name, body) for name, body in files]},
        format="multipart",
    )  # fmt: skip


def test_an_admin_imports_a_run_from_uploaded_files():
    """The API's success path: predictions and an EmoS film's file in one run, stored
    under the film's name (the clip the reader names); the same upload again is the run
    already imported (200), with other drafts under the same provenance a conflict."""
    film = "A Few Good Men"
    project = project_with_clips()
    ClipFactory(project=project, external_id=film, kind="stream", duration_s=3600.0)
    preds = b'{"clip_id": "c0", "basic7": "Joy"}\n{"clip_id": "c1", "basic7": "Sadness"}\n'
    emos = (EMOS / film / f"{film}.emotion.json").read_bytes()
    files = [("preds.jsonl", preds), (f"{film}.emotion.json", emos)]
    created = _post_run(project, *files)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["model_name"], body["n_drafts"], body["n_unmatched"]) == ("gpt-x", 3, 0)
    run = ModelRun.objects.get(pk=body["id"])
    assert set(ModelDraft.objects.filter(run=run).values_list("clip__external_id", flat=True)) == {
        "c0", "c1", film
    }  # fmt: skip
    again = _post_run(project, *files)
    assert again.status_code == 200 and again.json()["id"] == run.pk
    changed = _post_run(project, ("preds.jsonl", preds.replace(b"Joy", b"Fear")))
    assert changed.status_code == 409, changed.json()


@pytest.mark.parametrize("name", ["...emotion.json", ".emotion.json"])
def test_an_uploaded_file_name_cannot_leave_the_upload_folder(name, tmp_path, monkeypatch):
    """Found in review: the upload wrote each file by hand under a folder named after it;
    "...emotion.json" named the folder "..", and the file was written beside the temporary
    folder, and left there. Names are made safe as the label upload's; one with nothing
    left of it is refused."""
    import tempfile

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    response = _post_run(project_with_clips(), (name, b'{"clip_id": "c0", "basic7": "Joy"}\n'))
    assert not list(scratch.iterdir())  # nothing left behind, inside or out
    assert response.status_code == 400, response.content
    assert response.json()["error"]["field"] == "files"


def test_a_run_shown_to_annotators_is_kept_as_provenance(tmp_path):
    """A run's drafts shown to annotators are the provenance of their labels' flags: the
    admin (the only way to delete a run) refuses to delete it, saying why, instead of failing
    on the protected rows; a run never shown nor chosen for pre-fill may go."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    project = project_with_clips(2, overlap_k=1)
    shown = prefill(project, tmp_path, [{"clip_id": "c0", **JOY}])
    claim(project, member(project, "annotator"))
    assert DraftShown.objects.filter(draft__run=shown).exists()
    project_drafts_set(project=project, actor=member(project, "admin"), mode="hidden", run_id=None)
    unused, _ = drafts_import_files(
        project=project,
        paths=[jsonl(tmp_path, [{"clip_id": "c1", **SAD}], "other.jsonl")],
        provenance=Provenance("gpt-x", "2025-02"),
    )
    browser = Client()
    browser.force_login(get_user_model().objects.create_superuser("root", "r@x.org", "pw"))
    url = f"/admin/annotation/modelrun/{shown.pk}/delete/"
    page = browser.get(url)
    assert page.status_code == 200 and b"protected" in page.content
    refused = browser.post(url, {"post": "yes"})
    assert refused.status_code in (200, 403) and ModelRun.objects.filter(pk=shown.pk).exists()
    listed = browser.post(
        "/admin/annotation/modelrun/",
        {"action": "delete_selected", "_selected_action": [shown.pk], "post": "yes"},
    )
    assert listed.status_code == 200 and ModelRun.objects.filter(pk=shown.pk).exists()
    gone = browser.post(f"/admin/annotation/modelrun/{unused.pk}/delete/", {"post": "yes"})
    assert gone.status_code == 302 and not ModelRun.objects.filter(pk=unused.pk).exists()
