"""The page a person sees when the database does not answer for a moment."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

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
