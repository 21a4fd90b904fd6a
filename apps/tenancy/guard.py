"""Two rules every request passes before any view: no hostile text in, no private page cached.

Hostile text: a NUL character or bytes that are not UTF-8, anywhere in the
path, the query string or a form field. PostgreSQL refuses NUL in any text
value ("A string literal cannot contain NUL characters"), so such a value
reaching a query was a server error on every endpoint that looks something up
by it; SQLite stores it silently, which is why tests on SQLite never showed
it. Django itself replaces bytes that are not UTF-8 with U+FFFD, which would
then be stored as if the person had typed it. Neither is something a person
types or a browser sends, so the request is refused with a 400 and a plain
reason before any view runs (so nothing is written). File contents are not
looked at: uploads are binary and are judged by the document validator.

Private pages: every answer to a signed-in person, every page of a business
(``/t/<slug>/``) and every API answer carries ``Cache-Control: no-store``, so a
shared computer's browser cache or a proxy never keeps a copy of the books.
An answer that already says ``no-store`` is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render

NO_STORE = "private, no-store"
_NOT_ALLOWED = "contains characters that are not allowed (a NUL character or bytes that are not UTF-8)."


def _bad_bytes(raw: bytes) -> bool:
    if b"\x00" in raw:
        return True
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _wsgi_bytes(request: HttpRequest, key: str) -> bytes:
    # WSGI hands over the raw bytes decoded as ISO-8859-1; encoding back recovers them exactly.
    return str(request.META.get(key, "")).encode("iso-8859-1", errors="replace")


def _form_values(request: HttpRequest) -> Iterable[str]:
    for key, values in request.POST.lists():
        yield key
        yield from values


def hostile_input(request: HttpRequest) -> str | None:
    """Why the request must be refused, or None. Reads the body only of forms and JSON."""
    if _bad_bytes(unquote_to_bytes(_wsgi_bytes(request, "PATH_INFO"))) or "\x00" in request.path_info:
        return "The address " + _NOT_ALLOWED
    if _bad_bytes(unquote_to_bytes(_wsgi_bytes(request, "QUERY_STRING").replace(b"+", b" "))):
        return "The address's query " + _NOT_ALLOWED
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    content_type = request.content_type or ""
    if content_type == "application/x-www-form-urlencoded":
        if _bad_bytes(unquote_to_bytes(request.body.replace(b"+", b" "))):
            return "A form field " + _NOT_ALLOWED
    elif content_type == "multipart/form-data":
        try:
            if any("\x00" in value for value in _form_values(request)):
                return "A form field " + _NOT_ALLOWED
        except MultiPartParserError:
            return "The form could not be read; reload the page and try again."
    elif content_type.endswith("json") and (_bad_bytes(request.body) or b"\\u0000" in request.body):
        return "The JSON body " + _NOT_ALLOWED
    return None


def _is_private(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return (
        (user is not None and user.is_authenticated)
        or getattr(request, "tenant", None) is not None
        or request.path_info.startswith(("/t/", "/api/"))
    )


class RequestGuardMiddleware:
    """After authentication, before the views: refuse hostile text (400), mark private answers no-store."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reason = hostile_input(request)
        response = self.get_response(request) if reason is None else self._refuse(request, reason)
        if _is_private(request) and "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = NO_STORE
        return response

    @staticmethod
    def _refuse(request: HttpRequest, reason: str) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": reason, "code": "bad_input"}, status=400)
        return render(request, "errors/400.html", {"message": reason}, status=400)
