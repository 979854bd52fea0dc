"""An admin signs in and sees the project's clips: posters, waveforms drawn from the ingested
peaks, and the reason a broken file was refused. An annotator's list holds only the clips
they were given."""

import shutil
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from annotation.models import Project, Role
from annotation.services.projects import membership_grant
from flows import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def imported(sample_media, media_root, tmp_path):
    folder = tmp_path / "clips"
    folder.mkdir()
    for name in ("playable", "silent", "text"):
        shutil.copy(sample_media[name], folder / sample_media[name].name)
    call_command("import_clips", str(folder), project="e2e", stdout=StringIO(), stderr=StringIO())
    user = get_user_model().objects.create_user("ann", password="pw-e2e-123")
    membership_grant(project=Project.objects.get(slug="e2e"), user=user, roles=[Role.ADMIN])
    return user


def test_member_sees_clips_with_waveforms_and_errors(page, live_server, imported, screenshot):
    sign_in(page, live_server)
    page.get_by_role("link", name="e2e").click()

    playable = page.locator('tr[data-clip="playable"]')
    expect(playable.locator("clip-waveform")).to_have_attribute("data-state", "ready")
    expect(playable.get_by_role("img", name="Audio waveform, 3.0 s")).to_be_visible()
    expect(playable).to_contain_text("stream-copied")
    poster = playable.locator("img.poster")
    expect(poster).to_be_visible()
    assert page.evaluate("img => img.naturalWidth", poster.element_handle()) == 320

    silent = page.locator('tr[data-clip="silent"]')
    expect(silent.locator("clip-waveform")).to_have_attribute("data-state", "empty")
    expect(silent).to_contain_text("No audio")

    broken = page.locator('tr[data-clip="notes"]')
    expect(broken).to_contain_text("Failed")
    expect(broken).to_contain_text("not a readable media file")
    screenshot("clips")


def test_projects_need_membership(page, live_server, imported):
    page.goto(f"{live_server.url}/projects/e2e/clips")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/projects/e2e/clips")

    get_user_model().objects.create_user("outsider", password="pw-out-123")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("outsider")
    page.get_by_label("Password").fill("pw-out-123")
    page.get_by_role("button", name="Sign in").click()
    assert page.goto(f"{live_server.url}/projects/e2e/clips").status == 404


def test_the_home_page_leads_each_role_to_its_page(page, live_server, screenshot):
    """Signed out, the landing says what the site is; a wrong password is a visible alert;
    an adjudicator's home offers Adjudicate (not "Start annotating", a 403)."""
    from flows import PASSWORD

    project = Project.objects.create(slug="home", name="Home")
    judge = get_user_model().objects.create_user("judge", password=PASSWORD)
    membership_grant(project=project, user=judge, roles=[Role.ADJUDICATOR])
    page.goto(live_server.url)
    expect(page.get_by_role("heading", name="EmoS annotation platform")).to_be_visible()
    expect(page.get_by_text("adjudicators resolve")).to_be_visible()
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Username").fill("judge")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_class("form-error")
    screenshot("wrong-password")
    sign_in(page, live_server, username="judge")
    expect(page.get_by_role("link", name="Start annotating")).to_have_count(0)
    page.get_by_role("link", name="Adjudicate").first.click()
    expect(page.locator("adjudication-workspace")).to_be_attached()
