"""Uploaded spreadsheets waiting between an import's preview and its confirmation
(the flow is plans.imports).

A file waits in the database (so any of several app servers can confirm it) under a random
token that only the preview page knows, and is deleted once imported.
"""

import re
import secrets
from datetime import timedelta

from django.http import Http404
from django.utils import timezone

from plans.models import PendingUpload

# A preview nobody confirmed leaves its file behind; such files go after a day.
UPLOAD_LIFETIME = timedelta(days=1)
# What keep_upload makes (secrets.token_urlsafe); anything else is not looked up at all.
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")
NOT_FOUND = "取込の準備が見つかりません。もう一度ファイルを選んでください。"


def _token(token):
    token = str(token or "")
    if not TOKEN.fullmatch(token):
        raise Http404(NOT_FOUND)
    return token


def keep_upload(data):
    """Store the bytes until the import is confirmed; returns the token naming them."""
    PendingUpload.objects.filter(created_at__lt=timezone.now() - UPLOAD_LIFETIME).delete()
    token = secrets.token_urlsafe(24)
    PendingUpload.objects.create(token=token, data=data)
    return token


def stored_upload(token):
    """The bytes of a kept upload; 404 for an unknown, expired or malformed token."""
    upload = PendingUpload.objects.filter(
        token=_token(token), created_at__gte=timezone.now() - UPLOAD_LIFETIME
    ).first()
    if upload is None:
        raise Http404(NOT_FOUND)
    return bytes(upload.data)


def discard_upload(token):
    """Forget a kept upload once it has been imported."""
    PendingUpload.objects.filter(token=_token(token)).delete()
