"""Sign-in throttling with django-axes: failed sign-ins are counted in the database (shared by
every web process), by account and by address, on every route that signs in through
``django.contrib.auth.authenticate`` — the API token, the site's login page and the admin's.

Once an account or an address reaches ``LOGIN_FAILURE_LIMIT`` failures within
``LOGIN_COOLOFF_MINUTES``, every sign-in for it is refused, the right password included,
until the cool-off has passed (each attempt meanwhile starts it again; axes' default).
"""

import ipaddress
import math
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext


class SignInThrottleBackend(AxesStandaloneBackend):
    """First in ``AUTHENTICATION_BACKENDS``: refuses a locked-out account or address before
    ``ModelBackend`` looks at the password.

    axes' own backend raises when it is called without a request. Such a call is code running
    on the server (the test client's ``login()``, a shell), not a sign-in over HTTP — every
    HTTP route here (Django's login views, DRF's token serializer) passes its request — so
    there is nothing to count and the next backend decides.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def client_address(request: HttpRequest) -> str | None:
    """The address a sign-in is counted against (``AXES_CLIENT_IP_CALLABLE``).

    Directly exposed (``TRUSTED_PROXY_COUNT=0``, the default) it is the socket's peer and
    X-Forwarded-For is ignored: a client could write anything there. Behind N reverse proxies
    each appends the address it received from, so the client's is the N-th entry from the
    right; entries further left were written by the client and are never trusted. Without it,
    every client would share the proxy's address and one person's typos would lock out all.
    """
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < proxies:  # fewer hops than configured proxies: do not guess
        return remote
    try:
        return str(ipaddress.ip_address(hops[-proxies]))
    except ValueError:
        return remote


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """What a locked-out sign-in gets (``AXES_LOCKOUT_CALLABLE``), on every route.

    429 Too Many Requests, not 403: the credentials may well be right and the caller may
    sign in later; 403 in this API means "a member without the role". ``Retry-After`` says
    when. The API answers with its one error body, code ``locked_out``; the pages with the
    sign-in page's look and the message in the reader's language.
    """
    cool_off = get_cool_off(request)
    seconds = max(1, math.ceil(cool_off.total_seconds())) if cool_off else 3600
    minutes = max(1, math.ceil(seconds / 60))
    message = ngettext(
        "Too many failed sign-in attempts. Try again in %(minutes)d minute; "
        "each attempt before then starts the wait again.",
        "Too many failed sign-in attempts. Try again in %(minutes)d minutes; "
        "each attempt before then starts the wait again.",
        minutes,
    ) % {"minutes": minutes}
    response: HttpResponse
    if request.path_info.startswith("/api/"):
        body = {"error": {"code": "locked_out", "message": message, "field": None}}
        response = JsonResponse(body, status=429)
    else:
        response = render(request, "registration/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(seconds)
    return response
