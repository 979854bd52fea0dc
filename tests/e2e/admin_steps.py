"""Steps of a new admin's first hour in the browser, shared by the admin e2e tests: create a
project from the EmoS-static preset, bring people (one invited by e-mail, who sets a password
through the link), upload two videos through a network cut, import the CH-SIMS v2 batch-1
sheets with their preview checked."""

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail
from playwright.sync_api import Page, Request, expect

from annotation.models import Annotation, Project
from clips.media.synth import synth_clip
from clips.models import Clip, Upload
from clips.services import file_sha256
from flows import PASSWORD, sign_in, unnamed_controls, wait_until

Screenshot = Callable[[str], Path]
BATCH1 = Path(__file__).resolve().parents[3] / "shared" / "emos" / "ch-simsv2" / "first-2500"
BIG = 200 * 1024 * 1024
ROW = "document.querySelector('media-upload li[data-file=\"{name}\"]')"
INVITEE, INVITEE_PASSWORD = "new@example.org", "a-long-pass-phrase-42"


def accounts() -> None:
    """The admin-to-be "lead" (may create projects) and the people with an account already:
    "ann1", "ann2" (with an e-mail address) and "judge", all with the e2e password."""
    users = get_user_model().objects
    lead = users.create_user("lead", email="lead@example.org", password=PASSWORD)
    lead.user_permissions.add(Permission.objects.get(codename="add_project"))
    users.create_user("ann1", password=PASSWORD)
    users.create_user("ann2", email="Ann2@Example.org", password=PASSWORD)
    users.create_user("judge", password=PASSWORD)


def project_from_preset(page: Page, live_server, screenshot: Screenshot) -> Project:
    """The admin "lead" signs in with no project yet and creates "pilot" from the preset."""
    sign_in(page, live_server, username="lead")
    expect(page.get_by_text("You are not a member of any project yet.")).to_be_visible()
    screenshot("1-home")

    page.get_by_role("link", name="New project").click()
    page.get_by_role("link", name="EmoS static clips").click()
    expect(page.get_by_label("Annotators per clip (k)")).to_have_value("3")
    expect(page.get_by_label("Accept from confidence (0–1)")).to_have_value("0.9")
    page.get_by_label("Name").fill("Pilot (试点)")
    page.get_by_label(re.compile("^Slug")).fill("pilot")
    page.get_by_label("Clips per annotator at most").fill("200")
    assert unnamed_controls(page) == []
    screenshot("2-new-project")
    page.get_by_role("button", name="Create the project").click()

    expect(page).to_have_url(f"{live_server.url}/projects/pilot/people")
    expect(page.get_by_role("status")).to_contain_text("Project Pilot (试点) created.")
    project = Project.objects.get(slug="pilot")
    assert (project.overlap_k, project.per_user_cap, project.lease_minutes) == (3, 200, 30)
    screenshot("3-people-empty")
    return project


def add_member(page: Page, who: str, roles: list[str], *, username: str = "") -> None:
    form = page.locator("form.add-member")
    form.get_by_label("Username or e-mail address").fill(who)
    for role in ("Annotator", "Adjudicator", "Admin"):
        form.get_by_label(role, exact=True).set_checked(role.lower() in roles)
    form.get_by_role("button", name="Add").click()
    expect(page.locator(f'tr[data-member="{username or who}"]')).to_be_visible()


def people_added(page: Page, live_server, screenshot: Screenshot) -> str:
    """On the people page: annotators "ann1", "ann2" (found by e-mail) and the invited
    INVITEE, adjudicator "judge". Returns the invitation's link."""
    add_member(page, "ann1", ["annotator"])
    add_member(page, "ann2@example.org", ["annotator"], username="ann2")  # found by e-mail
    add_member(page, INVITEE, ["annotator"])  # no account: invited
    expect(page.get_by_role("status")).to_contain_text(f"Invitation sent to {INVITEE}.")
    add_member(page, "judge", ["adjudicator"])
    assert unnamed_controls(page) == []
    screenshot("4-people-added")

    (invitation,) = mail.outbox
    assert invitation.to == [INVITEE] and "Pilot" in invitation.subject
    link = re.search(r"https?://\S+", str(invitation.body))
    assert link is not None and link.group(0).startswith(live_server.url)
    return link.group(0)


def invitee_signs_in(page: Page, live_server, link: str, screenshot: Screenshot) -> None:
    """The admin signs out; the invitee, on the same computer, sets a password through the
    link, signs in, sees what an annotator may do and signs out."""
    page.get_by_role("button", name="Sign out").click()
    page.goto(link)
    page.locator("#id_new_password1").fill(INVITEE_PASSWORD)
    page.locator("#id_new_password2").fill(INVITEE_PASSWORD)
    screenshot("5-invitee-sets-password")
    page.locator("#id_new_password2").press("Enter")
    expect(page).to_have_url(re.compile(r"/accounts/reset/done/$"))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(INVITEE)
    page.get_by_label("Password").fill(INVITEE_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name="Start annotating")).to_be_visible()
    expect(page.get_by_role("link", name="Dashboard")).to_have_count(0)
    screenshot("6-invitee-home")
    page.get_by_role("button", name="Sign out").click()


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


def videos_uploaded_through_a_cut(
    page: Page, project: Project, folder: Path, screenshot: Screenshot
) -> None:
    """On the import page: a video of more than 200 MB and a 3 s one go up over tus, the
    network is cut mid-upload and restored, the big one resumes from its offset and both
    become ready clips."""
    big = noise_video(folder / "noise.mp4")
    assert big.stat().st_size >= BIG
    small = synth_clip(folder / "interview.mp4", seconds=3)

    patches: list[str] = []

    def seen(request: Request) -> None:
        if request.method == "PATCH":
            patches.append(request.headers.get("upload-offset", ""))

    page.on("request", seen)
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
    page.remove_listener("request", seen)
    assert Upload.objects.filter(filename="noise.mp4").count() == 1  # resumed, not restarted
    assert any(offset not in ("", "0") for offset in patches)  # a PATCH went on from an offset
    ready = Clip.objects.filter(project=project, media_status="ready")
    assert sorted(ready.values_list("external_id", flat=True)) == ["interview", "noise"]
    assert ready.get(external_id="noise").content_sha256 == file_sha256(big)


def batch1_imported(page: Page, project: Project, screenshot: Screenshot) -> None:
    """On the import page: the three CH-SIMS v2 batch-1 sheets, previewed (2,499 clips,
    3 annotators, 0 rows skipped, nothing written yet), confirmed, the report read."""
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
    assert not Annotation.objects.filter(clip__project=project).exists()  # not before confirm

    page.get_by_role("button", name="Import").click()
    expect(page.locator('label-import .progress[data-status="done"]')).to_be_visible(
        timeout=300_000
    )
    expect(page.locator('label-import .report [data-key="created"]')).to_have_text("7,497")
    screenshot("label-report")
    assert Annotation.objects.filter(clip__project=project).count() == 3 * 2499
