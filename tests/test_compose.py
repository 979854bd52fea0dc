"""Static checks of the container set-up: docker-compose.yml, Dockerfile, .dockerignore and the
nginx configuration.

These read the files only; nothing is built or started. ``docker compose config`` is not run
here because the Compose plugin is not installed on the development machine (a test for it
would either fail for the wrong reason or pass without checking anything); the file is
validated against the Compose specification's JSON schema instead (tests/data/compose_spec.md).
"""

import copy
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import polib
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
NGINX_CONF = ROOT / "deploy" / "nginx" / "default.conf"
# Vendored from the docker-compose 1.29.2 wheel (tests/data/compose_spec.md); pinned by hash.
COMPOSE_SCHEMA = ROOT / "tests" / "data" / "compose_spec.json"
COMPOSE_SCHEMA_SHA256 = "0dc04bd346dcfee1b1419628fff79937bbf076925f298f272a2b490e2b112bac"

# The queues each kind of worker consumes: none waits behind another kind of work.
WORKERS = {
    "worker": {"agreement", "default"},
    "media-worker": {"media"},
    "export-worker": {"export"},
}
SERVICES = {"postgres", "redis", "minio", "nginx", "web", "beat", *WORKERS}
# Long-running services built from the app image; `migrate` is the one-off that precedes them.
APP_SERVICES = ("web", "beat", *WORKERS)
QUEUES = {"media", "agreement", "export", "default"}
MEDIA_ROOT = "/data/media"

_VAR = re.compile(r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<default>[^}]*))?\}|\$(?P<bare>\w+)")


class MissingVariable(Exception):
    """Compose refuses to start: a ``${NAME:?message}`` variable is not set."""


