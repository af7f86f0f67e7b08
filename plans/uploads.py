"""Uploaded spreadsheets waiting between an import's preview and its confirmation, and
spreadsheet downloads.

A file waits in a private folder under a random name that only the preview page knows, and is
deleted once imported.
"""

import csv
import io
import secrets
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload_folder():
    folder = Path(getattr(settings, "IMPORT_UPLOAD_DIR", "") or tempfile.gettempdir())
    folder = folder / "okayama_kyodo_imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# A preview nobody confirmed leaves its file behind; such files go after a day.
UPLOAD_LIFETIME_SECONDS = 24 * 60 * 60


def keep_upload(data):
    """Store the bytes until the import is confirmed; returns the token naming them."""
    folder = upload_folder()
    now = time.time()
    for old in folder.iterdir():
        if now - old.stat().st_mtime > UPLOAD_LIFETIME_SECONDS:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    (folder / token).write_bytes(data)
    return token


def stored_upload(token):
    """The path of a kept upload; 404 for an unknown or malformed token."""
    if not token or not token.replace("-", "").replace("_", "").isalnum():
        raise Http404("取込の準備が見つかりません。")
    path = upload_folder() / token
    if not path.exists():
        raise Http404("取込の準備が見つかりません。もう一度ファイルを選んでください。")
    return path


def xlsx_response(dataset, filename):
    response = HttpResponse(dataset.export("xlsx"), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


def errors_csv_response(report, filename="import-errors.csv"):
    """An import's row errors as a CSV (UTF-8 with BOM, for Excel) to hand back to a department."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["行", "名称", "エラーの内容"])
    for row in report.errors:
        writer.writerow([row.number, row.name, " ".join(row.messages)])
    response = HttpResponse(("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response
