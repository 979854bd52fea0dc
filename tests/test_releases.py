"""Releases from the database: created, built by the export task, published atomically,
immutable, versioned upward, downloadable and scorable."""

import hashlib
import io
import tarfile
from io import StringIO
from pathlib import Path

import numpy as np
import orjson
import pytest
from django.core.management import CommandError, call_command
from published import release_dir
from rest_framework.test import APIClient

from annotation.errors import Conflict, Invalid
from annotation.models import Adjudication, Annotation, GoldLabel, Trace
from clips.models import Clip
from exports import services
from exports.models import Release
from exports.pipeline import build_release
from exports.selectors import release_data
from exports.services import release_build, release_create
from factories import ClipFactory, ProjectFactory, member

pytestmark = pytest.mark.django_db(transaction=True)  # builds start on commit

BASIC7 = ["Joy", "Sadness", "Anger", "Neutral"]


@pytest.fixture
def project(media_root):
    """40 static clips with three labels and gold, two streaming clips with traces."""
    project = ProjectFactory(slug="bench-mark", name="Benchmark")
    annotators = [member(project, "annotator") for _ in range(3)]
    for i in range(40):
        clip = ClipFactory(
            project=project, external_id=f"video_{i // 4:03d}/{i % 4:04d}",
            language="zh" if i % 2 else "en", source_video=f"video_{i // 4:03d}", stage="gold",
        )  # fmt: skip
        label = BASIC7[i % 4]
        for user in annotators:
            Annotation.objects.create(
                clip=clip, annotator=user, status="submitted", is_current=True,
                payload={"basic7": label, "goemotions": ["joy"], "intensity": 3},
            )  # fmt: skip
        GoldLabel.objects.create(
            clip=clip, version=1, provenance="unanimous", tier="high", confidence=1.0,
            payload={"basic7": label, "goemotions": ["joy"], "intensity": 3},
        )  # fmt: skip
    t = np.arange(0, 20, 1 / 25)
    for j in range(2):
        clip = ClipFactory(
            project=project, external_id=f"film {j}", kind="stream", duration_s=20.0,
            source_video=f"film {j}", stage="gold",
        )  # fmt: skip
        segments = {"segments": [{"start": 0.0, "end": 10.0, "basic7": "Sadness",
                                  "goemotions": ["grief"], "intensity": 4}]}  # fmt: skip
        for k, user in enumerate(annotators):
            Annotation.objects.create(
                clip=clip, annotator=user, status="submitted", is_current=True, payload=segments
            )
            values = np.stack([np.sin(t + k * 0.1), np.cos(t) * 0.5], axis=1).astype("<f4")
            Trace.objects.create(
                clip=clip, annotator=user, config=project.trace_config, status="finalised",
                data=values.tobytes(),
            )  # fmt: skip
        GoldLabel.objects.create(
            clip=clip, version=1, provenance="majority", tier="medium", confidence=0.85,
            payload=segments,
        )  # fmt: skip
    return project


def files(path: Path) -> dict[str, str]:
    return {
        str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*"))
        if p.is_file()
    }


def test_build_publishes_a_verifiable_release(project, media_root):
    out = StringIO()
    call_command("build_release", "bench-mark", "--version", "1.0.0", stdout=out, stderr=StringIO())
    release = Release.objects.get()
    assert release.status == "published" and release.progress == 1.0
    folder = release_dir(release)
    sums = (folder / "SHA256SUMS").read_text().splitlines()
    listed = {line.split("  ", 1)[1]: line.split("  ", 1)[0] for line in sums}
    on_disk = {k: v for k, v in files(folder).items() if k != "SHA256SUMS"}
    assert listed == on_disk
    archive = media_root / release.archive_path
    assert hashlib.sha256(archive.read_bytes()).hexdigest() == release.archive_sha256
    with tarfile.open(archive) as tar:
        assert any(name.endswith("SHA256SUMS") for name in tar.getnames())
    names = " ".join(files(folder))
    for expected in ("clips.parquet", "labels.parquet", "gold.parquet", "traces.parquet",
                     "croissant.json", "README.md", "CHANGELOG.md", "train.txt"):  # fmt: skip
        assert expected in names, expected
    assert "Published bench-mark 1.0.0" in out.getvalue()
    # no user name leaves the platform: annotators are pseudonyms
    labels = (folder / "data" / "labels.jsonl").read_text()
    assert "user" not in labels and '"A01"' in labels


def test_the_same_state_gives_byte_identical_files(project, tmp_path):
    release = Release.objects.create(project=project, major=9, minor=0, patch=0)
    for target in ("one", "two"):
        build_release(release_data(release, None), tmp_path / target, lambda f, m: None)
    assert files(tmp_path / "one") == files(tmp_path / "two")


def test_versions_only_go_up_and_must_be_semantic(project):
    release_create(project=project, version="1.2.0")
    with pytest.raises(Conflict, match=r"latest is 1\.2\.0"):
        release_create(project=project, version="1.1.9")
    with pytest.raises(Invalid):
        release_create(project=project, version="v2")
    with pytest.raises(Invalid):
        release_create(project=project, version="2.0.0", options={"tiers": ["great"]})


