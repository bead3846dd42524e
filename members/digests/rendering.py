"""The digest email, rendered in the member's language and time zone."""

from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from config.links import absolute_url

from ..emails import RenderedEmail, render_email
from ..models import User
from .selection import Digest
from .unsubscribe import unsubscribe_url


def preferences_url() -> str:
    try:
        path = reverse("members:notification_settings")
    except NoReverseMatch:
        path = "/settings/notifications/"
    return absolute_url(path)


def render_digest(
    user: User, digest: Digest, period: str, *, framed: bool = False
) -> RenderedEmail:
    """The digest email, in the member's language and time zone."""
    cadence = period.split(":", 1)[0]
    names = digest.community_names
    context = {
        "user": user,
        "digest": digest,
        "cadence": cadence,
        "period": period,
        "subject_names": names[:2],
        "more_names": max(0, len(names) - 2),
        "sections": [
            {"section": s, "leave_out_url": unsubscribe_url(user.pk, s.community.id)}
            for s in digest.sections
        ],
        "unsubscribe_url": unsubscribe_url(user.pk),
        "preferences_url": preferences_url(),
        "preview_url": absolute_url(reverse("members:digest_preview")),
        "preview": framed,
    }
    language = user.language or settings.LANGUAGE_CODE
    with translation.override(language), timezone.override(user.time_zone):
        return render_email("digest", context)
