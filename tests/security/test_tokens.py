"""API tokens expire, can be revoked by their owner, and are rotated (deleted) whenever the
owner's password changes, by whatever route it changes."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient, APIRequestFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-old-123456"
NEW = "a-new-Passw0rd-x"


@pytest.fixture
def user() -> User:
    return get_user_model().objects.create_user("scripter", "s@example.org", password=PASSWORD)


def _with_token(key: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def _obtain(username: str = "scripter", password: str = PASSWORD) -> str:
    response = APIClient().post(
        "/api/auth/token/", {"username": username, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _age(token_key: str, by: timedelta) -> None:
    """Time passing for the token: its row, and the copy a request cached (which real time
    ages as well; the update below bypasses the signals that drop it)."""
    from annotation.security.tokens import token_cache_forget

    Token.objects.filter(key=token_key).update(created=timezone.now() - by)
    token_cache_forget(token_key)


# --- expiry -----------------------------------------------------------------------------------


def test_a_token_expires_after_the_ttl(user, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TOKEN_TTL_HOURS = 24
    key = _obtain()
    _age(key, timedelta(hours=23))
    assert _with_token(key).get("/api/projects/").status_code == 200

    _age(key, timedelta(hours=24, seconds=1))
    response = _with_token(key).get("/api/projects/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    error = response.json()["error"]
    assert set(error) == {"code", "message", "field"}
    assert error["code"] == "token_expired"


def test_signing_in_again_replaces_an_expired_token_only(user, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TOKEN_TTL_HOURS = 24
    key = _obtain()
    assert _obtain() == key  # still valid: scripts sharing it keep working
    _age(key, timedelta(hours=25))
    fresh = _obtain()
    assert fresh != key
    assert _with_token(fresh).get("/api/projects/").status_code == 200
    assert not Token.objects.filter(key=key).exists()


def test_token_authentication_is_one_indexed_lookup(user, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    from annotation.security.tokens import ExpiringTokenAuthentication

    key = _obtain()
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Token {key}")
    with django_assert_num_queries(1):
        authenticated_user, token = ExpiringTokenAuthentication().authenticate(request)  # type: ignore[misc]
        assert authenticated_user.username == "scripter"  # the user came with the token
    assert token.key == key


# --- revocation -------------------------------------------------------------------------------


def test_delete_revokes_the_callers_token(user) -> None:  # type: ignore[no-untyped-def]
    other = get_user_model().objects.create_user("other", password=PASSWORD)
    key, others = _obtain(), _obtain("other")
    response = _with_token(key).delete("/api/auth/token/")
    assert response.status_code == 204
    assert response.content == b""
    assert _with_token(key).get("/api/projects/").status_code == 401
    assert not Token.objects.filter(user=user).exists()
    assert Token.objects.filter(user=other, key=others).exists()  # only the caller's


def test_delete_needs_a_signed_in_caller() -> None:
    response = APIClient().delete("/api/auth/token/")
    assert response.status_code == 401
    assert set(response.json()["error"]) == {"code", "message", "field"}


def test_a_browser_session_can_revoke_its_users_token(user) -> None:  # type: ignore[no-untyped-def]
    key = _obtain()
    browser = APIClient()
    browser.force_login(user)
    assert browser.delete("/api/auth/token/").status_code == 204
    assert not Token.objects.filter(key=key).exists()


# --- rotation on a password change ------------------------------------------------------------


def _via_password_change_view(user: User) -> None:
    browser = Client()
    browser.force_login(user)
    response = browser.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302, response.content


def _via_password_reset(user: User) -> None:
    Client().post("/accounts/password_reset/", {"email": user.email})
    (message,) = mail.outbox
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", message.body)
    assert link, message.body
    browser = Client()
    form = browser.get(link[1], follow=True)  # redirects to the set-password form
    response = browser.post(
        form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW}
    )
    assert response.status_code == 302, response.content


def _via_admin(user: User) -> None:
    boss = get_user_model().objects.create_superuser("boss", password=PASSWORD)
    browser = Client()
    browser.force_login(boss)
    response = browser.post(
        f"/admin/auth/user/{user.pk}/password/",
        {"password1": NEW, "password2": NEW, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content


def _via_admin_disabling_the_password(user: User) -> None:
    boss = get_user_model().objects.create_superuser("boss", password=PASSWORD)
    browser = Client()
    browser.force_login(boss)
    response = browser.post(
        f"/admin/auth/user/{user.pk}/password/",
        {"usable_password": "false", "unset-password": "1"},
    )
    assert response.status_code == 302, response.content
    assert not get_user_model().objects.get(pk=user.pk).has_usable_password()


def _via_shell(user: User) -> None:
    fresh = get_user_model().objects.get(pk=user.pk)
    fresh.set_password(NEW)
    fresh.save()


def _via_raw_hash(user: User) -> None:
    from django.contrib.auth.hashers import make_password

    fresh = get_user_model().objects.get(pk=user.pk)
    fresh.password = make_password(NEW)
    fresh.save()


def _via_unusable_password_saved_alone(user: User) -> None:
    fresh = get_user_model().objects.get(pk=user.pk)
    fresh.set_unusable_password()
    fresh.save(update_fields=["password"])


def _via_raw_hash_saved_alone(user: User) -> None:
    from django.contrib.auth.hashers import make_password

    fresh = get_user_model().objects.get(pk=user.pk)
    fresh.password = make_password(NEW)
    fresh.save(update_fields=["password"])


ROUTES = {
    "change-view": _via_password_change_view,
    "reset": _via_password_reset,
    "admin": _via_admin,
    "admin-unusable": _via_admin_disabling_the_password,
    "shell": _via_shell,
    "raw-hash": _via_raw_hash,
    "unusable-alone": _via_unusable_password_saved_alone,
    "raw-hash-alone": _via_raw_hash_saved_alone,
}


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_a_password_change_rotates_the_users_tokens(user, route) -> None:  # type: ignore[no-untyped-def]
    bystander = get_user_model().objects.create_user("bystander", password=PASSWORD)
    key, theirs = _obtain(), _obtain("bystander")
    ROUTES[route](user)
    assert not Token.objects.filter(user=user).exists()
    assert _with_token(key).get("/api/projects/").status_code == 401
    assert Token.objects.filter(user=bystander, key=theirs).exists()


def test_other_saves_keep_the_token(user) -> None:  # type: ignore[no-untyped-def]
    key = _obtain()
    user.refresh_from_db()
    user.first_name = "Renamed"
    user.save()
    Client().login(username="scripter", password=PASSWORD)  # updates last_login
    assert Token.objects.filter(key=key).exists()


def test_a_password_hash_upgrade_is_not_a_change(user, settings) -> None:  # type: ignore[no-untyped-def]
    """Signing in re-hashes a password stored in an older format (as after a Django upgrade
    raises the work factor): the same password, so the scripts' token stays."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    key = _obtain()
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",  # the preferred (newer) one here
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    old_format = PBKDF2PasswordHasher().encode(PASSWORD, "somesalt", iterations=1)
    get_user_model().objects.filter(pk=user.pk).update(password=old_format)
    assert _obtain() == key
    assert get_user_model().objects.get(pk=user.pk).password.startswith("md5$")  # upgraded
    assert Token.objects.filter(key=key).exists()


