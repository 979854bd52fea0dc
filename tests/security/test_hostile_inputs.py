"""Hostile input is refused with a 4xx naming what is wrong, never a 500 (issue 11, item 6).

Every case answered 500 before: NUL (which PostgreSQL's text and jsonb refuse) or a lone
surrogate in any text, JSON nested deeper than anything sensible, digits Python's ``int``
cannot read, integers wider than their column, unknown filter values. Run on PostgreSQL too:
SQLite stores a NUL that PostgreSQL refuses."""

import json
from typing import Any

import pytest
from django.test import override_settings

from annotation.models import AuditEvent, Project
from exports.models import Release

pytestmark = pytest.mark.django_db

LABELS = {"basic7": "Joy", "goemotions": ["joy"], "intensity": 3}
NUL = "a\u0000b"
SURROGATE = "a\ud800b"  # sent as the JSON escape "\ud800": valid JSON text, not valid Unicode
DEEP = 50_000


def raw(value: Any) -> bytes:
    """JSON text with every non-ASCII character escaped (a lone surrogate stays encodable)."""
    return json.dumps(value, ensure_ascii=True).encode()


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def assert_error(response, status: int, field: str | None = None) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    error = response.json()["error"]
    assert set(error) == {"code", "message", "field"} and error["message"], error
    if field is not None:
        assert error["field"] == field, error
    return error


def send(world, who: str, method: str, url: str, body: bytes | None = None):  # type: ignore[no-untyped-def]
    api = world.client(getattr(world, who))
    if body is None:
        return api.generic(method, url)
    return api.generic(method, url, body, content_type="application/json")


# --- bad characters in every kind of text a client can send ------------------------------------


def _schema_with(bad: str) -> dict[str, Any]:
    schema = Project().label_schema
    schema["layers"][0]["labels"][0]["zh"] = bad
    return schema


TEXT_BODIES: dict[str, tuple[str, str, Any]] = {
    # name: (who, method + url template, body with the bad text at "{bad}")
    "draft note": ("annotator", "PUT /api/assignments/{layer1}/draft/", {"payload": {"note": 0}}),
    "submit note": (
        "annotator",
        "POST /api/assignments/{layer1}/submit/",
        {"payload": {**LABELS, "note": 0}},
    ),
    "label as payload key": (
        "annotator",
        "PUT /api/assignments/{layer1}/draft/",
        {"payload": {"note": "x", 0: "Joy"}},
    ),
    "correction note": (
        "annotator",
        "POST /api/annotations/{annotation}/corrections/",
        {"payload": {**LABELS, "note": 0}},
    ),
    "rationale": (
        "adjudicator",
        "POST /api/assignments/{layer2}/submit/",
        {"payload": LABELS, "rationale": 0},
    ),
    "reopen reason": ("admin", "POST /api/clips/{clip}/reopen/", {"reason": 0}),
    "label schema label": ("admin", "PATCH /api/projects/hostile/settings/", "schema"),
    "label schema key": (
        "admin",
        "PATCH /api/projects/hostile/settings/",
        {"label_schema": {**Project().label_schema, 0: 1}},
    ),
    "routing rule": (
        "admin",
        "PATCH /api/projects/hostile/settings/",
        {"routing_rule": {**Project().routing_rule, "note": 0}},
    ),
    "trace config": (
        "admin",
        "PATCH /api/projects/hostile/settings/",
        {
            "trace_config": {
                **Project().trace_config,
                "dimensions": [{"name": 0, "min": -1, "max": 1}],
            }
        },
    ),
    "release description": (
        "admin",
        "POST /api/projects/hostile/releases/",
        {"version": "2.0.0", "description": 0},
    ),
    "release options": (
        "admin",
        "POST /api/projects/hostile/releases/",
        {"version": "2.0.0", "options": {"citation": 0}},
    ),
    "release version": ("admin", "POST /api/projects/hostile/releases/", {"version": 0}),
    "token username": ("annotator", "POST /api/auth/token/", {"username": 0, "password": "x"}),
}


def _put_bad(value: Any, bad: str) -> Any:
    """The body with every placeholder 0 (value or key) replaced by the bad text."""
    if value == "schema":
        return {"label_schema": _schema_with(bad)}
    if isinstance(value, dict):
        return {(bad if k == 0 else k): _put_bad(v, bad) for k, v in value.items()}
    if isinstance(value, list):
        return [_put_bad(v, bad) for v in value]
    return bad if value == 0 and not isinstance(value, bool) else value


