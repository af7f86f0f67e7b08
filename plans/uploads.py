"""Uploaded spreadsheets waiting between an import's preview and its confirmation, and
spreadsheet downloads.

A file waits in the database (so any of several app servers can confirm it) under a random
token that only the preview page knows, and is deleted once imported.
"""

import io
import secrets
from datetime import timedelta

from django.http import Http404, HttpResponse
from django.utils import timezone

from plans.models import PendingUpload
from plans.spreadsheet_cells import CsvWriter, dataset_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# A preview nobody confirmed leaves its file behind; such files go after a day.
UPLOAD_LIFETIME = timedelta(days=1)


def keep_upload(data):
    """Store the bytes until the import is confirmed; returns the token naming them."""
    PendingUpload.objects.filter(created_at__lt=timezone.now() - UPLOAD_LIFETIME).delete()
    token = secrets.token_urlsafe(24)
    PendingUpload.objects.create(token=token, data=data)
    return token


def stored_upload(token):
    """The bytes of a kept upload; 404 for an unknown, expired or malformed token."""
    upload = PendingUpload.objects.filter(
        token=str(token or "")[:64], created_at__gte=timezone.now() - UPLOAD_LIFETIME
    ).first()
    if upload is None:
        raise Http404("取込の準備が見つかりません。もう一度ファイルを選んでください。")
    return bytes(upload.data)


def discard_upload(token):
    """Forget a kept upload once it has been imported."""
    PendingUpload.objects.filter(token=str(token or "")[:64]).delete()


def xlsx_response(dataset, filename):
    response = HttpResponse(dataset_xlsx(dataset), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


def errors_csv_response(report, filename="import-errors.csv"):
    """An import's row errors as a CSV (UTF-8 with BOM, for Excel) to hand back to a department."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer, lineterminator="\r\n")
    writer.writerow(["行", "名称", "エラーの内容"])
    for row in report.errors:
        writer.writerow([row.number, row.name, " ".join(row.messages)])
    response = HttpResponse(("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response