# --- the token cache -------------------------------------------------------------------------


def test_a_cached_token_authenticates_without_a_query(user, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    from annotation.security.tokens import ExpiringTokenAuthentication

    key = _obtain()
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Token {key}")
    ExpiringTokenAuthentication().authenticate(request)
    with django_assert_num_queries(0):
        cached_user, token = ExpiringTokenAuthentication().authenticate(request)  # type: ignore[misc]
    assert (cached_user.pk, cached_user.username, token.key) == (user.pk, "scripter", key)
    assert "password" not in cached_user.__dict__  # the hash is not kept in the cache


def _revoke_by_delete(user: User, key: str) -> None:
    assert _with_token(key).delete("/api/auth/token/").status_code == 204


def _revoke_by_password_change(user: User, key: str) -> None:
    user.set_password(NEW)
    user.save()


def _deactivate(user: User, key: str) -> None:
    user.is_active = False
    user.save()


def _delete_user(user: User, key: str) -> None:
    user.delete()


REFUSALS = {
    "revoked": _revoke_by_delete,
    "password-changed": _revoke_by_password_change,
    "deactivated": _deactivate,
    "user-deleted": _delete_user,
}


@pytest.mark.parametrize("how", sorted(REFUSALS))
def test_a_cached_token_is_refused_at_once(user, how) -> None:  # type: ignore[no-untyped-def]
    key = _obtain()
    api = _with_token(key)
    assert api.get("/api/projects/").status_code == 200  # now cached
    REFUSALS[how](user, key)
    assert api.get("/api/projects/").status_code == 401


def test_a_request_that_read_the_token_before_its_revocation_does_not_cache_it(
    user, monkeypatch, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    """The race the cache had: a request reads the token's row, the token is revoked and
    the revocation commits, then the request caches what it read. Every later request
    then authenticated from the cache for TOKEN_CACHE_SECONDS."""
    from rest_framework.exceptions import AuthenticationFailed

    from annotation.security import tokens

    key = _obtain()
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Token {key}")
    read_row = tokens._from_database

    def read_then_revoked(key):  # type: ignore[no-untyped-def]
        found = read_row(key)
        with django_capture_on_commit_callbacks(execute=True):
            tokens.tokens_revoke(user=user)
        return found

    monkeypatch.setattr(tokens, "_from_database", read_then_revoked)
    tokens.ExpiringTokenAuthentication().authenticate(request)  # in flight: it read a valid row
    monkeypatch.setattr(tokens, "_from_database", read_row)
    with pytest.raises(AuthenticationFailed):
        tokens.ExpiringTokenAuthentication().authenticate(request)


def test_a_cached_token_still_expires(user, settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from annotation.security import tokens

    settings.TOKEN_TTL_HOURS = 24
    key = _obtain()
    api = _with_token(key)
    assert api.get("/api/projects/").status_code == 200  # now cached
    later = timezone.now() + timedelta(hours=24, seconds=1)
    monkeypatch.setattr(tokens.timezone, "now", lambda: later)
    response = api.get("/api/projects/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_expired"


@pytest.mark.realstack
@pytest.mark.django_db(transaction=True)
def test_a_token_revoked_by_another_process_is_refused_at_once(user) -> None:  # type: ignore[no-untyped-def]
    """Two processes sharing Redis: this one caches the token, another revokes it."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from django.conf import settings as live
    from django.db import connection

    assert "redis" in live.CACHES["default"]["BACKEND"].lower()
    key = _obtain()
    api = _with_token(key)
    assert api.get("/api/projects/").status_code == 200  # now cached in Redis
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    revoke = (
        "from annotation.security.tokens import tokens_revoke\n"
        "from django.contrib.auth.models import User\n"
        "print(tokens_revoke(user=User.objects.get(username='scripter')))"
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", revoke],
        cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    assert done.stdout.split()[-1] == "1", done.stderr
    assert api.get("/api/projects/").status_code == 401
