"""Bringing people into a project: members by username or e-mail, accounts by invitation,
roles set and taken away. A project's admins manage its people and no one else's."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from annotation.errors import Conflict, Invalid
from annotation.models import Membership, Project, Role
from annotation.services.audit import audit_record


def _is_email(text: str) -> bool:
    try:
        validate_email(text)
    except ValidationError:
        return False
    return True


def user_find(who: str) -> User | None:
    """The account with this username, else the one with this e-mail address (an address
    shared by several accounts names none of them)."""
    users = get_user_model().objects
    user = users.filter(username=who).first()
    if user is not None or not _is_email(who):
        return user
    found = list(users.filter(email__iexact=who)[:2])
    if len(found) > 1:
        raise Invalid(
            _("several accounts have the address %(email)s: give a username") % {"email": who},
            field="who",
        )
    return found[0] if found else None


def invitation_send(*, user: User, project: Project, inviter: User, site_url: str) -> None:
    """An e-mail with a link to set a password: Django's password-reset token, which the
    first password set (or any sign-in changing ``last_login``) uses up."""
    link = site_url.rstrip("/") + reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {"user": user, "project": project, "inviter": inviter, "link": link}
    send_mail(
        subject=render_to_string("annotation/email/invitation_subject.txt", context).strip(),
        message=render_to_string("annotation/email/invitation.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


@transaction.atomic
def member_add(
    *, project: Project, actor: User, who: str, roles: Iterable[str], site_url: str
) -> tuple[User, bool]:
    """Give an account roles in the project, found by username or e-mail; an unknown e-mail
    address gets a new account and an invitation to set its password. Returns the user and
    whether they were invited."""
    who = who.strip()
    user = user_find(who)
    invited = False
    if user is None:
        if not _is_email(who):
            raise Invalid(
                _("no account is called %(who)s; give an e-mail address to invite someone")
                % {"who": who},
                field="who",
            )
        user = get_user_model()(username=who.lower(), email=who)
        user.set_unusable_password()
        user.save()
        invited = True
    member_roles_set(project=project, actor=actor, user=user, roles=roles)
    if invited:
        transaction.on_commit(
            lambda: invitation_send(user=user, project=project, inviter=actor, site_url=site_url)
        )
    return user, invited


@transaction.atomic
def member_roles_set(*, project: Project, actor: User, user: User, roles: Iterable[str]) -> None:
    """The user's active roles in the project become exactly ``roles``: none deactivates them
    (their memberships are kept, with their history). The last admin stays."""
    wanted = set(roles)
    if wanted - set(Role.values):
        raise Invalid(_("unknown role"), field="roles")
    # Lock the project's admin rows: two admins demoting each other at once leave one.
    admins = set(
        Membership.objects.select_for_update()
        .filter(project=project, role=Role.ADMIN, is_active=True)
        .values_list("user_id", flat=True)
    )
    if Role.ADMIN not in wanted and admins == {user.pk}:
        raise Conflict(_("a project keeps at least one admin"), field="roles")
    before = set(
        Membership.objects.filter(project=project, user=user, is_active=True).values_list(
            "role", flat=True
        )
    )
    Membership.objects.filter(project=project, user=user).exclude(role__in=wanted).update(
        is_active=False
    )
    for role in wanted:
        Membership.objects.update_or_create(
            project=project, user=user, role=role, defaults={"is_active": True}
        )
    if before != wanted:
        audit_record(
            action="project.roles_changed", project=project, actor=actor, target=user,
            data={"before": sorted(before), "after": sorted(wanted)},
        )  # fmt: skip
