"""A user's interface preferences."""

from django.conf import settings
from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from annotation.errors import Invalid
from annotation.models import UserProfile


def user_language_set(*, user: User, language: str) -> UserProfile:
    if language not in dict(settings.LANGUAGES):
        raise Invalid(_("unknown language %(language)s") % {"language": language}, field="language")
    profile, _created = UserProfile.objects.update_or_create(
        user=user, defaults={"language": language}
    )
    return profile