def test_a_changed_label_changes_what_it_should_and_the_changelog_says_so(project, media_root):
    first = release_create(project=project, version="1.0.0")
    clip = Clip.objects.get(external_id="video_000/0001")
    judge = member(project, "adjudicator")
    decision = Adjudication.objects.create(
        clip=clip, adjudicator=judge, rationale="tears", payload={}
    )
    GoldLabel.objects.filter(clip=clip).update(is_current=False)
    GoldLabel.objects.create(
        clip=clip, version=2, provenance="adjudicated", adjudication=decision,
        payload={"basic7": "Anger", "goemotions": ["anger"], "intensity": 5},
    )  # fmt: skip
    second = release_create(project=project, version="1.1.0")
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.previous == first and second.status == "published"
    changelog = (release_dir(second) / "CHANGELOG.md").read_text()
    assert "video_000/0001" in changelog
    before, after = files(release_dir(first)), files(release_dir(second))
    changed = {name for name in before if before[name] != after.get(name)}
    assert "data/gold.parquet" in changed and "CHANGELOG.md" in changed
    assert "data/clips.parquet" not in changed and "data/traces.parquet" not in changed


def test_a_failed_build_says_why_and_a_retry_publishes(project, monkeypatch, media_root):
    real = services.pipeline.build_release

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(services.pipeline, "build_release", broken)
    release = release_create(project=project, version="1.0.0")
    release.refresh_from_db()
    assert release.status == "failed" and "disk full" in release.error
    assert not release_dir(release).exists()
    monkeypatch.setattr(services.pipeline, "build_release", real)
    admin = APIClient()
    admin.force_authenticate(member(project, "admin"))
    assert admin.post(f"/api/releases/{release.pk}/retry/").status_code == 202
    release.refresh_from_db()
    assert release.status == "published" and release.attempts == 2
    # Published means immutable: building again does nothing.
    before = files(release_dir(release))
    assert release_build(release_id=release.pk).status == "published"
    assert files(release_dir(release)) == before


def test_api_create_follow_download_and_score(project, media_root):
    admin = APIClient()
    admin.force_authenticate(member(project, "admin"))
    created = admin.post(
        "/api/projects/bench-mark/releases/",
        {"version": "1.0.0", "options": {"seed": 7, "media": "none"}},
        format="json",
    )
    assert created.status_code == 202, created.content
    detail = admin.get(f"/api/releases/{created.json()['id']}/").json()
    assert detail["status"] == "published" and detail["download_url"]
    download = admin.get(detail["download_url"])
    body = b"".join(download.streaming_content)
    assert hashlib.sha256(body).hexdigest() == detail["archive_sha256"]
    assert (
        admin.get("/api/projects/bench-mark/releases/").json()["results"][0]["version"] == "1.0.0"
    )

    release = Release.objects.get()
    test_ids = (release_dir(release) / "splits" / "test.txt").read_text().split()
    gold = {
        row["clip_id"]: row
        for row in map(
            orjson.loads, (release_dir(release) / "data" / "gold.jsonl").read_text().splitlines()
        )
    }
    lines = [orjson.dumps({"clip_id": cid, "basic7": "Joy"}) for cid in test_ids]
    upload = io.BytesIO(b"\n".join(lines))
    upload.name = "predictions.jsonl"
    scored = admin.post(
        f"/api/releases/{release.pk}/score/", {"predictions": upload, "split": "test"}
    )
    assert scored.status_code == 200, scored.content
    joy = sum(1 for cid in test_ids if str(gold[cid].get("basic7")) == "Joy")
    assert scored.json()["basic7"]["accuracy"] == pytest.approx(joy / len(test_ids))


def test_score_command_reports_malformed_predictions(project, media_root, tmp_path):
    release_create(project=project, version="1.0.0")
    bad = tmp_path / "p.jsonl"
    bad.write_text('{"clip_id": "x", "basic7": "Joy"}\nnot json\n')
    with pytest.raises(CommandError, match="line 2"):
        call_command("score", str(release_dir(Release.objects.get())), str(bad), stdout=StringIO())


def test_a_trace_without_its_annotation_does_not_break_the_build(project, media_root):
    """A trace finalised by someone who then skipped the clip (no annotation in the project)
    made every build fail with KeyError; it is no label of the benchmark and is left out."""
    skipper = member(project, "annotator")
    clip = Clip.objects.get(project=project, external_id="film 0")
    Trace.objects.create(
        clip=clip, annotator=skipper, config=project.trace_config, status="finalised",
        data=np.zeros((50, 2), dtype="<f4").tobytes(),
    )  # fmt: skip
    data = release_data(release_create(project=project, version="1.0.0"), None)
    assert {row.annotator for row in data.traces} == {"A01", "A02", "A03"}
    assert Release.objects.get().status == "published"


def test_behind_nginx_the_archive_leaves_by_x_accel_redirect(project, settings):
    settings.MEDIA_ACCEL_REDIRECT = "/protected/"
    release = release_create(project=project, version="1.0.0")
    admin = APIClient()
    admin.force_authenticate(member(project, "admin"))
    download = admin.get(f"/api/releases/{release.pk}/download/")
    assert download.status_code == 200
    assert download["X-Accel-Redirect"] == "/protected/releases/bench-mark/bench-mark-1.0.0.tar.gz"
    assert download["Content-Disposition"] == 'attachment; filename="bench-mark-1.0.0.tar.gz"'
    assert download.content == b""
