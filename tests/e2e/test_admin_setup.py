"""A new admin sets a project up in the browser: signs in, creates a project from the
EmoS-static preset, adds three annotators and an adjudicator — one of them invited by e-mail,
who sets a password through the link and signs in — and sees everyone's roles."""

import pytest
from playwright.sync_api import Page, expect

from admin_steps import INVITEE, accounts, invitee_signs_in, people_added, project_from_preset
from annotation.models import Membership
from flows import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_new_admin_creates_a_project_and_brings_people(page: Page, live_server, screenshot):
    accounts()
    project = project_from_preset(page, live_server, screenshot)
    link = people_added(page, live_server, screenshot)
    invitee_signs_in(page, live_server, link, screenshot)

    sign_in(page, live_server, "/projects/pilot/people", username="lead")
    rows = {
        name: page.locator(f'tr[data-member="{name}"]')
        for name in ("lead", "ann1", "ann2", INVITEE, "judge")
    }
    for name, row in rows.items():
        expected = {"lead": "Admin", "judge": "Adjudicator"}.get(name, "Annotator")
        for role in ("Annotator", "Adjudicator", "Admin"):
            box = row.get_by_label(role, exact=True)
            (expect(box).to_be_checked if role == expected else expect(box).not_to_be_checked)()
    expect(rows[INVITEE]).not_to_contain_text("has not set a password yet")
    screenshot("7-people-roles")
    active = Membership.objects.filter(project=project, is_active=True)
    assert sorted(active.values_list("user__username", "role")) == [
        ("ann1", "annotator"), ("ann2", "annotator"), ("judge", "adjudicator"),
        ("lead", "admin"), (INVITEE, "annotator"),
    ]  # fmt: skip

    page.goto(f"{live_server.url}/")
    for name in ("Dashboard", "People", "Settings"):
        expect(page.get_by_role("link", name=name)).to_be_visible()
    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_label("Name")).to_have_value("Pilot (试点)")
    screenshot("8-settings")
