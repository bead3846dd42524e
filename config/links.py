"""Absolute links for emails, feeds and anything read outside the site."""

from django.conf import settings
from django.urls import reverse


def absolute_url(path: str) -> str:
    """`path` on the public site (SITE_URL); full URLs are returned unchanged."""
    if path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL.rstrip("/") + path


def absolute_reverse(viewname: str, *args, **kwargs) -> str:
    """`reverse()` on the public site: the link an email or a feed carries."""
    return absolute_url(reverse(viewname, args=args or None, kwargs=kwargs or None))
