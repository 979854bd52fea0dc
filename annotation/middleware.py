"""A signed-in user's chosen language wins over the cookie and the browser's, on any device."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from annotation.models import UserProfile

SESSION_KEY = "user_language"


def remember_language(request: HttpRequest, language: str) -> None:
    request.session[SESSION_KEY] = language


class UserLanguageMiddleware:
    """Runs after LocaleMiddleware and authentication. The profile is read once per session
    (then kept in it), so a language chosen on one device follows the user to the next."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            language = request.session.get(SESSION_KEY)
            if language is None:
                language = (
                    UserProfile.objects.filter(user=request.user)
                    .values_list("language", flat=True)
                    .first()
                ) or ""
                remember_language(request, language)
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)
