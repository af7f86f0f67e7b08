"""The page a person sees when the database does not answer for a moment, and what browsers
and proxies may keep."""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control

logger = logging.getLogger("portal.database")

RETRY_AFTER_SECONDS = 30


class DatabaseUnavailableMiddleware:
    """Answer 503 with a Japanese page and Retry-After when the database cannot be reached.

    A restart or failover of PostgreSQL lasts seconds: the person should learn that the
    portal is briefly unavailable and that trying again will work, not that it is broken
    (500), and a load balancer or monitor should see a temporary condition. Only the errors
    of an unreachable or dropped connection (OperationalError, InterfaceError) are
    answered so; a constraint or programming error stays a 500.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.error("database unavailable: %s %s", request.method, request.path, exc_info=True)
        # Rendered without a request context: that would read the session from the database.
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


# Published on purpose and the same for everyone: a visitor's copy may be kept by a browser or a
# proxy. Everything else is private.
PUBLIC_VIEWS = {
    "plans:plan_list",
    "plans:plan_detail",
    "plans:open_csv",
    "plans:open_projects_csv",
    "plans:open_json",
    "plans:open_data_dictionary",
}


class PrivateResponsesNotStoredMiddleware:
    """`Cache-Control: private, no-store` on every response but a published page for a visitor.

    Pages and files behind the login must not stay in a shared computer's browser cache or a
    proxy. A person with a session cookie (logged in, or about to be) gets no stored copy of
    anything, published pages included: they show the person's name and carry a CSRF token.
    Deciding by the cookie, not by `request.user`, needs no database: the 503 page still gets
    its header while the database is away.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = request.resolver_match
        public = (
            match is not None
            and match.view_name in PUBLIC_VIEWS
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not response.cookies
        )
        if not public:
            patch_cache_control(response, private=True, no_store=True)
        return response
