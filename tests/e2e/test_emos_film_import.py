"""Two EmoS films imported as a team would, video first and labels after: Black Ice's video is
named as its sentence file's `clip` field names it (`黑冰.mp4`). The admin's clip list shows
one ready clip per film with the sentence file's transcript, and each film's labels are all
there."""

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from annotation.models import Annotation, Project, Role
from annotation.services.projects import membership_grant
from clips.media.synth import synth_clip
from factories import ProjectFactory
from flows import PASSWORD, USERNAME, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

STREAMING = Path(__file__).resolve().parents[3] / "shared" / "emos" / "streaming"


def test_films_named_either_way_import_video_first_as_one_clip_each(
    page, live_server, media_root, tmp_path, screenshot
):
    ProjectFactory(slug="films", name="Films", overlap_k=1)
    media = tmp_path / "streaming"
    for film in ("Black Ice", "Lincoln"):
        sentences = STREAMING / film / "sentence_level_timestamps.json"
        info = json.loads(sentences.read_text(encoding="utf-8"))
        (media / film).mkdir(parents=True)
        shutil.copy(sentences, media / film / sentences.name)
        synth_clip(media / film / info["clip"], seconds=info["duration"], size="64x36", rate=100,
                   audio=False)  # fmt: skip
    options = {"project": "films", "stdout": StringIO(), "stderr": StringIO()}
    call_command("import_clips", str(media), **options)
    for film in ("Black Ice", "Lincoln"):
        call_command("import_labels", str(STREAMING / film), format="emos-streaming", **options)
    user = get_user_model().objects.create_user(USERNAME, password=PASSWORD)
    membership_grant(project=Project.objects.get(slug="films"), user=user, roles=[Role.ADMIN])

    sign_in(page, live_server)
    page.get_by_role("link", name="Films").click()
    rows = page.locator("tr[data-clip]")
    expect(rows).to_have_count(2)
    black_ice = page.locator('tr[data-clip="Black Ice"]')
    expect(black_ice).to_contain_text("Ready")
    expect(black_ice).to_contain_text("639.2 s")
    expect(black_ice).to_contain_text("这上面有我在境外银行的数字账号")
    lincoln = page.locator('tr[data-clip="Lincoln"]')
    expect(lincoln).to_contain_text("Ready")
    expect(lincoln).to_contain_text("I can't accomplish a goddamn thing")
    screenshot("emos-films")
    # Lincoln's six utterances, the last cut at the film's 80.34 s, and Black Ice's 17.
    segments = {
        a.clip.external_id: a.payload["segments"]
        for a in Annotation.objects.select_related("clip").filter(clip__project__slug="films")
    }
    assert {film: len(s) for film, s in segments.items()} == {"Black Ice": 17, "Lincoln": 6}
    assert segments["Lincoln"][-1]["end"] == 80.34
