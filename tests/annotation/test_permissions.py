"""Who may call what: every API endpoint for every role, generated from the URL conf so that
an endpoint added without a rule here fails. 404 = not yours to know about; 403 = a member
without the role; 401 = not signed in. A second method on an endpoint is a rule of its own,
keyed "name METHOD"."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from annotation.models import AgreementReport, Annotation, Assignment, Trace
from clips.models import Clip, ImportJob, Upload
from exports.models import Release
from factories import ClipFactory, ProjectFactory, UserFactory, member

pytestmark = pytest.mark.django_db

ROLES = ["anon", "outsider", "annotator", "labeller", "adjudicator", "admin"]
LABELS = {"basic7": "Joy", "goemotions": ["joy"], "intensity": 3}
SEGMENTS = {"segments": [{"start": 0.0, "end": 1.0, **LABELS}]}  # the open clip is a stream


def api_names(patterns=None, prefix=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            yield from api_names(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and (prefix + str(entry.pattern)).startswith("api/"):
            yield entry.name


@pytest.fixture
def world(media_root):
    """One project with an open clip, a disputed clip, and someone of every role."""
    project = ProjectFactory(slug="p")
    other = ProjectFactory(slug="q")
    users = {
        "annotator": member(project, "annotator", "ann"),
        "labeller": member(project, "annotator", "labeller"),
        "adjudicator": member(project, "adjudicator", "judge"),
        "admin": member(project, "admin", "boss"),
        "outsider": member(other, "admin", "outsider"),
    }
    # The admin may also create projects (the Django admin's permission; the outsider, an
    # admin of another project, may not).
    users["admin"].user_permissions.add(Permission.objects.get(codename="add_project"))
    later = timezone.now() + timedelta(minutes=30)
    disputed = ClipFactory(project=project, stage=Clip.Stage.DISPUTED, layer1_count=1)
    open_clip = ClipFactory(project=project, layer1_open=1, kind="stream")
    done = Assignment.objects.create(
        clip=disputed, user=users["labeller"], status="submitted", expires_at=later
    )
    labelled = Annotation.objects.create(
        clip=disputed,
        annotator=users["labeller"],
        assignment=done,
        status="submitted",
        is_current=True,
        payload=LABELS,
        submitted_at=timezone.now(),
    )
    mine = Assignment.objects.create(clip=open_clip, user=users["annotator"], expires_at=later)
    judging = Assignment.objects.create(
        clip=disputed, user=users["adjudicator"], layer=2, expires_at=later
    )
    recording = Trace.objects.create(
        clip=open_clip, annotator=users["annotator"], config=project.trace_config
    )
    finished = Trace.objects.create(
        clip=disputed,
        annotator=users["labeller"],
        config=project.trace_config,
        status="finalised",
        data=b"",
    )
    return {
        "users": users,
        "ids": {
            "slug": "p",
            "assignment": mine.pk,
            "review": judging.pk,
            "annotation": labelled.pk,
            "clip": disputed.pk,
            "trace": recording.pk,
            "report": AgreementReport.objects.create(project=project, status="done").pk,
            "release": Release.objects.create(project=project, major=1, minor=0, patch=0).pk,
            "finished": finished.pk,
            "upload": Upload.objects.create(project=project, filename="a.mp4", length=10).pk,
            "import": ImportJob.objects.create(
                project=project,
                kind="labels",
                status="preview",
                report={"format": "csv", "files": [], "batch": "b", "annotator": "emos"},
            ).pk,
            "member": users["annotator"].pk,
        },
    }


OK, CREATED, BAD, UNAUTH, FORBIDDEN, GONE, CONFLICT = 200, 201, 400, 401, 403, 404, 409
# name: (method, url template, body, statuses in ROLES order)
MATRIX = {
    "api-token": ("post", "/api/auth/token/", {"username": "x", "password": "y"}, [BAD] * 6),
    "api-schema": ("get", "/api/schema/", None, [OK] * 6),
    "api-docs": ("get", "/api/docs/", None, [OK] * 6),
    "api-projects": ("get", "/api/projects/", None, [UNAUTH, OK, OK, OK, OK, OK]),
    "api-projects POST": (
        "post", "/api/projects/", {"name": "New", "slug": "new-one", "preset": "emos-static"},
        [UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED],
    ),
    "api-project": ("get", "/api/projects/{slug}/", None, [UNAUTH, GONE, OK, OK, OK, OK]),
    "api-project-archive": (
        "post", "/api/projects/{slug}/archive/", {"archived": True},
        [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
    ),
    "api-members": (
        "get", "/api/projects/{slug}/members/", None,
        [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
    ),
    "api-members POST": (
        "post", "/api/projects/{slug}/members/",
        {"who": "newcomer@example.org", "roles": ["annotator"]},
        [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED],
    ),
    "api-member": (
        "patch", "/api/projects/{slug}/members/{member}/", {"roles": ["annotator", "adjudicator"]},
        [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
    ),
    "api-project-settings": (
        "patch", "/api/projects/{slug}/settings/", {"lease_minutes": 45},
        [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
    ),
    "api-progress": ("get", "/api/projects/{slug}/progress/", None, [UNAUTH, GONE, OK, OK, OK, OK]),
    "api-my-qualification": (
        "get", "/api/projects/{slug}/qualification/", None,
        [UNAUTH, GONE, OK, OK, FORBIDDEN, FORBIDDEN],
    ),
    "api-qualifications": (
        "get", "/api/projects/{slug}/qualifications/", None,
        [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
    ),
    # The project asks for no round and nobody is paused: the admin is told so (409).
    "api-requalify": (
        "post", "/api/projects/{slug}/qualifications/{member}/", None,
        [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, CONFLICT],
    ),
    "api-pauses": (
        "get", "/api/projects/{slug}/pauses/", None,
        [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
    ),
    "api-pause-lift": (
        "post", "/api/projects/{slug}/pauses/{member}/lift/", None,
        [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, CONFLICT],
    ),
    "api-model-runs": (
        "get", "/api/projects/{slug}/model-runs/", None,
        [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
    ),
    "api-model-runs POST": (
        "post", "/api/projects/{slug}/model-runs/", None,
        [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, BAD],  # no model named, no files
    ),
    "api-drafts-setting": (
        "put", "/api/projects/{slug}/drafts/", {"drafts": "hidden"},
        [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
    ),
    "api-drafts-report": (
        "get", "/api/projects/{slug}/drafts/report/", None,
        [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
    ),
    # No floor set: nothing lies below it, and no time is given (409).
    "api-labels-withdraw": (
        "post", "/api/projects/{slug}/annotators/{member}/withdraw/", None,
        [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, CONFLICT],
    ),
    "api-next": (
        "post", "/api/projects/{slug}/next/", None,
        [UNAUTH, GONE, OK, OK, FORBIDDEN, FORBIDDEN],
    ),
    "api-clips": (
        "get", "/api/projects/{slug}/clips/", None,
        [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
    ),
    "api-disputes": (
        "get", "/api/projects/{slug}/disputes/", None,
        [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, OK, OK],
    ),
    "api-next-dispute": (
        "post", "/api/projects/{slug}/disputes/next/", None,
        [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN],
    ),
    "api-audit": (
        "get", "/api/projects/{slug}/audit/", None,
        [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
    ),
    "api-agreement-reports": (
        "get", "/api/projects/{slug}/agreement/", None,
        [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
    ),
    "api-agreement-report": (
        "get", "/api/projects/{slug}/agreement/{report}/", None,
        [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
    ),
    "api-releases": (
        "get", "/api/projects/{slug}/releases/", None,
        [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
    ),
    "api-release-detail": (
        "get", "/api/releases/{release}/", None,
        [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
    ),
    "api-release-retry": (
        "post", "/api/releases/{release}/retry/", None,
        [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, CONFLICT],  # pending, not failed
    ),
    "api-release-download": (
        "get", "/api/releases/{release}/download/", None,
        [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, CONFLICT],  # not published yet
    ),
    "api-release-score": (
        "post", "/api/releases/{release}/score/", None,
        [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, CONFLICT],
    ),
    "api-assignment": (
        "get", "/api/assignments/{review}/", None, [UNAUTH, GONE, GONE, GONE, OK, GONE],
    ),
    "api-draft": (
        "put", "/api/assignments/{assignment}/draft/", {"payload": {"segments": []}},
        [UNAUTH, GONE, OK, GONE, GONE, GONE],
    ),
    "api-submit": (
        "post", "/api/assignments/{assignment}/submit/",
        {"payload": SEGMENTS, "confirm_low_coverage": True},
        [UNAUTH, GONE, CREATED, GONE, GONE, GONE],
    ),
    "api-release": (
        "post", "/api/assignments/{assignment}/release/", None,
        [UNAUTH, GONE, OK, GONE, GONE, GONE],
    ),
    "api-trace-start": (
        "post", "/api/assignments/{assignment}/trace/", {},
        [UNAUTH, GONE, OK, GONE, GONE, GONE],
    ),
    "api-trace": ("get", "/api/traces/{trace}/", None, [UNAUTH, GONE, OK, GONE, GONE, GONE]),
    "api-trace-chunks": (
        "post", "/api/traces/{trace}/chunks/", {"seq": 0, "t0": 0, "samples": [[0, 0]]},
        [UNAUTH, GONE, OK, GONE, GONE, GONE],
    ),
    "api-trace-finalise": (
        "post", "/api/traces/{trace}/finalise/", {},
        [UNAUTH, GONE, CONFLICT, GONE, GONE, GONE],  # nothing recorded yet
    ),
    "api-trace-samples": (
        "get", "/api/traces/{finished}/samples/", None,
        [UNAUTH, GONE, GONE, OK, OK, OK],
    ),
    "api-annotations": ("get", "/api/annotations/", None, [UNAUTH, OK, OK, OK, OK, OK]),
    "api-annotation": (
        "get", "/api/annotations/{annotation}/", None, [UNAUTH, GONE, GONE, OK, OK, OK],
    ),
    "api-correction": (
        "post", "/api/annotations/{annotation}/corrections/",
        {"payload": {**LABELS, "intensity": 4}},
        [UNAUTH, GONE, GONE, CREATED, GONE, GONE],
    ),
    "api-clip": (
        "get", "/api/clips/{clip}/", None, [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, OK, OK],
    ),
    "api-clip-reopen": (
        "post", "/api/clips/{clip}/reopen/", {"reason": "check"},
        [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
    ),
    "api-clip-traces": (
        "get", "/api/clips/{clip}/traces/", None, [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, OK, OK],
    ),
    **{
        f"api-dashboard-{panel}": (
            "get", f"/api/projects/{{slug}}/dashboard/{panel}/", None,
            [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
        )
        for panel in ("progress", "agreement", "annotators", "routing", "imports")
    },
    "api-uploads": (
        "post", "/api/projects/{slug}/uploads/", None,
        [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED],
    ),
    "api-upload": (
        "get", "/api/uploads/{upload}/", None,
        [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
    ),
    "api-label-imports": (
        "post", "/api/projects/{slug}/label-imports/", None,
        [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, BAD],  # no files chosen
    ),
    "api-label-import": (
        "get", "/api/label-imports/{import}/", None,
        [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
    ),
    "api-label-import-confirm": (
        "post", "/api/label-imports/{import}/confirm/", None,
        [UNAUTH, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, 202],
    ),
}  # fmt: skip
# Request headers an endpoint's protocol needs (tus), so that the matrix tests the access.
HEADERS = {
    "api-uploads": {
        "HTTP_TUS_RESUMABLE": "1.0.0", "HTTP_UPLOAD_LENGTH": "10",
        "HTTP_UPLOAD_METADATA": "filename YS5tcDQ=",  # a.mp4
    },
}  # fmt: skip


def test_every_api_endpoint_has_a_rule():
    assert set(api_names()) == {key.split()[0] for key in MATRIX}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_permission_matrix(name, role, world):
    method, template, body, expected = MATRIX[name]
    client = APIClient()
    if role != "anon":
        client.force_authenticate(world["users"][role])
    response = getattr(client, method)(
        template.format(**world["ids"]), body, format="json", **HEADERS.get(name, {})
    )
    assert response.status_code == expected[ROLES.index(role)], response.content
    if response.status_code >= 400:
        assert set(response.json()["error"]) == {"code", "message", "field"}


@pytest.mark.parametrize("role", ROLES)
def test_revoking_a_token_is_for_any_signed_in_user(role, world):
    """``DELETE /api/auth/token/`` (api-token, beside its POST in MATRIX): the caller's own."""
    client = APIClient()
    if role != "anon":
        client.force_authenticate(world["users"][role])
    response = client.delete("/api/auth/token/")
    assert response.status_code == (UNAUTH if role == "anon" else 204), response.content
    if role == "anon":
        assert set(response.json()["error"]) == {"code", "message", "field"}


