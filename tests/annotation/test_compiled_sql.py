"""Compiled SQL kept per shape (annotation/compiled_sql.py): a shape is compiled once, later
calls get their own values in the stand-ins' places, and what would change the text (a None,
a value written into the SQL) is refused rather than answered with the wrong statement."""

from datetime import UTC, datetime

import pytest
from django.db import connection

from annotation.compiled_sql import compiled, fetched
from annotation.models import Project
from clips.models import Clip
from factories import ClipFactory, ProjectFactory


def test_a_shape_is_compiled_once_and_filled_with_each_calls_values():
    builds = []

    def query(project, slug):
        return Project.objects.filter(pk=project, slug=slug, overlap_k=3)

    def build(v):
        builds.append(v)
        return query(v["project"], v["slug"]).query.sql_with_params()

    for project, slug in ((7, "a"), (8, "b")):
        got = compiled("test-shape", build, project=project, slug=slug)
        assert got == query(project, slug).query.sql_with_params()
    assert len(builds) == 2  # the first call's two stand-in compiles, then none


def test_a_datetime_is_filled_in_where_the_driver_takes_it_as_it_is():
    """PostgreSQL takes a datetime parameter as it is (the claim's lease times); SQLite's
    backend writes it as text, which the shape cannot map back to the value: refused there,
    never filled in wrongly."""

    def query(when):
        return Project.objects.filter(created_at__lt=when)

    def build(v):
        return query(v["when"]).query.sql_with_params()

    when = datetime(2026, 1, 2, tzinfo=UTC)
    if connection.vendor != "postgresql":
        with pytest.raises(ValueError, match="derived"):
            compiled("test-when", build, when=when)
        return
    for day in (when, when.replace(day=3)):
        assert compiled("test-when", build, when=day) == query(day).query.sql_with_params()


def test_none_where_an_int_was_compiled_is_a_new_shape_and_refused():
    def build(v):
        return Project.objects.filter(per_user_cap=v["cap"]).query.sql_with_params()

    compiled("test-none", build, cap=3)
    with pytest.raises(TypeError, match="key"):
        compiled("test-none", build, cap=None)


def test_a_value_written_into_the_text_is_refused():
    def build(v):
        return f"SELECT {v['n']}", ()

    with pytest.raises(ValueError, match="written into the SQL"):
        compiled("test-inlined", build, n=5)


def test_flags_belong_in_the_key():
    with pytest.raises(TypeError, match="key"):
        compiled("test-flag", lambda v: ("SELECT %s", (v["flag"],)), flag=True)


def test_a_parameter_computed_from_a_value_is_refused():
    with pytest.raises(ValueError, match="derived"):
        compiled("test-derived", lambda v: ("SELECT %s", (v["n"] + 1,)), n=5)


@pytest.mark.django_db
def test_fetched_instances_are_the_orms_with_their_related_objects():
    project = ProjectFactory(slug="fetched")
    clips = ClipFactory.create_batch(2, project=project)

    def query(pk):
        return Clip.objects.select_related("project").filter(pk=pk)

    for clip in clips:
        (got,) = fetched("test-fetched", lambda v: query(v["pk"]), pk=clip.pk)
        (orm,) = query(clip.pk)
        assert got == orm and got.external_id == orm.external_id
        assert "project" in got._state.fields_cache  # attached: no query to reach it
        assert got.project.label_schema == orm.project.label_schema  # JSON converted
    assert fetched("test-fetched", lambda v: query(v["pk"]), pk=10**9) == []
