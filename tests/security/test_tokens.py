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
    Token.objects.filter(key=token_key).update(created=timezone.now() - by)


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
