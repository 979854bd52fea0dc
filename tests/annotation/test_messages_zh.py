"""API errors speak the request's language: Simplified Chinese with ``Accept-Language:
zh-hans``, English by default (and for languages the platform does not offer). The error's
shape and the field it names stay the same. Needs the compiled catalogue (locale/*.mo)."""

import pytest
from rest_framework.test import APIClient

from clips.models import Clip
from factories import ClipFactory, ProjectFactory, member

pytestmark = pytest.mark.django_db

LABELS = {"basic7": "Joy", "goemotions": ["joy", "pride"], "intensity": 4}
ENGLISH_AND_CHINESE = [None, "fr", "zh-hans"]


def client_for(user, language: str | None) -> APIClient:
    client = APIClient(**({"HTTP_ACCEPT_LANGUAGE": language} if language else {}))
    client.force_authenticate(user)
    return client


def in_language(language: str | None, english: str, chinese: str) -> str:
    return chinese if language == "zh-hans" else english


@pytest.fixture
def project():
    return ProjectFactory(slug="demo")


@pytest.mark.parametrize("language", ENGLISH_AND_CHINESE)
def test_a_decision_without_rationale_is_refused_in_the_readers_language(project, language):
    ClipFactory(project=project, stage=Clip.Stage.DISPUTED)
    api = client_for(member(project, "adjudicator"), language)
    work = api.post("/api/projects/demo/disputes/next/").json()["assignment"]
    response = api.post(
        f"/api/assignments/{work['id']}/submit/", {"payload": LABELS}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": in_language(
                language,
                "say why: the rationale is kept with the gold label",
                "请说明理由：理由会与金标准标签一同保存",
            ),
            "field": "rationale",
        }
    }
    assert response["Content-Language"] == ("zh-hans" if language == "zh-hans" else "en")


@pytest.mark.parametrize("language", ENGLISH_AND_CHINESE)
def test_an_invalid_settings_patch_names_the_field_in_either_language(project, language):
    admin = client_for(member(project, "admin"), language)
    response = admin.patch(
        "/api/projects/demo/settings/",
        {"routing_rule": {"aggregator": "vibes", "accept_unanimous": True, "min_confidence": 0.9}},
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["field"] == "routing_rule.aggregator"  # field names are never translated
    assert error["message"] == in_language(
        language, "must be one of majority, dawid_skene", "必须是以下之一：majority, dawid_skene"
    )


@pytest.mark.parametrize("language", ENGLISH_AND_CHINESE)
def test_payload_errors_keep_their_values_and_translate_the_words(project, language):
    ClipFactory(project=project)
    api = client_for(member(project, "annotator"), language)
    work = api.post("/api/projects/demo/next/").json()["assignment"]
    submit = f"/api/assignments/{work['id']}/submit/"
    out_of_range = api.post(submit, {"payload": {**LABELS, "intensity": 9}}, format="json")
    assert out_of_range.json()["error"] == {
        "code": "invalid",
        "message": in_language(language, "must be between 1 and 5", "必须在 1 到 5 之间"),
        "field": "intensity",
    }
    not_a_label = api.post(submit, {"payload": {**LABELS, "basic7": "Bliss"}}, format="json")
    assert not_a_label.json()["error"]["message"] == in_language(
        language, "'Bliss' is not a label of basic7", "'Bliss' 不是 basic7 的标签"
    )


@pytest.mark.parametrize("language", ENGLISH_AND_CHINESE)
def test_conflicts_name_the_state_in_the_readers_language(project, language):
    ClipFactory(project=project)
    api = client_for(member(project, "annotator"), language)
    work = api.post("/api/projects/demo/next/").json()["assignment"]
    assert api.post(f"/api/assignments/{work['id']}/release/").status_code == 200
    draft = api.put(
        f"/api/assignments/{work['id']}/draft/", {"payload": {"basic7": "Joy"}}, format="json"
    )
    assert draft.status_code == 409
    assert draft.json()["error"] == {
        "code": "conflict",
        "message": in_language(
            language,
            "this assignment is released; drafts need an active one",
            "该任务当前为“已跳过”；只有进行中的任务才能保存草稿",
        ),
        "field": None,
    }


@pytest.mark.parametrize("language", ENGLISH_AND_CHINESE)
def test_release_option_errors_from_the_pure_pipeline_are_translated(project, language):
    admin = client_for(member(project, "admin"), language)
    bad_version = admin.post("/api/projects/demo/releases/", {"version": "v1"}, format="json")
    assert bad_version.status_code == 400
    assert bad_version.json()["error"] == {
        "code": "invalid",
        "message": in_language(
            language,
            "must be a semantic version such as 1.0.0",
            "必须是语义化版本号，例如 1.0.0",
        ),
        "field": "version",
    }
    bad_options = admin.post(
        "/api/projects/demo/releases/",
        {"version": "1.0.0", "options": {"tiers": ["gold"]}},
        format="json",
    )
    assert bad_options.status_code == 400
    assert bad_options.json()["error"] == {
        "code": "invalid",
        "message": in_language(language, "unknown tier(s): gold", "未知层级：gold"),
        "field": "options",
    }


def test_error_messages_are_plain_text_even_when_made_lazily():
    from django.utils.translation import gettext_lazy, override

    from annotation.errors import Invalid

    with override("zh-hans"):
        error = Invalid(gettext_lazy("required"), field="basic7")
    assert type(error.message) is str and error.message == "必填"
    assert str(error) == "必填"


@pytest.mark.parametrize("language", ENGLISH_AND_CHINESE)
def test_a_missing_role_is_named_in_the_readers_language(project, language):
    """The role itself stayed "annotator" in the Chinese message."""
    api = client_for(member(project, "adjudicator"), language)
    response = api.post("/api/projects/demo/next/")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == in_language(
        language,
        "this needs the annotator role in demo",
        "此操作需要在项目 demo 中拥有标注员角色",
    )
