"""The audit log: every workflow action, with who, what and when, on the standard log.

Lines go to the "portal.audit" logger, which settings.LOGGING writes as JSON. An action is
logged only once its transaction has committed, so a refused or rolled-back change never
appears as done.
"""

import logging

from django.db import transaction

logger = logging.getLogger("portal.audit")


def audit(action, *, user, plan, fiscal_year=None, obj=None, **fields):
    """Log `action` (e.g. "entry.submit") on `obj` of `plan`'s `fiscal_year` by `user`."""
    record = {
        "action": action,
        "user": user.get_username() if user else None,
        "user_id": user.pk if user else None,
        "plan": plan.code,
        "fiscal_year": fiscal_year,
    }
    if obj is not None:
        record["object"] = obj._meta.label
        record["object_id"] = obj.pk
    record.update(fields)
    where = f"{record['object']}:{record['object_id']} " if obj is not None else ""
    year = f" FY{fiscal_year}" if fiscal_year else ""
    message = f"{action} {where}{plan.code}{year} by {record['user']}"
    # Under one key, so that no field can collide with the LogRecord's own attributes.
    transaction.on_commit(lambda: logger.info(message, extra={"audit": record}))
