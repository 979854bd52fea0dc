"""Every field that takes its choices from an enum has a CHECK constraint written from that
enum (issue 18): the database refuses a value the model's choices refuse, whoever writes it
(a raw UPDATE, a bulk_create, a data migration)."""

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, models, transaction

from annotation.models import Assignment
from factories import ClipFactory, UserFactory

# Choices that do not come from an enum of ours: the interface languages are settings.
NOT_ENUMS = {("annotation", "UserProfile", "language")}


def choice_fields() -> list[tuple[type[models.Model], models.Field]]:
    return [
        (model, field)
        for app in ("annotation", "clips", "exports")
        for model in apps.get_app_config(app).get_models()
        for field in model._meta.concrete_fields
        if field.choices and (app, model.__name__, field.name) not in NOT_ENUMS
    ]


@pytest.mark.parametrize(
    ("model", "field"),
    choice_fields(),
    ids=[f"{m.__name__}.{f.name}" for m, f in choice_fields()],
)
def test_each_choice_field_has_a_check_constraint_from_its_choices(model, field):
    values = sorted(str(value) for value, _ in field.choices) + ([""] if field.blank else [])
    checks = [
        dict(c.condition.children)
        for c in model._meta.constraints
        if isinstance(c, models.CheckConstraint) and len(c.condition.children) == 1
    ]
    assert any(
        sorted(check.get(f"{field.name}__in", [None])) == sorted(values) for check in checks
    ), f"{model.__name__}.{field.name}: no CHECK ({field.name} IN {values})"


@pytest.mark.django_db
def test_the_database_refuses_a_status_outside_the_enum():
    clip = ClipFactory()
    lease = Assignment.objects.create(
        clip=clip, user=UserFactory(), expires_at="2030-01-01T00:00:00Z"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.filter(pk=lease.pk).update(status="stolen")
    with connection.cursor() as cursor:
        cursor.execute("select status from annotation_assignment where id = %s", [lease.pk])
        assert cursor.fetchone() == ("active",)
