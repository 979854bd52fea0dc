"""`seed_demo`: the bilingual demo project a new user signs in to."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from annotation.demo import DEMO_PASSWORD
from annotation.models import Membership
from clips.models import Clip

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_a_playable_bilingual_project(settings, media_root, tmp_path):
    settings.DATA_DIR = tmp_path
    out = StringIO()
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
    }
    assert authenticate(username="annotator1", password=DEMO_PASSWORD) is not None
    assert "annotator1" in out.getvalue() and DEMO_PASSWORD in out.getvalue()

    # Running it again changes nothing.
    call_command("seed_demo", stdout=StringIO())
    assert Clip.objects.count() == len(clips)
