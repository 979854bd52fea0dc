"""API tokens: DRF's ``Token`` (one per user, its key the primary key), given an expiry
(``TOKEN_TTL_HOURS`` after it was issued), revocable by its owner, and rotated — deleted —
whenever the owner's password changes."""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import get_hasher, identify_hasher, is_password_usable
from django.db import transaction
from django.db.models.signals import post_init, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


class TokenExpired(exceptions.AuthenticationFailed):
    default_code = "token_expired"
    default_detail = _("The token has expired: sign in again for a new one.")


def token_ttl() -> timedelta:
    return timedelta(hours=settings.TOKEN_TTL_HOURS)


def token_expires_at(token: Token) -> datetime:
    return token.created + token_ttl()


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication plus the expiry. Still one query (the token by its primary
    key with its user joined, as DRF does it); the expiry is a comparison on the row already
    read. An expired token is refused, not deleted: the hot path stays read-only and signing
    in again replaces it."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        user, token = super().authenticate_credentials(key)
        if timezone.now() >= token_expires_at(token):
            raise TokenExpired()
        return user, token


def token_issue(*, user: Any) -> Token:
    """The user's token: the current one while it is valid (scripts sharing it keep
    working), a new one once it has expired."""
    with transaction.atomic():
        Token.objects.filter(user=user, created__lte=timezone.now() - token_ttl()).delete()
        token, _created = Token.objects.get_or_create(user=user)
    return token


def tokens_revoke(*, user: Any) -> int:
    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted


# --- rotation on a password change ----------------------------------------------------------
#
# Hooked on the user row being saved, not on a view: the password changes by the password
# change view, the reset link, the admin (set or disable), `manage.py changepassword`,
# `set_password()` in a shell or a hash assigned directly, and every one of them ends in
# `User.save()`. Not caught: `User.objects.update(password=...)`, which bypasses models
# altogether.
#
# `set_password()` leaves the raw password in `_password` until `AbstractBaseUser.save()` has
# told the password validators (Django's own "password changed" flag), and the hash upgrade
# that `check_password()` does on sign-in clears it and saves `update_fields=["password"]`:
# a new format for the same password, which must not log the user's scripts out. A hash that
# differs from the one loaded, otherwise, is a change (a direct assignment, or the admin's
# "disable password-based authentication").


@receiver(post_init, sender=settings.AUTH_USER_MODEL)
def _remember_loaded_password(sender: Any, instance: Any, **kwargs: Any) -> None:
    # __dict__, not the attribute: a deferred password field must not cost a query.
    instance._password_as_loaded = instance.__dict__.get("password")


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def _rotate_tokens_on_password_change(
    sender: Any,
    instance: Any,
    created: bool,
    raw: bool,
    update_fields: frozenset[str] | None,
    **kwargs: Any,
) -> None:
    current = instance.__dict__.get("password")
    loaded = getattr(instance, "_password_as_loaded", None)
    instance._password_as_loaded = current
    if created or raw:
        return
    if getattr(instance, "_password", None) is not None:
        changed = True  # set_password()
    elif update_fields == frozenset({"password"}) and _is_hash_upgrade(loaded, current):
        changed = False  # check_password()'s hash upgrade
    else:
        changed = loaded is not None and current is not None and current != loaded
    if changed:
        tokens_revoke(user=instance)


def _is_hash_upgrade(loaded: str | None, current: str | None) -> bool:
    """Whether ``loaded`` → ``current`` is what ``check_password()`` does: a usable hash that
    Django would re-encode (another algorithm, or a lower work factor than preferred) saved
    again in the preferred format. Anything else saved alone — an unusable password, a hash
    assigned directly — is a change."""
    if not (loaded and current and is_password_usable(loaded) and is_password_usable(current)):
        return False
    preferred = get_hasher()
    try:
        old = identify_hasher(loaded)
    except ValueError:
        return False
    outdated = old.algorithm != preferred.algorithm or preferred.must_update(loaded)
    return outdated and current.startswith(f"{preferred.algorithm}$")
