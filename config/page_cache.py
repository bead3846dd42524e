"""Whole pages for signed-out visitors, kept in the cache until what they show changes.

What a signed-out visitor sees on a page depends only on its address (host and scheme
included), the language, the time zone and the content: every visitor gets the same
HTML. So such a page is rendered once and kept under a key made of those and of the
*content versions* of its scopes
(`site`, the whole site: people's names and pictures; `community:<slug>`, everything in
one community). A write bumps the versions of what it touched (practices/page_versions.py
catches every save and delete of the models pages show), which gives the next request a
new key: an edit, a hide or a change of visibility shows at once, and the old entries
simply expire.

A version is bumped twice: at once, so that the writing transaction's own reads see
fresh pages, and again after the commit, so that a page rendered by another request from
the data before the commit is stored under a version nobody asks for any more.

CSRF tokens are per visitor. The stored copy holds a placeholder where a page carried
one, and every response fills in the visitor's own token (which also sets their CSRF
cookie, as rendering the page would have).

Pages are never stored for signed-in members, for htmx fragments, for anything other
than a plain 200, or when the request carries per-visitor state (messages waiting to be
shown, a session the view changed). If the cache is unreachable the page is rendered as
without it.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation

logger = logging.getLogger(__name__)

View = Callable[..., HttpResponse]

SITE = "site"
# The two places our pages carry a CSRF token: Django's hidden form field and htmx's
# request headers on <body>. A NUL byte never occurs in a page (input with one is refused).
_TOKEN = re.compile(rb'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[A-Za-z0-9]{64}')
_PLACEHOLDER = b"\x00csrf\x00"
_KEEP_HEADERS = ("Content-Type", "Link", "Cache-Control")


def community_scope(slug: str) -> str:
    return f"community:{slug}"


def _version_key(scope: str) -> str:
    return f"page-version:{scope}"


def _versions(scopes: Iterable[str]) -> list[str]:
    keys = [_version_key(scope) for scope in scopes]
    found = cache.get_many(keys)
    versions = []
    for key in keys:
        if key not in found:
            # A fresh start (or an evicted version) must never meet an old entry.
            cache.add(key, time.time_ns(), timeout=None)
            found[key] = cache.get(key)
        versions.append(str(found[key]))
    return versions


def _bump_now(scopes: Iterable[str]) -> None:
    for scope in scopes:
        key = _version_key(scope)
        try:
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, time.time_ns(), timeout=None)
        except Exception:  # noqa: BLE001 - an unreachable cache holds nothing to go stale
            logger.warning("page version not bumped", extra={"scope": scope})


def bump(*scopes: str) -> None:
    """Pages of these scopes change: now, and once more after the commit."""
    scopes = tuple(dict.fromkeys(scopes))
    if not scopes or not settings.ANONYMOUS_PAGE_CACHE_SECONDS:
        return
    _bump_now(scopes)
    transaction.on_commit(lambda: _bump_now(scopes))


def _shareable_request(request: HttpRequest) -> bool:
    return (
        settings.ANONYMOUS_PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and not request.user.is_authenticated
        and not getattr(request, "htmx", False)
        and not len(messages.get_messages(request))
    )


def _key(request: HttpRequest, scopes: Iterable[str]) -> str:
    parts = [
        # Pages may hold absolute links: one entry per host and scheme it was asked on.
        request.scheme,
        request.get_host(),
        request.get_full_path(),
        translation.get_language() or "",
        timezone.get_current_timezone_name(),
        *_versions(scopes),
    ]
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return f"page:{digest}"


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    session = getattr(request, "session", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not (session is not None and session.modified)
        and "private" not in response.get("Cache-Control", "")
        and not len(messages.get_messages(request))
    )


def _entry(response: HttpResponse) -> dict:
    headers = {name: response[name] for name in _KEEP_HEADERS if name in response}
    return {"content": _TOKEN.sub(rb"\1" + _PLACEHOLDER, response.content), "headers": headers}


def _served(request: HttpRequest, entry: dict) -> HttpResponse:
    content = entry["content"]
    if _PLACEHOLDER in content:
        content = content.replace(_PLACEHOLDER, get_token(request).encode())
    response = HttpResponse(content)
    for name, value in entry["headers"].items():
        response[name] = value
    return response


def shared_with_visitors(scopes_of: Callable[..., Iterable[str]]) -> Callable[[View], View]:
    """Serve a view's page to signed-out visitors from the cache.

    `scopes_of(**view_kwargs)` names the community scopes the page shows; the site scope
    is always included.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not _shareable_request(request):
                return view(request, *args, **kwargs)
            try:
                key = _key(request, (SITE, *scopes_of(**kwargs)))
                entry = cache.get(key)
            except Exception:  # noqa: BLE001 - without the cache, pages are rendered
                logger.warning("page cache unreachable", exc_info=True)
                return view(request, *args, **kwargs)
            if entry is not None:
                return _served(request, entry)
            response = view(request, *args, **kwargs)
            if _storable(request, response):
                try:
                    cache.set(key, _entry(response), settings.ANONYMOUS_PAGE_CACHE_SECONDS)
                except Exception:  # noqa: BLE001
                    logger.warning("page not stored", exc_info=True)
            return response

        return wrapped

    return decorator


def community_pages(*, slug: str, **_) -> tuple[str, ...]:
    """The scopes of a page inside one community."""
    return (community_scope(slug),)