def _url(world, template: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    method, url = template.split(" ", 1)
    ids = {
        "layer1": world.layer1.pk,
        "layer2": world.layer2.pk,
        "annotation": world.annotation.pk,
        "clip": world.clip.pk,
    }
    return method, url.format(**ids)


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "lone-surrogate"])
@pytest.mark.parametrize("case", sorted(TEXT_BODIES))
def test_nul_and_lone_surrogates_are_refused_everywhere(world, case, bad):
    who, template, body = TEXT_BODIES[case]
    method, url = _url(world, template)
    events = AuditEvent.objects.count()
    response = send(world, who, method, url, raw(_put_bad(body, bad)))
    assert_error(response, 400)
    assert AuditEvent.objects.count() == events  # nothing was written


# --- deeply nested JSON ----------------------------------------------------------------------

NESTED_BODIES = {
    "submit": ("annotator", "POST /api/assignments/{layer1}/submit/", b'{"payload": %s}'),
    "draft": ("annotator", "PUT /api/assignments/{layer1}/draft/", b'{"payload": %s}'),
    "correction": (
        "annotator",
        "POST /api/annotations/{annotation}/corrections/",
        b'{"payload": %s}',
    ),
    "settings": ("admin", "PATCH /api/projects/hostile/settings/", b'{"routing_rule": %s}'),
    "release options": (
        "admin",
        "POST /api/projects/hostile/releases/",
        b'{"version": "2.0.0", "options": %s}',
    ),
    "token": ("annotator", "POST /api/auth/token/", b'{"username": %s}'),
}


@pytest.mark.parametrize("depth", [DEEP, 100])
@pytest.mark.parametrize("case", sorted(NESTED_BODIES))
def test_deeply_nested_json_is_refused(world, case, depth):
    who, template, body = NESTED_BODIES[case]
    method, url = _url(world, template)
    assert_error(send(world, who, method, url, body % nested(depth)), 400)


def test_sensible_nesting_still_passes(world):
    schema = Project().label_schema  # five levels deep: object, list, object, list, object
    response = send(world, "admin", "PATCH", "/api/projects/hostile/settings/", raw(
        {"label_schema": schema, "routing_rule": {**Project().routing_rule, "x": [[[[[1]]]]]}}
    ))  # fmt: skip
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("predictions.jsonl", nested(DEEP) + b"\n"),  # RecursionError in json.loads
        ("predictions.csv", b"clip_id,basic7\n" + b"x" * 200_000 + b",Joy\n"),  # > field limit
    ],
    ids=["jsonl-nested", "csv-huge-cell"],
)
def test_a_malformed_scoring_upload_is_refused(world, name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    api = world.client(world.admin)
    response = api.post(
        f"/api/releases/{world.release.pk}/score/",
        {"predictions": SimpleUploadedFile(name, content)},
        format="multipart",
    )
    assert_error(response, 400, field="predictions")


# --- numbers: digits int() cannot read, integers wider than the column -----------------------


@pytest.mark.parametrize("report_id", ["²", "9" * 5000, "99999999999999999999999", "-1"])
def test_agreement_report_ids_that_are_no_number_are_a_404(world, report_id):
    response = send(world, "admin", "GET", f"/api/projects/hostile/agreement/{report_id}/")
    assert_error(response, 404)


def test_agreement_report_by_id_and_latest(world):
    for key in (str(world.report.pk), "latest"):
        response = send(world, "admin", "GET", f"/api/projects/hostile/agreement/{key}/")
        assert response.status_code == 200 and response.json()["id"] == world.report.pk


@pytest.mark.parametrize("days", ["²", "9" * 5000, "٣", "-5", "%00"])
def test_dashboard_days_that_are_no_number_fall_back(world, days):
    response = send(world, "admin", "GET", f"/api/projects/hostile/dashboard/progress/?days={days}")
    assert response.status_code == 200, response.content
    assert len(response.json()["throughput"]["days"]) in (1, 3, 30)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("per_user_cap", 2**40),
        ("per_user_cap", 2**31),
        ("lease_minutes", 2**63),
        ("overlap_k", 2**70),
    ],
)
def test_integers_wider_than_their_column_are_refused(world, field, value):
    response = send(world, "admin", "PATCH", "/api/projects/hostile/settings/", raw({field: value}))
    assert_error(response, 400, field=field)


