"""An admin brings a project's media and labels from the browser: two videos uploaded over tus,
one of more than 200 MB with the network cut mid-upload and resumed, both ingested; then the
three CH-SIMS v2 batch-1 sheets, previewed (2,499 clips, 3 annotators, 0 rows skipped) and
imported."""

import subprocess
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Request, expect

from annotation.models import Annotation, Role
from annotation.services.projects import membership_grant
from clips.media.synth import synth_clip
from clips.models import Clip, Upload
from factories import ProjectFactory
from flows import PASSWORD, USERNAME, sign_in, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BATCH1 = Path(__file__).resolve().parents[3] / "shared" / "emos" / "ch-simsv2" / "first-2500"
BIG = 200 * 1024 * 1024
ROW = "document.querySelector('media-upload li[data-file=\"{name}\"]')"


def noise_video(path: Path) -> Path:
    """About 235 MB of H.264 noise (incompressible at CRF 1) with a tone: 560 frames of
    640×360, a bounded run of ffmpeg (seconds)."""
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", "640x360",
         "-r", "25", "-i", "/dev/urandom", "-f", "lavfi", "-i", "sine=frequency=440",
         "-frames:v", "560", "-shortest", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "1",
         "-c:a", "aac", "-movflags", "+faststart", str(path)],
        check=True, timeout=300,
    )  # fmt: skip
    return path


def test_admin_uploads_media_through_a_cut_and_imports_labels_with_a_preview(
    page, live_server, media_root, tmp_path, screenshot
):
    project = ProjectFactory(slug="emos", name="EmoS")
    admin = get_user_model().objects.create_user(USERNAME, password=PASSWORD)
    membership_grant(project=project, user=admin, roles=[Role.ADMIN])
    big = noise_video(tmp_path / "noise.mp4")
    assert big.stat().st_size >= BIG
    small = synth_clip(tmp_path / "interview.mp4", seconds=3)

    patches: list[str] = []

    def seen(request: Request) -> None:
        if request.method == "PATCH":
            patches.append(request.headers.get("upload-offset", ""))

    page.on("request", seen)
    sign_in(page, live_server, "/projects/emos/import")
    page.get_by_role("link", name="Import").wait_for()
    # Slow the upload down to a speed a mid-upload cut can catch (DevTools throttling, on a
    # session of its own: it must say "offline" too while the context is).
    cdp = page.context.new_cdp_session(page)

    def network(*, offline: bool, upload: float) -> None:
        cdp.send("Network.emulateNetworkConditions", {"offline": offline, "latency": 0,
                 "downloadThroughput": -1, "uploadThroughput": upload})  # fmt: skip

    cdp.send("Network.enable")
    network(offline=False, upload=20e6)
    page.get_by_label("Media files").set_input_files([str(big), str(small)])

    row = ROW.format(name="noise.mp4")
    wait_until(page, f"{row} && {row}.querySelector('progress').value > {BIG // 5}", 120_000)
    page.context.set_offline(True)
    network(offline=True, upload=20e6)
    wait_until(page, f"{row}.dataset.status === 'offline'", 30_000)
    screenshot("offline")
    received = Upload.objects.get(filename="noise.mp4").offset
    assert 0 < received < big.stat().st_size
    page.context.set_offline(False)
    network(offline=False, upload=-1)

    for name in ("noise.mp4", "interview.mp4"):
        wait_until(page, f"{ROW.format(name=name)}.dataset.status === 'ready'", 300_000)
    screenshot("uploaded")
    assert Upload.objects.filter(filename="noise.mp4").count() == 1  # resumed, not restarted
    assert any(offset not in ("", "0") for offset in patches)  # a PATCH went on from an offset
    ready = Clip.objects.filter(project=project, media_status="ready")
    assert sorted(ready.values_list("external_id", flat=True)) == ["interview", "noise"]
    assert ready.get(external_id="noise").content_sha256 == file_sha256(big)

    page.get_by_label("Label files").set_input_files(
        [str(BATCH1 / f"{name}.xlsx") for name in ("a1", "a2", "a3")]
    )
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("label-import dl.preview")
    expect(preview.locator('[data-key="clips"]')).to_have_text("2,499", timeout=120_000)
    expect(preview.locator('[data-key="annotators"]')).to_have_text(
        "a1 (2,499), a2 (2,499), a3 (2,499)"
    )
    expect(preview.locator('[data-key="skipped"]')).to_have_text("0")
    expect(preview.locator('[data-key="format"]')).to_have_text("emos-xlsx (CH-SIMS v2)")
    expect(page.get_by_role("table", name="Files and the columns read")).to_contain_text(
        "basic7 ← basic-7-class"
    )
    screenshot("label-preview")
    assert not Annotation.objects.exists()  # nothing written before the confirm

    page.get_by_role("button", name="Import").click()
    expect(page.locator('label-import .progress[data-status="done"]')).to_be_visible(
        timeout=300_000
    )
    expect(page.locator('label-import .report [data-key="created"]')).to_have_text("7,497")
    screenshot("label-report")
    assert Annotation.objects.filter(clip__project=project).count() == 3 * 2499


def file_sha256(path: Path) -> str:
    from clips.services import file_sha256 as sha

    return sha(path)