# Role mixes, derived from the matrix above so that every endpoint is covered: staff status
# without membership is an outsider; a deactivated member is an outsider; a member who both
# labels and adjudicates gets the better of the two roles, except that the clip they labelled
# stays hidden (blindness belongs to the user and the clip).
BLIND_TO_LABELLED_CLIP = {"api-clip", "api-clip-traces"}
HELD_BY_THE_ADJUDICATOR = {"api-assignment"}  # another person's lease


def _mixed_expectation(name: str, mix: str) -> int:
    expected = dict(zip(ROLES, MATRIX[name][3], strict=True))
    if mix in ("staff", "inactive"):
        return expected["outsider"]
    if name in BLIND_TO_LABELLED_CLIP:
        return GONE
    if name in HELD_BY_THE_ADJUDICATOR:
        return expected["labeller"]
    return min(expected["labeller"], expected["adjudicator"])  # a 2xx beats a 4xx


@pytest.mark.parametrize("mix", ["staff", "inactive", "dual"])
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_role_mixes(name, mix, world):
    from annotation.models import Membership

    if mix == "staff":
        user = UserFactory(username="staffer", is_staff=True)
    elif mix == "inactive":
        user = world["users"]["annotator"]
        Membership.objects.filter(user=user).update(is_active=False)
    else:
        user = world["users"]["labeller"]
        Membership.objects.create(project_id=Clip.objects.get(pk=world["ids"]["clip"]).project_id,
                                  user=user, role="adjudicator")  # fmt: skip
    method, template, body, _expected = MATRIX[name]
    client = APIClient()
    client.force_authenticate(user)
    response = getattr(client, method)(
        template.format(**world["ids"]), body, format="json", **HEADERS.get(name, {})
    )
    assert response.status_code == _mixed_expectation(name, mix), response.content
    if name in ("api-projects", "api-annotations") and mix != "dual":
        assert response.json()["results"] == []  # nothing of the project shows