def test_the_widest_cap_the_column_holds_is_kept(world):
    response = send(
        world, "admin", "PATCH", "/api/projects/hostile/settings/", raw({"per_user_cap": 2**31 - 1})
    )
    assert response.status_code == 200 and response.json()["per_user_cap"] == 2**31 - 1


@pytest.mark.parametrize(
    "version",
    ["99999999999.0.0", "2.0.99999999999999999999", "2147483648.0.0", "1" * 5000 + ".0.0"],
)
def test_release_versions_wider_than_their_columns_are_refused(world, version):
    body = raw({"version": version})
    assert_error(
        send(world, "admin", "POST", "/api/projects/hostile/releases/", body), 400, "version"
    )
    assert Release.objects.count() == 1


def test_the_highest_version_the_columns_hold_is_accepted(world):
    body = raw({"version": f"{2**31 - 1}.0.0"})
    response = send(world, "admin", "POST", "/api/projects/hostile/releases/", body)
    assert response.status_code == 202, response.content


@pytest.mark.parametrize("options", [[1], "x", 5, {"tiers": [[1]]}, {"split_ratios": "abc"}])
def test_release_options_that_are_no_options_object_are_refused(world, options):
    body = raw({"version": "2.0.0", "options": options})
    assert_error(
        send(world, "admin", "POST", "/api/projects/hostile/releases/", body), 400, "options"
    )


def test_a_username_longer_than_any_is_refused_before_the_sign_in_is_recorded(world):
    # django-axes records a failed sign-in with the username in a varchar(255).
    body = raw({"username": "u" * 5000, "password": "x"})
    assert_error(send(world, "annotator", "POST", "/api/auth/token/", body), 400, "username")


# --- query parameters -------------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["%00", "bogus", "GOLD", "%ED%A0%80"])
def test_unknown_stage_filters_are_a_400(world, stage):
    response = send(world, "admin", "GET", f"/api/projects/hostile/clips/?stage={stage}")
    assert_error(response, 400, field="stage")


def test_a_known_stage_filters(world):
    response = send(world, "admin", "GET", "/api/projects/hostile/clips/?stage=disputed")
    assert response.status_code == 200
    assert [c["stage"] for c in response.json()["results"]] == ["disputed"]


# --- the adjudicator's rationale -------------------------------------------------------------


def test_the_rationale_has_a_length_limit(world):
    body = raw({"payload": LABELS, "rationale": "why " * 2000})
    response = send(
        world, "adjudicator", "POST", f"/api/assignments/{world.layer2.pk}/submit/", body
    )
    assert_error(response, 400, field="rationale")


# --- every API error is the one JSON body, whatever raised it --------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/assignments/abc/",
        "/api/assignments/%00/",
        "/api/releases/1e3/",
        "/api/no-such-endpoint/",
        "/api/projects/hostile/agreement/1/extra/",
    ],
)
def test_unmatched_api_urls_answer_the_json_404(world, url):
    assert_error(send(world, "admin", "GET", url), 404)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_api_url_without_its_slash_is_the_json_404_naming_it(world, method):
    """Not an HTML 301: a client following it would lose its POST body."""
    error = assert_error(send(world, "admin", method, "/api/projects"), 404)
    assert "/api/projects/" in error["message"]


def test_pages_outside_the_api_keep_the_html_404(world):
    response = world.client(world.admin).get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=64 * 1024)
def test_a_body_over_the_limit_is_a_413(world):
    body = raw({"payload": {"note": "x" * (65 * 1024)}})
    response = send(world, "annotator", "PUT", f"/api/assignments/{world.layer1.pk}/draft/", body)
    assert_error(response, 413)


def test_an_unexpected_failure_is_the_json_500(world, monkeypatch):
    from annotation import selectors

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(selectors, "annotator_progress", broken)
    response = send(world, "annotator", "GET", "/api/projects/hostile/progress/")
    error = assert_error(response, 500)
    assert "a bug" not in error["message"]  # nothing of the internals leaks
