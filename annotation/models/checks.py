"""CHECK constraints written from the enums the fields take their choices from, so the database
refuses what the model's choices refuse, and both change together (a new member is a
migration)."""

from django.db import models
from django.db.models import Q


def one_of(
    field: str, choices: type[models.TextChoices], name: str, *, blank: bool = False
) -> models.CheckConstraint:
    """``field`` holds one of ``choices`` (or "" when the field may be ``blank``)."""
    values = [*choices.values, *([""] if blank else [])]
    return models.CheckConstraint(condition=Q(**{f"{field}__in": values}), name=name)
