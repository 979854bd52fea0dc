"""The API fuzzed from its own OpenAPI schema (schemathesis, through the WSGI app).

Every operation gets ``API_FUZZ_EXAMPLES`` generated requests (default 45), a third each as an
admin, an annotator and an adjudicator of a small seeded project: valid and invalid bodies and query
parameters, against the real ids of the project's objects and against made-up ones. Half the
requests then get one value — in the body, the query or the path — replaced by something
hostile (a NUL, a lone surrogate, '²', 5,000 digits, an integer wider than any column, JSON
nested 100 deep). No answer may be a 5xx, and every answer must be what the schema says: a
documented status code, the documented content type, a body of the documented shape (errors
included).

Each operation and identity has its own fixed seed, so a run is reproducible;
``API_FUZZ_RANDOM=1`` draws new examples. The totals are printed at the end of the pytest run
(with ``-v`` per operation too); ``API_FUZZ_TRACE=1`` prints every request and answer."""

import copy
import os
import zlib
from collections import Counter, defaultdict
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup

from annotation.models import Project

pytestmark = pytest.mark.django_db(transaction=True)  # a failed write must not poison the rest

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "45"))  # per operation, split over WHO
RANDOM = os.environ.get("API_FUZZ_RANDOM", "") not in ("", "0")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# The schema document itself: regenerating it per request would take the whole budget.
SKIPPED = {"GET /api/schema/"}
WHO = ("admin", "annotator", "adjudicator")
# Operations that end what the others work on (a lease, a token, a clip's stage) go last.
LAST = [
    "POST /api/assignments/{assignment_id}/submit/",
    "POST /api/clips/{clip_id}/reopen/",
    "POST /api/assignments/{assignment_id}/release/",
    "DELETE /api/auth/token/",
]
JSON = "application/json"
LABELS = {"basic7": "Joy", "goemotions": ["joy"], "intensity": 3}


def _nested(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


HOSTILE: list[Any] = [
    "a\x00b",
    "a\ud800b",  # sent as the escape "\ud800" in JSON, as %ED%A0%80 in a URL
    "²",
    "9" * 5000,
    2**40,
    -(2**63) - 1,
    1e308,
    _nested(100),
]


def _ids(world: Any, who: str) -> dict[str, Any]:
    """The real object behind each path parameter, as seen by ``who``."""
    return {
        "slug": world.project.slug,
        "assignment_id": (world.layer2 if who == "adjudicator" else world.layer1).pk,
        "annotation_id": world.annotation.pk,
        "trace_id": world.trace.pk,
        "clip_id": world.clip.pk,
        "release_id": world.release.pk,
        "report_id": str(world.report.pk),
    }


def _spots(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[str, tuple[Any, ...]]]:
    """Where a value can be spoilt in a JSON document: each leaf, and each key."""
    if isinstance(value, dict):
        spots = []
        for key, item in value.items():
            spots += [("key", (*path, key)), *_spots(item, (*path, key))]
        return spots
    if isinstance(value, list):
        return [spot for index, item in enumerate(value) for spot in _spots(item, (*path, index))]
    return [("body", path)] if path else []


def places(case: Any, operation: Any) -> list[tuple[str, tuple[Any, ...]]]:
    """Every place of a request a hostile value can go: body leaves and keys (JSON bodies),
    each query parameter the operation declares, each path parameter."""
    found = _spots(case.body) if "json" in (case.media_type or "") else []
    found += [("query", (parameter.name,)) for parameter in operation.query]
    found += [("path_parameters", (name,)) for name in case.path_parameters or {}]
    return found


def spoil(case: Any, where: str, path: tuple[Any, ...], hostile: Any) -> None:
    """Put ``hostile`` at one place of the case (a copy: example bodies are shared)."""
    case.body = copy.deepcopy(case.body)
    case.query = dict(case.query or {})
    case.path_parameters = dict(case.path_parameters or {})
    if where in ("body", "key"):
        document = case.body
        for step in path[:-1]:
            document = document[step]
        if where == "body":
            document[path[-1]] = hostile
        elif isinstance(hostile, str) and "\ud800" not in hostile:
            # (schemathesis re-validates the case in Rust, which cannot hold such a key)
            document[hostile] = document.pop(path[-1])
        return
    if isinstance(hostile, str | int | float) and "\ud800" not in str(hostile):
        # A URL carries UTF-8 text: no lone surrogate, no nesting.
        getattr(case, where)[path[0]] = str(hostile)


def _valid_bodies(world: Any) -> dict[str, Any]:
    """A body each write accepts: spoilt in one place, it reaches the database."""
    project = Project()
    return {
        "PUT /api/assignments/{assignment_id}/draft/": {"payload": {"note": "x", **LABELS}},
        "POST /api/assignments/{assignment_id}/submit/": {"payload": LABELS, "rationale": "why"},
        "POST /api/annotations/{annotation_id}/corrections/": {"payload": {"note": "", **LABELS}},
        "PATCH /api/projects/{slug}/settings/": {
            "label_schema": project.label_schema,
            "routing_rule": project.routing_rule,
            "trace_config": project.trace_config,
            "per_user_cap": 5,
            "lease_minutes": 30,
        },
        "POST /api/projects/{slug}/releases/": {
            "version": "2.0.0",
            "description": "spring",
            "options": {"citation": "EmoS", "split_ratios": [0.8, 0.1, 0.1], "seed": 1},
        },
        "POST /api/clips/{clip_id}/reopen/": {"reason": "second opinion"},
        "POST /api/traces/{trace_id}/chunks/": {"seq": 0, "t0": 0.0, "samples": [[0.1, 0.2]] * 25},
        "POST /api/projects/{slug}/disputes/next/": {"clip": world.layer2.clip_id},
        "POST /api/auth/token/": {"username": world.annotator.username, "password": "pw-test-123"},
    }


def _strategies(operation: Any, ids: dict[str, Any], valid: dict[str, Any]) -> Any:
    real = {p.name: ids[p.name] for p in operation.path_parameters if p.name in ids}
    at_real = operation.as_strategy(GenerationMode.POSITIVE, path_parameters=real)
    # Weighted by repetition: mostly requests that reach the view's logic.
    options = [at_real, at_real, operation.as_strategy(GenerationMode.POSITIVE)]
    if operation.label in valid:
        body = valid[operation.label]
        options += 2 * [
            operation.as_strategy(
                GenerationMode.POSITIVE, path_parameters=real, body=body, media_type=JSON
            )
        ]
    if operation.body or operation.query:
        options.append(operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=real))
    return st.one_of(options)


