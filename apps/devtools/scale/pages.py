"""Which pages the scale benchmark requests: every GET route of the portal and the staff console, from the URLconf.

Why walk the URLconf instead of listing pages: a page added tomorrow is timed tomorrow. A route's converters are
filled with real ids from the seeded business (its open VAT period, the box and account with the most lines, a
posted and a review document, an entry); a route whose value the seed does not make (a token, an invitation, a
chaos run) or that only acts (POST) is left out, and the table says how many were.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from fnmatch import fnmatchcase

from django.urls import URLPattern, URLResolver, get_resolver

CONVERTER = re.compile(r"<(?:(?P<kind>[a-z]+):)?(?P<name>\w+)>")
PREFIXES = ("t/<slug:tenant_slug>/", "staff/", "metrics")
# Routes that only act on a POST, or stream a stored file (the seed stores no files): never timed as pages.
ACTION_WORDS = (
    "approve", "deny", "end", "review/items", "break-glass", "request", "decide", "retry", "erase", "link",
    "download", "run", "clear", "revoke", "remove", "role", "archive", "reopen", "restore", "file", "pages",
    "ignore", "match", "post", "import", "reverse", "attachment", "deactivate", "reactivate", "rename", "add",
    "sync", "connect", "disconnect", "callback", "send-for-approval", "return-to-draft", "skip", "continue",
    "finish", "check", "invite", "export", "upload", "manual", "degraded", "evidence",
)  # fmt: skip


@dataclass(frozen=True)
class Page:
    route: str  # the URLconf route with its converters
    path: str  # filled in with real values; "{slug}" stays for the business being measured
    staff: bool


def routes(resolvers=None, prefix: str = "") -> list[str]:
    """Every route as a string with its converters (the same walk as the URL fuzz test)."""
    out: list[str] = []
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        route = getattr(entry.pattern, "_route", None)
        if route is None:
            continue  # regular-expression routes (the admin's app index) are not portal pages
        if isinstance(entry, URLResolver):
            out.extend(routes(entry.url_patterns, prefix + route))
        elif isinstance(entry, URLPattern):
            out.append(prefix + route)
    return sorted(set(out))


def _is_action(route: str) -> bool:
    tail = CONVERTER.sub("", route).strip("/").split("/")
    return any(word in ACTION_WORDS for word in tail[-1:]) or route.endswith((".png", "/file/"))


def pages(values: dict[str, str]) -> tuple[list[Page], list[str]]:
    """(pages to time, routes left out). ``values`` maps converter names to real values ("{slug}" for the slug)."""
    chosen, left = [], []
    for route in routes():
        if not route.startswith(PREFIXES) or _is_action(route):
            continue
        names = [m["name"] for m in CONVERTER.finditer(route)]
        if any(n not in values for n in names):
            left.append(route)
            continue
        path = "/" + CONVERTER.sub(lambda m: values[m["name"]], route)
        chosen.append(Page(route=route, path=path, staff=not route.startswith("t/")))
    return chosen, left


def selected(chosen: list[Page], patterns: Collection[str]) -> list[Page]:
    """The pages whose route or path matches one of ``patterns`` (shell-style: ``staff/filing/*``); all if none.

    Why: re-measuring the few pages a change touches takes seconds, the whole table minutes.
    """
    if not patterns:
        return chosen
    wanted = [p.strip().strip("/") for p in patterns if p.strip()]

    def names(page: Page) -> tuple[str, ...]:  # "staff/filing/*" also names "staff/filing/" itself
        route, path = page.route.strip("/"), page.path.strip("/")
        return route, route + "/", path, path + "/"

    return [page for page in chosen if any(fnmatchcase(n, w) for n in names(page) for w in wanted)]