def interpolate(value: str, env: dict[str, str] | None = None) -> str:
    """Resolve Compose variable syntax as Compose would, with only ``env`` set."""
    env = env or {}

    def repl(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("name") or match.group("bare")
        op = match.group("op") or ""
        if env.get(name) or (name in env and not op.startswith(":")):
            return env[name]
        if op.endswith("?"):
            raise MissingVariable(f"{name}: {match.group('default')}")
        return match.group("default") or ""

    return _VAR.sub(repl, value)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def command_args(service: dict[str, Any]) -> list[str]:
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else [str(arg) for arg in command]


def option_value(args: list[str], *names: str) -> str:
    for index, arg in enumerate(args):
        if arg in names:
            return args[index + 1]
        for name in names:
            if name.startswith("--") and arg.startswith(f"{name}="):
                return arg.split("=", 1)[1]
    raise AssertionError(f"none of {names} in {args}")


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def healthcheck_command(service: dict[str, Any]) -> str:
    test = service["healthcheck"]["test"]
    if isinstance(test, str):
        return test
    return " ".join(str(part) for part in test[1:])


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, comments dropped and continuation lines joined."""
    logical: list[str] = []
    buffer = ""
    for line in DOCKERFILE.read_text().splitlines():
        stripped = line.strip()
        if not buffer and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            buffer += stripped[:-1] + " "
            continue
        logical.append(buffer + stripped)
        buffer = ""
    if buffer:
        logical.append(buffer)
    pairs = []
    for line in logical:
        instruction, _, args = line.partition(" ")
        pairs.append((instruction.upper(), args.strip()))
    return pairs


def dockerfile_stages() -> list[tuple[str, list[tuple[str, str]]]]:
    """(FROM arguments, instructions) per build stage, in order."""
    stages: list[tuple[str, list[tuple[str, str]]]] = []
    for instruction, args in dockerfile_instructions():
        if instruction == "FROM":
            stages.append((args, []))
        elif stages:
            stages[-1][1].append((instruction, args))
    return stages


# --- docker-compose.yml ------------------------------------------------------------------------


def test_all_services_defined(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) >= SERVICES | {"migrate"}


def _schema_errors(document: dict[str, Any]) -> list[str]:
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    validator = jsonschema.Draft201909Validator(schema)
    return [error.message for error in validator.iter_errors(document)]


def test_compose_file_valid_against_the_compose_specification(compose: dict[str, Any]) -> None:
    assert hashlib.sha256(COMPOSE_SCHEMA.read_bytes()).hexdigest() == COMPOSE_SCHEMA_SHA256
    assert _schema_errors(compose) == []


@pytest.mark.parametrize(
    "mutate",
    [
        lambda c: c["services"]["web"].update(restart_policy="always"),  # unknown key
        lambda c: c["services"]["web"]["depends_on"]["migrate"].update(condition="done"),
        lambda c: c["services"]["redis"].update(volumes="redis-data:/data"),  # not a list
        lambda c: c.update(service=c["services"]),  # misspelt top-level key
    ],
    ids=["unknown-service-key", "unknown-condition", "volumes-not-a-list", "misspelt-top-level"],
)
def test_compose_schema_rejects_invalid_files(compose: dict[str, Any], mutate: Any) -> None:
    """The schema check can fail: each mutated copy of the shipped file is refused."""
    broken = copy.deepcopy(compose)
    mutate(broken)
    assert _schema_errors(broken)


def test_backing_service_images(services: dict[str, dict[str, Any]]) -> None:
    assert services["postgres"]["image"].split(":")[:2] == ["postgres", "16"]
    assert services["redis"]["image"].split(":")[:2] == ["redis", "7"]


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_service_has_a_healthcheck(services: dict[str, dict[str, Any]], name: str) -> None:
    healthcheck = services[name].get("healthcheck")
    assert healthcheck, f"{name} has no healthcheck"
    assert not healthcheck.get("disable", False)
    test = healthcheck["test"]
    assert test, f"{name} healthcheck has no test"
    if isinstance(test, list):
        assert test[0] in {"CMD", "CMD-SHELL"}
        assert len(test) > 1
    assert "NONE" not in (test if isinstance(test, list) else [test])


def test_backing_service_healthchecks(services: dict[str, dict[str, Any]]) -> None:
    assert "pg_isready" in healthcheck_command(services["postgres"])
    assert "redis-cli ping" in healthcheck_command(services["redis"])


def test_web_runs_gunicorn_and_publishes_no_host_port(services: dict[str, dict[str, Any]]) -> None:
    """A fixed host port would make `docker compose up --scale web=3` fail on the second
    replica; nginx is the only published service."""
    web = services["web"]
    args = command_args(web)
    assert args[:2] == ["gunicorn", "annotation.wsgi:application"]
    assert option_value(args, "--bind", "-b") == "0.0.0.0:8000"
    assert option_value(args, "--config", "-c") == "deploy/gunicorn/gunicorn.conf.py"
    assert "migrate" not in " ".join(args), "replicas must not race to migrate"
    assert "ports" not in web
    assert [str(port) for port in web["expose"]] == ["8000"]
    published = [name for name, service in services.items() if service.get("ports")]
    assert published == ["nginx"]
    assert interpolate(services["nginx"]["ports"][0]) == "8000:80"
    assert interpolate(services["nginx"]["ports"][0], {"WEB_PORT": "80"}) == "80:80"


def test_migrations_run_once_in_a_one_off_service(compose: dict[str, Any]) -> None:
    services = compose["services"]
    migrate = services["migrate"]
    assert migrate["image"] == compose["x-app"]["image"]
    assert migrate["restart"] == "no", "a one-off must not be restarted after it exits"
    command = " ".join(command_args(migrate))
    assert "manage.py migrate --noinput" in command
    assert "manage.py collectstatic --noinput" in command
    assert "healthcheck" not in migrate
    for backing in ("postgres", "redis"):
        assert migrate["depends_on"][backing]["condition"] == "service_healthy"
    for name in APP_SERVICES:
        condition = services[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully", name


def test_redis_persists_to_a_volume(compose: dict[str, Any]) -> None:
    redis = compose["services"]["redis"]
    args = command_args(redis)
    assert args[0] == "redis-server"
    assert option_value(args, "--appendonly") == "yes"
    assert _named_mounts(redis, set(compose["volumes"])) == {"redis-data": "/data"}


def nginx_directives() -> dict[str, list[str]]:
    """Directive name -> the argument strings it is given anywhere in the nginx config."""
    directives: dict[str, list[str]] = {}
    text = re.sub(r"#[^\n]*", "", NGINX_CONF.read_text())
    for statement in re.split(r"[;{}]", text):
        words = statement.split()
        if words:
            directives.setdefault(words[0], []).append(" ".join(words[1:]))
    return directives


def test_nginx_serves_static_and_proxies_to_web(compose: dict[str, Any]) -> None:
    nginx = compose["services"]["nginx"]
    name, tag = nginx["image"].split(":")
    assert name == "nginx"
    # `server ... resolve` in an upstream is in open-source nginx from 1.27.3 on
    assert tuple(int(part) for part in tag.split("-")[0].split(".")) >= (1, 28)
    assert nginx["depends_on"]["web"]["condition"] == "service_healthy"
    mounts = {volume.split(":")[0]: volume.split(":")[1:] for volume in nginx["volumes"]}
    config = next(source for source in mounts if source.startswith("./"))
    assert (ROOT / config).resolve() == NGINX_CONF
    assert mounts[config] == ["/etc/nginx/conf.d/default.conf", "ro"]
    assert mounts["static"] == ["/srv/static", "ro"]
    # nginx reads what migrate collected into the same volume, at STATIC_ROOT (DATA_DIR/static)
    assert _named_mounts(compose["services"]["migrate"], {"static"}) == {"static": "/data/static"}

    directives = nginx_directives()
    assert "/static/" in directives["location"]
    assert directives["alias"] == ["/srv/static/"]
    assert directives["proxy_pass"] == ["http://minio:9000", "http://web"]  # bucket, app
    assert "web:8000 resolve" in directives["server"], "re-resolve web when it is scaled"
    assert "Host $http_host" in directives["proxy_set_header"]
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in directives["proxy_set_header"]
    assert "/nginx-healthz" in healthcheck_command(nginx)
    assert "= /nginx-healthz" in directives["location"]


def _size(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kmg]?)", value.lower()).groups()  # type: ignore[union-attr]
    return int(number) * 1024 ** " kmg".index(unit or " ")


def test_nginx_takes_large_uploads_and_downloads_off_the_app_workers() -> None:
    """Uploads of clips go through; nginx, not a gunicorn worker thread, talks to slow clients."""
    directives = nginx_directives()
    assert _size(directives["client_max_body_size"][0]) >= 1024**3
    assert directives["proxy_request_buffering"] == ["on"]
    assert directives["proxy_buffering"] == ["on"]
    assert _size(directives["proxy_max_temp_file_size"][0]) >= 4 * 1024**3


def test_web_healthcheck_hits_healthz_with_urllib(services: dict[str, dict[str, Any]]) -> None:
    test = services["web"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    code = test[3]
    assert "urllib.request" in code
    assert "/healthz" in code
    assert "curl" not in code
    compile(code, "web-healthcheck", "exec")


def test_each_kind_of_work_has_its_own_workers(services: dict[str, dict[str, Any]]) -> None:
    """Routing waits behind no transcode and no release build (it stayed "aggregating" for
    3.5 minutes behind one 1080p transcode when one worker consumed every queue)."""
    consumed: list[str] = []
    for name, queues in WORKERS.items():
        args = command_args(services[name])
        assert args[:4] == ["celery", "-A", "annotation", "worker"]
        assert set(option_value(args, "-Q", "--queues").split(",")) == queues
        assert int(option_value(args, "-c", "--concurrency")) >= 1
        consumed += queues
    assert sorted(consumed) == sorted(QUEUES), "every queue has exactly one kind of worker"


def test_workers_children_are_bounded(services: dict[str, dict[str, Any]], settings) -> None:
    """Memory (issue 17): a child is replaced after a number of tasks or once a task left it
    large; an export child after every release build, whose tables and plots it would keep."""
    assert settings.CELERY_WORKER_MAX_TASKS_PER_CHILD >= 1
    assert 0 < settings.CELERY_WORKER_MAX_MEMORY_PER_CHILD <= 512 * 1024  # KiB
    export = command_args(services["export-worker"])
    assert option_value(export, "--max-tasks-per-child") == "1"


def test_the_queues_are_the_ones_tasks_are_routed_to(settings) -> None:
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed | {settings.CELERY_TASK_DEFAULT_QUEUE} == QUEUES


@pytest.mark.parametrize("name", sorted(WORKERS))
def test_worker_healthcheck_pings_own_node(services: dict[str, dict[str, Any]], name: str) -> None:
    command = healthcheck_command(services[name])
    assert "celery -A annotation inspect ping" in command
    # Pinging every node would pass while this worker is dead, as long as another answers.
    assert "-d" in shlex.split(command)
    assert "HOSTNAME" in command


def test_beat_runs_and_healthcheck_reads_its_pidfile(services: dict[str, dict[str, Any]]) -> None:
    beat = services["beat"]
    args = command_args(beat)
    assert args[:4] == ["celery", "-A", "annotation", "beat"]
    pidfile = option_value(args, "--pidfile")
    test = beat["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    code = test[3]
    assert pidfile in code
    assert "CELERY_BROKER_URL" in code
    compile(code, "beat-healthcheck", "exec")


def test_app_services_share_the_x_app_definition(compose: dict[str, Any]) -> None:
    assert "x-app" in compose
    assert "x-env" in compose
    app = compose["x-app"]
    for name in APP_SERVICES:
        service = compose["services"][name]
        assert service["build"] == app["build"]
        assert service["image"] == app["image"]
        assert environment(service) == environment(compose["x-app"])
        assert environment(service) == {k: str(v) for k, v in compose["x-env"].items()}
    assert compose["services"]["migrate"]["build"] == app["build"]
    assert environment(compose["services"]["migrate"]) == environment(app)
    raw = COMPOSE_FILE.read_text()
    assert re.search(r"^x-app: &app\b", raw, re.MULTILINE)
    assert re.search(r"^x-worker: &worker\b", raw, re.MULTILINE)
    # migrate, web, beat and x-worker merge x-app; every worker merges x-worker
    assert len(re.findall(r"<<: \*app\b", raw)) == len(APP_SERVICES) - len(WORKERS) + 2
    assert len(re.findall(r"<<: \*worker\b", raw)) == len(WORKERS)


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_wait_for_healthy_backing_services(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    depends_on = services[name]["depends_on"]
    assert isinstance(depends_on, dict), "list form of depends_on cannot require health"
    for backing in ("postgres", "redis"):
        assert depends_on[backing]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_environment_points_at_compose_services(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    env = environment(services[name])
    database = urlsplit(interpolate(env["DATABASE_URL"]))
    assert database.scheme in {"postgres", "postgresql"}
    assert database.hostname == "postgres"
    assert database.port in (None, 5432)
    assert database.path.strip("/")

    broker = urlsplit(interpolate(env["CELERY_BROKER_URL"]))
    assert broker.scheme == "redis"
    assert broker.hostname == "redis"
    assert broker.port in (None, 6379)

    assert env["MEDIA_ROOT"] == MEDIA_ROOT
    assert env["DATA_DIR"] == "/data"
    # The key comes from the caller's environment, and only from there.
    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", env["SECRET_KEY"])
    with pytest.raises(MissingVariable, match="SECRET_KEY"):
        interpolate(env["SECRET_KEY"])
    with pytest.raises(MissingVariable):
        interpolate(env["SECRET_KEY"], {"SECRET_KEY": ""})  # set but empty: refused too
    assert interpolate(env["SECRET_KEY"], {"SECRET_KEY": "s3cret"}) == "s3cret"
    assert interpolate(env["ALLOWED_HOSTS"])


def test_no_placeholder_secrets(compose: dict[str, Any]) -> None:
    """No secret falls back to a value anyone can read in this file (``change-me``)."""
    raw = COMPOSE_FILE.read_text()
    assert "change-me" not in raw.lower()
    for name, value in compose["x-env"].items():
        if re.search(r"SECRET|PASSWORD", name) and name != "EMAIL_HOST_PASSWORD":
            assert ":?" in str(value), f"{name} has a default"
    assert compose["x-env"]["EMAIL_HOST_PASSWORD"] == "${EMAIL_HOST_PASSWORD:-}"


def test_production_settings_reach_the_app(compose: dict[str, Any]) -> None:
    """Every setting a production deployment needs can be passed from the shell; unset, each
    is empty, which the settings read as their embedded default."""
    env = {k: str(v) for k, v in compose["x-env"].items()}
    for name in (
        "DJANGO_ENV", "SECURE_PROXY_SSL_HEADER", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE", "LOGIN_FAILURE_LIMIT",
        "LOGIN_COOLOFF_MINUTES", "TOKEN_TTL_HOURS", "EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT",
        "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD", "EMAIL_USE_TLS", "DEFAULT_FROM_EMAIL",
    ):  # fmt: skip
        assert env[name] == f"${{{name}:-}}", name
        assert interpolate(env[name]) == ""
        assert interpolate(env[name], {name: "x"}) == "x"
    # nginx is the one proxy in front of the app: the client address is the last one it adds.
    assert interpolate(env["TRUSTED_PROXY_COUNT"]) == "1"
    assert interpolate(env["TRUSTED_PROXY_COUNT"], {"TRUSTED_PROXY_COUNT": "2"}) == "2"


def test_database_credentials_match_postgres_service(services: dict[str, dict[str, Any]]) -> None:
    postgres = {k: interpolate(v) for k, v in environment(services["postgres"]).items()}
    database = urlsplit(interpolate(environment(services["web"])["DATABASE_URL"]))
    assert database.username == postgres["POSTGRES_USER"]
    assert database.password == postgres["POSTGRES_PASSWORD"]
    assert database.path.strip("/") == postgres["POSTGRES_DB"]


def _named_mounts(service: dict[str, Any], declared: set[str]) -> dict[str, str]:
    """Named-volume source -> container target, for short and long volume syntax."""
    mounts = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            source, _, rest = volume.partition(":")
            target = rest.split(":")[0]
        else:
            if volume.get("type", "volume") != "volume":
                continue
            source, target = volume.get("source", ""), volume["target"]
        if source in declared:
            mounts[source] = target
    return mounts


def test_named_volumes_declared_and_used(compose: dict[str, Any]) -> None:
    declared = set(compose.get("volumes") or {})
    assert {"postgres-data", "redis-data", "media", "static"} <= declared
    services = compose["services"]

    used: set[str] = set()
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.partition(":")[0] if isinstance(volume, str) else volume.get("source")
            if source and not source.startswith((".", "/", "~")):
                assert source in declared, f"volume {source} used but not declared"
                used.add(source)
    assert used == declared, f"declared but unused: {declared - used}"

    assert _named_mounts(services["postgres"], declared) == {
        "postgres-data": "/var/lib/postgresql/data"
    }
    for name in ("web", *WORKERS):
        assert _named_mounts(services[name], declared).get("media") == MEDIA_ROOT
    assert _named_mounts(services["minio"], declared) == {"minio-data": "/data"}


# --- object storage ----------------------------------------------------------------------------


def test_app_stores_in_minio_whose_bucket_is_made_on_start(compose: dict[str, Any]) -> None:
    """STORAGE_BACKEND=s3 against the minio service, with its credentials; a one-off creates
    the bucket the app names, and every app service waits for MinIO and for that one-off."""
    services, env = compose["services"], compose["x-env"]
    secret = {"MINIO_ROOT_PASSWORD": "s3cret"}
    assert interpolate(env["STORAGE_BACKEND"]) == "s3"
    assert urlsplit(env["AWS_S3_ENDPOINT_URL"]).hostname == "minio"
    minio = {k: interpolate(v, secret) for k, v in environment(services["minio"]).items()}
    assert interpolate(env["AWS_ACCESS_KEY_ID"]) == minio["MINIO_ROOT_USER"]
    assert interpolate(env["AWS_SECRET_ACCESS_KEY"], secret) == minio["MINIO_ROOT_PASSWORD"]
    with pytest.raises(MissingVariable, match="MINIO_ROOT_PASSWORD"):
        interpolate(env["AWS_SECRET_ACCESS_KEY"])
    assert "mc ready local" in healthcheck_command(services["minio"])

    bucket = services["minio-bucket"]
    assert bucket["image"].startswith("minio/mc:RELEASE.")
    assert bucket["restart"] == "no" and "healthcheck" not in bucket
    assert bucket["depends_on"]["minio"]["condition"] == "service_healthy"
    script = " ".join(bucket["entrypoint"])
    assert f"mc mb --ignore-existing local/{env['AWS_STORAGE_BUCKET_NAME']}" in script
    for name in (*APP_SERVICES, "migrate"):
        depends_on = services[name]["depends_on"]
        assert depends_on["minio"]["condition"] == "service_healthy", name
        assert depends_on["minio-bucket"]["condition"] == "service_completed_successfully", name


def test_nginx_hands_out_files_without_the_app_streaming_them(compose: dict[str, Any]) -> None:
    """Presigned URLs name the bucket's path on nginx's host (AWS_S3_PUBLIC_ENDPOINT_URL),
    proxied to MinIO with the Host the signature covers; on the file system Django's
    X-Accel-Redirect reaches an internal location over the media volume."""
    env, nginx = compose["x-env"], compose["services"]["nginx"]
    public = urlsplit(interpolate(env["AWS_S3_PUBLIC_ENDPOINT_URL"]))
    assert public.port == int(interpolate(nginx["ports"][0]).split(":")[0])
    text = NGINX_CONF.read_text()
    bucket = re.search(rf"location /{env['AWS_STORAGE_BUCKET_NAME']}/ \{{(?P<body>[^}}]*)\}}", text)
    assert bucket, "no location for the bucket's path"
    assert "proxy_pass http://minio:9000;" in bucket["body"]
    assert "proxy_set_header Host $http_host;" in bucket["body"]
    protected = re.search(r"location /protected/ \{(?P<body>[^}]*)\}", text)
    assert protected and "internal;" in protected["body"]
    assert env["MEDIA_ACCEL_REDIRECT"] == "/protected/"
    assert "root /srv;" in protected["body"]
    mounts = {volume.split(":")[0]: volume.split(":")[1:] for volume in nginx["volumes"]}
    assert mounts["media"] == ["/srv/protected", "ro"]


# --- Dockerfile --------------------------------------------------------------------------------


def test_dockerfile_stages() -> None:
    stages = dockerfile_stages()
    assert len(stages) >= 2
    node_from, node_steps = stages[0]
    assert node_from.split()[0] == "node:20-bookworm-slim"
    node_alias = node_from.split()[-1]
    runs = " ".join(args for instruction, args in node_steps if instruction == "RUN")
    assert "npm ci" in runs
    assert "npm run build" in runs

    final_from, final_steps = stages[-1]
    assert final_from.split()[0] == "python:3.11-slim-bookworm"
    copies = [args.split() for instruction, args in final_steps if instruction == "COPY"]
    assert [f"--from={node_alias}", "/frontend/dist", "/app/frontend/dist"] in copies


def test_dockerfile_installs_ffmpeg_in_runtime_image() -> None:
    _, final_steps = dockerfile_stages()[-1]
    runs = [args for instruction, args in final_steps if instruction == "RUN"]
    assert any(
        re.search(r"apt-get\b.*\binstall\b.*\bffmpeg\b", run) and "apt-get update" in run
        for run in runs
    )


def test_dockerfile_environment_and_static_files() -> None:
    _, final_steps = dockerfile_stages()[-1]
    env = " ".join(args for instruction, args in final_steps if instruction == "ENV")
    assert "DATA_DIR=/data" in env
    runs = " ".join(args for instruction, args in final_steps if instruction == "RUN")
    assert "collectstatic --noinput" in runs
    assert any(instruction == "USER" and args != "root" for instruction, args in final_steps)


def _compilemessages_step(steps: list[tuple[str, str]]) -> int:
    runs = [i for i, (ins, args) in enumerate(steps) if ins == "RUN" and "compilemessages" in args]
    assert len(runs) == 1, "one RUN compiles the catalogues"
    return runs[0]


def test_dockerfile_compiles_the_catalogues_after_copying_them() -> None:
    """The .mo files are gitignored (and dockerignored): without this step a fresh image
    serves English only."""
    _, final_steps = dockerfile_stages()[-1]
    compile_at = _compilemessages_step(final_steps)
    run = final_steps[compile_at][1]
    assert re.search(r"\bpython manage\.py compilemessages\b", run)
    gettext_at = [
        i
        for i, (ins, args) in enumerate(final_steps)
        if ins == "RUN" and re.search(r"apt-get\b.*\binstall\b.*\bgettext\b", args)
    ]
    assert gettext_at and gettext_at[0] < compile_at, "msgfmt is installed before it is used"
    copies_locale = [
        i
        for i, (ins, args) in enumerate(final_steps)
        if ins == "COPY" and args.split()[0] in {".", "locale", "locale/"}
    ]
    assert copies_locale and copies_locale[0] < compile_at, "the .po files are copied first"
    assert any(i > compile_at for i, (ins, _) in enumerate(final_steps) if ins == "USER")


def test_the_dockerfile_compile_step_builds_the_chinese_catalogues(tmp_path: Path) -> None:
    """Runs the Dockerfile's own compile command on a copy of the tracked files (the build
    context has no .mo files) and reads a translation back from the result."""
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, text=True
    ).stdout.split("\0")
    context = tmp_path / "app"
    for name in filter(None, tracked):
        if (ROOT / name).is_file() and not name.endswith(".mo"):
            (context / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, context / name)
    assert not list(context.rglob("*.mo"))
    _, final_steps = dockerfile_stages()[-1]
    run = final_steps[_compilemessages_step(final_steps)][1]
    env = {
        key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "SECRET_KEY"}
    }
    env |= {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}",
        "PYTHONPATH": str(context),
        "DATA_DIR": str(tmp_path / "data"),
        "DJANGO_SETTINGS_MODULE": "annotation.settings",
    }
    subprocess.run(["sh", "-c", run], cwd=context, env=env, check=True, capture_output=True)
    for domain in ("django", "djangojs"):
        compiled = context / "locale" / "zh_Hans" / "LC_MESSAGES" / f"{domain}.mo"
        source = polib.pofile(str(compiled.with_suffix(".po")))
        translated = [entry for entry in source.translated_entries() if not entry.msgid_plural]
        assert translated
        catalogue = polib.mofile(str(compiled))
        assert catalogue.find(translated[0].msgid).msgstr == translated[0].msgstr


def test_dockerignore_keeps_local_state_out_of_the_context() -> None:
    patterns = {
        line.strip().rstrip("/")
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for required in (".git", ".venv", "frontend/node_modules", "var", ".env", "**/*.mo"):
        assert required in patterns, f"{required} not in .dockerignore"
    # pyproject.toml and the application packages must stay in the context.
    for needed in ("pyproject.toml", "annotation", "clips", "exports", "frontend", "manage.py"):
        assert needed not in patterns
