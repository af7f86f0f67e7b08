"""Who is locked out after failed logins, and whose failures a successful login forgets."""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def _failures(attempts):
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class LoginLockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler with a threshold per account and a higher one per address.

    - An account is locked after AXES_FAILURE_LIMIT failures, from any address.
    - An address is locked after LOGIN_ADDRESS_FAILURE_LIMIT failures, on any accounts (one
      password tried on many names).
    - A successful login forgets that account's failures, and nothing else. Axes' own reset also
      forgets every failure from the address, so anyone with an account could wipe his guesses at
      another account by logging in to his own, as often as he liked.

    An office behind one address keeps working: each person's typos are forgotten when that
    person gets the password right, so only failures nobody followed with a success add up
    towards the address's limit.
    """

    def get_failures(self, request, credentials=None):
        """The account's recent failures, or the account limit when the address is locked."""
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        account = _failures(recent.filter(username=get_client_username(request, credentials)))
        address = _failures(recent.filter(ip_address=request.axes_ip_address))
        if address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(account, get_failure_limit(request, credentials))
        return account

    def reset_user_attempts(self, request, credentials=None):
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count
