"""Every file the portal hands out goes through download_response(): one place for the file
name (Japanese included), the content type, attachment or inline, and who may keep a copy.

The file name is sent twice, as RFC 6266 advises: `filename*` (RFC 5987: UTF-8, percent-encoded)
for today's browsers and a plain ASCII `filename` for software that reads only that one.
"""

import re
import unicodedata
from urllib.parse import quote

from django.http import HttpResponse

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "zip": "application/zip",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
# What a login protects must not stay in a shared proxy or on the office computer's disk.
PRIVATE = "private, no-store"
# Open data is the same for everyone; a proxy may keep it for a while (values change only
# when the plan office approves).
PUBLIC = "public, max-age=600"

# Characters that may not stand in a quoted `filename` (and path separators, for safety).
_NOT_PLAIN = re.compile(r'[^\x20-\x7e]|["\\/]')
# Characters Windows refuses in a file name (and control characters).
_NOT_IN_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


def safe_filename(name):
    """`name` (a plan's title, a department's: typed freely in the admin) as a file name that
    every system saves: the characters Windows refuses become "_"."""
    return _NOT_IN_NAMES.sub("_", name)


def ascii_filename(filename):
    """The file name for software that does not read `filename*`: ASCII, e.g. `2025_.xlsx`."""
    stem, dot, extension = unicodedata.normalize("NFKC", filename).rpartition(".")
    if not dot:
        stem, extension = extension, ""
    stem = re.sub(r"_+", "_", _NOT_PLAIN.sub("_", stem)).strip("_ ") or "download"
    extension = _NOT_PLAIN.sub("", extension)
    return f"{stem}.{extension}" if extension else stem


def content_disposition(filename, *, inline=False, fallback=None):
    """`attachment; filename="..."; filename*=UTF-8''...` (or inline), always ASCII; the
    ASCII `filename` is `fallback` when given (a Japanese name keeps little of itself)."""
    disposition = "inline" if inline else "attachment"
    fallback = ascii_filename(fallback or filename)
    header = f'{disposition}; filename="{fallback}"'
    if fallback != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header


def download_response(content, *, filename, kind=None, inline=False, public=False, fallback=None):
    """A response that hands out `content` (bytes or text) as the file `filename`.

    `kind` (xlsx, csv, json, zip, docx) sets the content type; by default the name's extension.
    Files are private unless `public` (published open data): never stored by a cache.
    `fallback` is the ASCII name for software that does not read a Japanese one.
    """
    kind = kind or filename.rpartition(".")[2].lower()
    if kind not in CONTENT_TYPES:
        raise ValueError(f"unknown download kind: {kind!r}")
    response = HttpResponse(content, content_type=CONTENT_TYPES[kind])
    response["Content-Disposition"] = content_disposition(
        filename, inline=inline, fallback=fallback
    )
    response["Cache-Control"] = PUBLIC if public else PRIVATE
    return response
