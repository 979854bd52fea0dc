"""Deployment hardening: ``check --deploy`` passes with production settings taken from the
environment only, the embedded mode still runs over plain http, production refuses to start
half-configured, and every response carries a Content-Security-Policy."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
# Variables the tests below set; whatever the caller's shell has for them is dropped. So is
# DJANGO_ALLOW_ASYNC_UNSAFE, which the browser tests' conftest sets for the test process only
# (check --deploy rightly refuses it in a deployment).
OURS = (
    "DJANGO_ENV", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "EMAIL_",
    "SECURE_", "SESSION_COOKIE_", "CSRF_COOKIE_", "DATABASE_URL", "CELERY_BROKER_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)  # fmt: skip
PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "k8V2pZr0yQe4N7mXcT1uWb9LdHs6Ga3JfKo5Ei-Rt_Yn8Mq2Pv0Cw4Xz7Bj1Ul6",
    "ALLOWED_HOSTS": "emos.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://emos.example.org",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "SECURE_HSTS_PRELOAD": "true",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EMAIL_HOST": "smtp.example.org",
}


def run(args: list[str], env: dict[str, str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(OURS)}
    clean.update(DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="annotation.settings", **env)
    return subprocess.run(
        [sys.executable, *args], env=clean, cwd=ROOT, capture_output=True, text=True, check=False
    )


SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({name: getattr(s, name) for name in ["
    "'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
    "'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD', "
    "'SECURE_PROXY_SSL_HEADER', 'EMAIL_BACKEND', 'SECURE_REDIRECT_EXEMPT']}))"
)


def settings_with(env: dict[str, str], data_dir: Path) -> dict:  # type: ignore[type-arg]
    done = run(["-c", SETTINGS], env, data_dir)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_check_deploy_passes_with_production_settings_from_the_environment(tmp_path) -> None:  # type: ignore[no-untyped-def]
    done = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION, tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output
    assert "WARNING" not in output


def test_check_deploy_warns_about_the_embedded_defaults(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The same check on the demo's settings names what is missing: it is not switched off."""
    done = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], {}, tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in output


def test_the_embedded_mode_keeps_plain_http(tmp_path) -> None:  # type: ignore[no-untyped-def]
    got = settings_with({}, tmp_path)
    assert got["SECURE_SSL_REDIRECT"] is False
    assert got["SESSION_COOKIE_SECURE"] is False and got["CSRF_COOKIE_SECURE"] is False
    assert got["SECURE_HSTS_SECONDS"] == 0
    assert got["SECURE_PROXY_SSL_HEADER"] is None
    assert got["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


def test_production_turns_the_secure_settings_on(tmp_path) -> None:  # type: ignore[no-untyped-def]
    got = settings_with({**PRODUCTION, "SECURE_HSTS_PRELOAD": ""}, tmp_path)
    assert got["SECURE_SSL_REDIRECT"] is True
    assert got["SESSION_COOKIE_SECURE"] is True and got["CSRF_COOKIE_SECURE"] is True
    assert got["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert got["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert got["SECURE_HSTS_PRELOAD"] is False  # a commitment the operator makes explicitly
    assert got["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    # The compose healthcheck asks over plain http from inside the container.
    assert got["SECURE_REDIRECT_EXEMPT"] == ["^healthz$"]


def test_each_secure_setting_can_be_set_on_its_own(tmp_path) -> None:  # type: ignore[no-untyped-def]
    got = settings_with(
        {
            "SECURE_SSL_REDIRECT": "true",
            "SESSION_COOKIE_SECURE": "1",
            "CSRF_COOKIE_SECURE": "yes",
            "SECURE_HSTS_SECONDS": "3600",
            "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Ssl: on",
        },
        tmp_path,
    )
    assert got["SECURE_SSL_REDIRECT"] and got["SESSION_COOKIE_SECURE"]
    assert got["CSRF_COOKIE_SECURE"] and got["SECURE_HSTS_SECONDS"] == 3600
    assert got["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_SSL", "on"]
    off = settings_with({**PRODUCTION, "SECURE_SSL_REDIRECT": "false"}, tmp_path)
    assert off["SECURE_SSL_REDIRECT"] is False and off["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("EMAIL_BACKEND", "EMAIL_BACKEND"),
        ("SECRET_KEY", "SECRET_KEY"),
    ],
)
def test_production_refuses_to_start_half_configured(tmp_path, missing, message) -> None:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    done = run(["manage.py", "check"], env, tmp_path)
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and message in done.stderr


def test_production_never_prints_password_reset_links(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The console backend writes the reset link to the logs: not allowed in production."""
    for backend in ("console", "filebased"):
        env = {**PRODUCTION, "EMAIL_BACKEND": f"django.core.mail.backends.{backend}.EmailBackend"}
        done = run(["manage.py", "check"], env, tmp_path)
        assert done.returncode != 0 and "EMAIL_BACKEND" in done.stderr


def test_a_misspelt_mode_is_an_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    done = run(["manage.py", "check"], {**PRODUCTION, "DJANGO_ENV": "prod"}, tmp_path)
    assert done.returncode != 0 and "DJANGO_ENV" in done.stderr


@pytest.mark.django_db
def test_the_healthcheck_is_not_redirected_to_https(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SECURE_SSL_REDIRECT = True
    client = Client()
    assert client.get("/").status_code == 301
    assert client.get("/healthz").status_code in (200, 503)
    assert client.get("/", headers={"x-forwarded-proto": "https"}).status_code == 301  # no proxy
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert Client().get("/", headers={"x-forwarded-proto": "https"}).status_code == 200


# --- Content-Security-Policy --------------------------------------------------------------------


def _policy(response) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no CSP on {response.request['PATH_INFO']}"
    directives = [part.strip().split() for part in header.split(";") if part.strip()]
    return {name: values for name, *values in directives}


def _assert_strict(policy: dict[str, list[str]]) -> None:
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no inline script, no eval, nothing foreign
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    for values in policy.values():
        assert not any(v.startswith(("http:", "https:", "*")) or "." in v for v in values), values


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),
        ("/accounts/login/", 200),
        ("/accounts/password_reset/", 200),
        ("/admin/login/", 200),
        ("/api/docs/", 200),
        ("/projects/nowhere/work", 302),
        ("/no-such-page", 404),
    ],
)
def test_html_pages_carry_the_policy(client, path, status) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == status
    _assert_strict(_policy(response))


@pytest.mark.django_db
def test_api_responses_carry_the_policy(client, django_user_model) -> None:  # type: ignore[no-untyped-def]
    for response in (
        client.get("/api/projects/"),  # 401 error body
        client.get("/api/schema/"),
        client.post("/api/auth/token/", {"username": "x", "password": "y"}),  # 400
        client.get("/healthz"),
    ):
        _assert_strict(_policy(response))
    client.force_login(django_user_model.objects.create_user("member", password="pw-x-123"))
    response = client.get("/api/projects/")
    assert response.status_code == 200
    _assert_strict(_policy(response))


@pytest.mark.django_db
def test_the_api_docs_have_no_inline_script(client) -> None:  # type: ignore[no-untyped-def]
    """Swagger UI's start-up script is served from a URL of its own, so script-src stays
    'self' for the docs page too."""
    html = client.get("/api/docs/").content.decode()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.DOTALL)
    assert scripts
    for attributes, body in scripts:
        assert "src=" in attributes and not body.strip()
    (start,) = [a for a, _ in scripts if "script" in a.split("src=")[1]]
    url = re.search(r'src="([^"]+)"', start)[1].replace("&amp;", "&")  # type: ignore[index]
    script = client.get(url)
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content
