"""`seed_demo`: the bilingual demo project a new user signs in to."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from annotation.demo import DEMO_PASSWORD
from annotation.models import AgreementReport, Membership
from clips.models import Clip

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_a_playable_bilingual_project(
    settings, media_root, tmp_path, django_capture_on_commit_callbacks
):
    settings.DATA_DIR = tmp_path
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):  # routing and the report run then
        call_command("seed_demo", stdout=out)

    clips = {clip.external_id: clip for clip in Clip.objects.filter(project__slug="emos-demo")}
    assert {clip.media_status for clip in clips.values()} == {"ready"}
    assert {clip.language for clip in clips.values()} == {"zh", "en"}
    assert any(clip.transcoded for clip in clips.values())  # MPEG-2, MJPEG, VP8 sources
    monologue = clips["monologue"]
    assert monologue.kind == "stream"
    assert monologue.duration_s == pytest.approx(120, abs=0.5)
    segments = list(monologue.segments.all())
    assert len(segments) == 8
    assert "\n" in segments[0].text  # Chinese line, then its English translation
    assert all(0 <= s.start_s < s.end_s <= monologue.duration_s for s in segments)

    roles = set(Membership.objects.values_list("user__username", "role"))
    assert roles == {
        ("admin", "admin"),
        ("annotator1", "annotator"),
        ("annotator2", "annotator"),
        ("annotator3", "annotator"),
        ("adjudicator", "adjudicator"),
        *((f"rater{i}@emos-demo", "annotator") for i in (1, 2, 3)),  # imported earlier work
    }
    # something for every role: a gold clip, two disputes, clips still to label, a report
    stages = {clip.external_id: clip.stage for clip in Clip.objects.all()}
    assert stages["greeting"] == "gold" and stages["rain"] == stages["letter"] == "disputed"
    assert [stages[c] for c in ("silence", "exam", "monologue")] == ["layer1"] * 3
    assert AgreementReport.objects.get().status == "done"
    assert authenticate(username="annotator1", password=DEMO_PASSWORD) is not None
    assert "annotator1" in out.getvalue() and DEMO_PASSWORD in out.getvalue()

    # Running it again changes nothing.
    call_command("seed_demo", stdout=StringIO())
    assert Clip.objects.count() == len(clips)
    assert AgreementReport.objects.count() == 1