class Fuzzer:
    """Sends each operation's examples and keeps the totals and the failures."""

    def __init__(self, world: Any) -> None:
        self.world = world
        self.keys = {w: Token.objects.get_or_create(user=getattr(world, w))[0].key for w in WHO}
        self.statuses: Counter[int] = Counter()
        self.per_operation: dict[str, Counter[int]] = defaultdict(Counter)
        self.failures: dict[str, list[str]] = defaultdict(list)
        self.requests = 0

    def send(self, operation: Any, who: str, case: Any) -> None:
        user = getattr(self.world, who)
        # DELETE /api/auth/token/ revokes a token: give it back for the next example.
        Token.objects.get_or_create(user=user, defaults={"key": self.keys[who]})
        response = case.call(headers={"Authorization": f"Token {self.keys[who]}"})
        self.requests += 1
        self.statuses[response.status_code] += 1
        self.per_operation[operation.label][response.status_code] += 1
        if os.environ.get("API_FUZZ_TRACE"):
            print(who, response.status_code, case.method, case.formatted_path, case.query,
                  str(case.body)[:150], response.content[:150])  # fmt: skip
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as exc:
            text = f"{who}: {response.status_code}: {exc}"
            self.failures[operation.label].append(text[:3000])

    def run(self, operation: Any, who: str) -> None:
        """``EXAMPLES / 3`` requests to ``operation`` as ``who``."""
        cases = _strategies(operation, _ids(self.world, who), _valid_bodies(self.world))

        @settings(
            max_examples=max(1, EXAMPLES // len(WHO)),
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],  # failures are collected, not shrunk
            suppress_health_check=list(HealthCheck),
        )
        @seed(None if RANDOM else zlib.crc32(f"{operation.label} as {who}".encode()))
        @given(case=cases, data=st.data())
        def fuzz(case: Any, data: st.DataObject) -> None:
            spots = places(case, operation)
            if spots and data.draw(st.booleans(), label="spoilt"):
                where, path = data.draw(st.sampled_from(spots), label="where")
                spoil(case, where, path, data.draw(st.sampled_from(HOSTILE), label="hostile"))
            self.send(operation, who, case)

        fuzz()


def test_the_api_answers_every_generated_request_as_documented(world, fuzz_stats):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())
    fuzzer = Fuzzer(world)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations.sort(key=lambda op: LAST.index(op.label) if op.label in LAST else -1)
    for operation in operations:
        if operation.label not in SKIPPED:
            for who in WHO:
                fuzzer.run(operation, who)

    server_errors = sum(n for status, n in fuzzer.statuses.items() if status >= 500)
    fuzz_stats["per_operation"] = {k: dict(v) for k, v in sorted(fuzzer.per_operation.items())}
    fuzz_stats.update(
        requests=fuzzer.requests,
        server_errors=server_errors,
        statuses=dict(fuzzer.statuses),
        failing_operations=len(fuzzer.failures),
    )
    report = "\n\n".join(
        f"{label} ({len(found)}x)\n{found[0]}" for label, found in sorted(fuzzer.failures.items())
    )
    off_schema = bool(fuzzer.failures)
    assert server_errors == 0 and not off_schema, report
