"""A new admin sets a project up in the browser: signs in, creates a project from the
EmoS-static preset, adds three annotators and an adjudicator — one of them invited by e-mail,
who sets a password through the link and signs in — and sees everyone's roles."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail
from playwright.sync_api import Page, expect

from annotation.models import Membership, Project
from flows import PASSWORD, sign_in, unnamed_controls

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

INVITEE_PASSWORD = "a-long-pass-phrase-42"


def add_member(page: Page, who: str, roles: list[str], *, username: str = "") -> None:
    form = page.locator("form.add-member")
    form.get_by_label("Username or e-mail address").fill(who)
    for role in ("Annotator", "Adjudicator", "Admin"):
        form.get_by_label(role, exact=True).set_checked(role.lower() in roles)
    form.get_by_role("button", name="Add").click()
    expect(page.locator(f'tr[data-member="{username or who}"]')).to_be_visible()


def test_a_new_admin_creates_a_project_and_brings_people(page: Page, live_server, screenshot):
    users = get_user_model().objects
    lead = users.create_user("lead", email="lead@example.org", password=PASSWORD)
    lead.user_permissions.add(Permission.objects.get(codename="add_project"))
    users.create_user("ann1", password=PASSWORD)
    users.create_user("ann2", email="Ann2@Example.org", password=PASSWORD)
    users.create_user("judge", password=PASSWORD)

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

    add_member(page, "ann1", ["annotator"])
    add_member(page, "ann2@example.org", ["annotator"], username="ann2")  # found by e-mail
    add_member(page, "new@example.org", ["annotator"])  # no account: invited
    expect(page.get_by_role("status")).to_contain_text("Invitation sent to new@example.org.")
    add_member(page, "judge", ["adjudicator"])
    assert unnamed_controls(page) == []
    screenshot("4-people-added")

    (invitation,) = mail.outbox
    assert invitation.to == ["new@example.org"] and "Pilot" in invitation.subject
    link = re.search(r"https?://\S+", invitation.body)
    assert link is not None and link.group(0).startswith(live_server.url)

    page.get_by_role("button", name="Sign out").click()
    page.goto(link.group(0))  # the invitee, on the same computer
    page.locator("#id_new_password1").fill(INVITEE_PASSWORD)
    page.locator("#id_new_password2").fill(INVITEE_PASSWORD)
    screenshot("5-invitee-sets-password")
    page.locator("#id_new_password2").press("Enter")
    expect(page).to_have_url(re.compile(r"/accounts/reset/done/$"))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("new@example.org")
    page.get_by_label("Password").fill(INVITEE_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name="Start annotating")).to_be_visible()
    expect(page.get_by_role("link", name="Dashboard")).to_have_count(0)
    screenshot("6-invitee-home")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, "/projects/pilot/people", username="lead")
    rows = {
        name: page.locator(f'tr[data-member="{name}"]')
        for name in ("lead", "ann1", "ann2", "new@example.org", "judge")
    }
    for name, row in rows.items():
        expected = {"lead": "Admin", "judge": "Adjudicator"}.get(name, "Annotator")
        for role in ("Annotator", "Adjudicator", "Admin"):
            box = row.get_by_label(role, exact=True)
            (expect(box).to_be_checked if role == expected else expect(box).not_to_be_checked)()
    expect(rows["new@example.org"]).not_to_contain_text("has not set a password yet")
    screenshot("7-people-roles")
    active = Membership.objects.filter(project=project, is_active=True)
    assert sorted(active.values_list("user__username", "role")) == [
        ("ann1", "annotator"), ("ann2", "annotator"), ("judge", "adjudicator"),
        ("lead", "admin"), ("new@example.org", "annotator"),
    ]  # fmt: skip

    page.goto(f"{live_server.url}/")
    for name in ("Dashboard", "People", "Settings"):
        expect(page.get_by_role("link", name=name)).to_be_visible()
    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_label("Name")).to_have_value("Pilot (试点)")
    screenshot("8-settings")
