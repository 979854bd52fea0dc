"""API tokens: DRF's ``Token`` (one per user, its key the primary key), given an expiry
(``TOKEN_TTL_HOURS`` after it was issued), revocable by its owner, and rotated — deleted —
whenever the owner's password changes. A token resolved to its user is cached for
``TOKEN_CACHE_SECONDS`` (the hot paths then authenticate without a database round trip);
deleting the token or saving its user replaces the entry by a tombstone, so a revoked token is
refused at once, and a request that read the row just before cannot cache it again."""

import hashlib
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import get_hasher, identify_hasher, is_password_usable
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.signals import post_delete, post_init, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from annotation.compiled_sql import fetched


class TokenExpired(exceptions.AuthenticationFailed):
    default_code = "token_expired"
    default_detail = _("The token has expired: sign in again for a new one.")


def token_ttl() -> timedelta:
    return timedelta(hours=settings.TOKEN_TTL_HOURS)


def token_expires_at(token: Token) -> datetime:
    return token.created + token_ttl()


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication plus the expiry and a short-lived cache. On a miss, one
    query (the token by its primary key with its user joined, as DRF does it, its SQL compiled
    once per process); on a hit, none.
    The expiry is a comparison on the token's creation time either way. An expired token is
    refused, not deleted: the hot path stays read-only and signing in again replaces it."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        ttl = settings.TOKEN_CACHE_SECONDS
        name = _cache_key(key)
        cached = cache.get(name) if ttl > 0 else None
        if cached is not None and cached != FORGOTTEN:
            user, token = _from_cache(key, *cached)
        else:  # a token DRF refuses is refused by DRF, in its words
            user, token = _from_database(key) or super().authenticate_credentials(key)
        if timezone.now() >= token_expires_at(token):
            raise TokenExpired()
        if cached is None and ttl > 0:
            # add, not set: a tombstone a revocation left since this request read the row wins.
            cache.add(name, _to_cache(user, token), ttl)
        return user, token


def _from_database(key: str) -> tuple[Any, Token] | None:
    """DRF's lookup (the token with its user joined), its SQL compiled once; None for a token
    DRF would refuse."""
    found = fetched(
        "token", lambda v: Token.objects.select_related("user").filter(key=v["token"]), token=key
    )
    if not found or not found[0].user.is_active:
        return None
    return found[0].user, found[0]


# The user is cached without its password hash (a secret with no business in the cache): it
# comes back as a deferred field, read from the database only if something asks for it.
def _user_fields() -> list[str]:
    return [f.attname for f in get_user_model()._meta.concrete_fields if f.name != "password"]


# What a forgotten token's entry holds for TOKEN_CACHE_SECONDS: the row is read every time.
FORGOTTEN = "forgotten"


def _cache_key(key: str) -> str:
    return "token:" + hashlib.sha256(key.encode()).hexdigest()  # not the secret itself


def _to_cache(user: Any, token: Token) -> tuple[datetime, list[Any]]:
    return token.created, [getattr(user, name) for name in _user_fields()]


def _from_cache(key: str, created: datetime, values: list[Any]) -> tuple[Any, Token]:
    user = get_user_model().from_db(DEFAULT_DB_ALIAS, _user_fields(), values)
    token = Token.from_db(DEFAULT_DB_ALIAS, ["key", "user_id", "created"], [key, user.pk, created])
    token.user = user
    return user, token


def token_cache_forget(*keys: str) -> None:
    """Replace cached tokens by tombstones now and again at commit. A request that read the
    row before the deletion committed may try to cache it after both: its ``cache.add`` finds
    the tombstone and leaves it (deleting the entry instead left a window of TOKEN_CACHE_SECONDS
    in which the revoked token still worked)."""
    ttl = settings.TOKEN_CACHE_SECONDS
    tombstones = {_cache_key(key): FORGOTTEN for key in keys}
    if tombstones and ttl > 0:
        cache.set_many(tombstones, ttl)
        transaction.on_commit(lambda: cache.set_many(tombstones, ttl))


@receiver(post_delete, sender=Token)
def _forget_deleted_token(sender: Any, instance: Token, **kwargs: Any) -> None:
    token_cache_forget(instance.key)


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def _forget_tokens_of_saved_user(
    sender: Any, instance: Any, created: bool, raw: bool, **kwargs: Any
) -> None:
    """Deactivated, made superuser, renamed: the cached copy of the user is out of date."""
    if not (created or raw):
        token_cache_forget(*Token.objects.filter(user=instance).values_list("key", flat=True))


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
