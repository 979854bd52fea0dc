"""Sign-in is throttled by account and by address on all three routes (the API token, the
site's login page, the admin's), through the real views. The attempts live in the database
(django-axes), so every gunicorn process sees the same count.

Nothing here waits: the cool-off is passed by moving the stored attempts back in time."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import F
from django.http import HttpResponse
from django.test import Client

pytestmark = pytest.mark.django_db

PASSWORD = "pw-right-123"
LIMIT = 3  # small, so each case stays short; the configured default is checked below


@pytest.fixture(autouse=True)
def small_limit(settings):  # type: ignore[no-untyped-def]
    settings.AXES_FAILURE_LIMIT = LIMIT


def _user(username: str) -> User:
    # Staff and superuser, so that a correct password also opens the admin.
    return get_user_model().objects.create_superuser(username, password=PASSWORD)


def _api(username: str, password: str, address: str) -> HttpResponse:
    return Client().post(
        "/api/auth/token/",
        {"username": username, "password": password},
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def _site(username: str, password: str, address: str) -> HttpResponse:
    return Client().post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def _admin(username: str, password: str, address: str) -> HttpResponse:
    return Client().post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


ROUTES: dict[str, Callable[[str, str, str], HttpResponse]] = {
    "api": _api,
    "site": _site,
    "admin": _admin,
}


def _signed_in(route: str, response: HttpResponse) -> bool:
    if route == "api":
        return response.status_code == 200 and "token" in response.json()
    return response.status_code == 302  # both login views redirect once signed in


def _refused(route: str, response: HttpResponse) -> None:
    """A plain wrong password: the form again, or the API's 400."""
    assert response.status_code == (400 if route == "api" else 200), response.content


def _locked_out(route: str, response: HttpResponse) -> None:
    assert response.status_code == 429, (response.status_code, response.content[:300])
    assert int(response["Retry-After"]) > 0
    if route == "api":
        error = response.json()["error"]
        assert set(error) == {"code", "message", "field"}
        assert error["code"] == "locked_out"
        assert "Too many failed sign-in attempts" in error["message"]
        assert error["field"] is None
    else:
        assert response["Content-Type"].startswith("text/html")
        text = response.content.decode()
        assert "Too many failed sign-in attempts" in text
        assert 'role="alert"' in text


def _cool_off_passes() -> None:
    from axes.models import AccessAttempt
    from django.conf import settings

    AccessAttempt.objects.update(
        attempt_time=F("attempt_time") - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_an_account_is_locked_whatever_the_address(route: str) -> None:
    sign_in = ROUTES[route]
    _user("victim")
    for attempt in range(LIMIT - 1):
        _refused(route, sign_in("victim", "guess", f"10.0.0.{attempt + 1}"))
    _locked_out(route, sign_in("victim", "guess", "10.0.0.99"))

    # The right password, from an address never seen before, is still refused...
    _locked_out(route, sign_in("victim", PASSWORD, "10.0.1.1"))
    # ...until the cool-off has passed.
    _cool_off_passes()
    assert _signed_in(route, sign_in("victim", PASSWORD, "10.0.1.1"))


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_an_address_is_locked_whatever_the_account(route: str) -> None:
    sign_in = ROUTES[route]
    _user("victim")
    for attempt in range(LIMIT - 1):
        _refused(route, sign_in(f"someone{attempt}", "guess", "10.9.9.9"))
    _locked_out(route, sign_in("nobody", "guess", "10.9.9.9"))

    # Another account with its right password, from the same address: refused.
    _locked_out(route, sign_in("victim", PASSWORD, "10.9.9.9"))
    # The account itself is not locked: from elsewhere it signs in.
    assert _signed_in(route, sign_in("victim", PASSWORD, "10.9.9.10"))
    _cool_off_passes()
    assert _signed_in(route, sign_in("victim", PASSWORD, "10.9.9.9"))


def test_the_routes_share_one_count() -> None:
    """Failures on the API lock the login pages too: one store, not one per view."""
    _user("victim")
    for attempt in range(LIMIT):
        _api("victim", "guess", f"10.1.0.{attempt + 1}")
    _locked_out("site", _site("victim", PASSWORD, "10.1.1.1"))
    _locked_out("admin", _admin("victim", PASSWORD, "10.1.1.2"))


def test_a_success_before_the_limit_leaves_the_account_open() -> None:
    _user("victim")
    for attempt in range(LIMIT - 1):
        _refused("site", _site("victim", "typo", f"10.2.0.{attempt + 1}"))
    assert _signed_in("site", _site("victim", PASSWORD, "10.2.0.1"))


def test_the_lockout_page_speaks_the_readers_language() -> None:
    _user("victim")
    for attempt in range(LIMIT):
        _site("victim", "guess", f"10.3.0.{attempt + 1}")
    response = Client(headers={"accept-language": "zh-hans"}).post(
        "/accounts/login/", {"username": "victim", "password": PASSWORD}, REMOTE_ADDR="10.3.1.1"
    )
    assert response.status_code == 429
    assert '<html lang="zh-hans">' in response.content.decode()


def test_attempts_are_counted_in_the_database_with_the_configured_policy() -> None:
    """Shared by every web process (never an in-process dict), by account or by address."""
    from axes.models import AccessAttempt
    from django.conf import settings

    assert settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]
    _site("victim", "guess", "10.4.0.1")
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.ip_address, attempt.failures_since_start) == (
        "victim",
        "10.4.0.1",
        1,
    )
    assert "guess" not in attempt.post_data  # the password is never stored


def test_defaults_come_from_the_environment(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.total_seconds(), "
        "s.TOKEN_TTL_HOURS]))"
    )
    root = Path(__file__).resolve().parents[2]

    def read(**env: str) -> list[float]:
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("LOGIN_", "TOKEN_"))}
        clean.update(DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="annotation.settings", **env)
        out = subprocess.run(
            [sys.executable, "-c", code], env=clean, cwd=root, capture_output=True, check=True
        )
        return json.loads(out.stdout)

    assert read() == [10, 15 * 60, 30 * 24]
    assert read(LOGIN_FAILURE_LIMIT="5", LOGIN_COOLOFF_MINUTES="60", TOKEN_TTL_HOURS="8") == [
        5,
        3600,
        8,
    ]


def test_the_client_address_behind_a_trusted_proxy(settings, rf) -> None:  # type: ignore[no-untyped-def]
    """Behind N proxies the address is the one the outermost proxy saw, not what the
    client wrote into X-Forwarded-For; without proxies the header is ignored."""
    from annotation.security.signin import client_address

    request = rf.post("/", REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(request) == "172.18.0.5"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(request) == "203.0.113.7"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_address(request) == "6.6.6.6"
    settings.TRUSTED_PROXY_COUNT = 3  # fewer hops than proxies: a misconfiguration, not a guess
    assert client_address(request) == "172.18.0.5"
