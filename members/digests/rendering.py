"""The digest email, rendered in the member's language and time zone."""

from __future__ import annotations

from django.conf import settings
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from config.context_processors import site
from config.links import absolute_url

from ..emails import RenderedEmail, render_email
from ..models import User
from .selection import CommunitySection, Digest
from .unsubscribe import unsubscribe_url


def preferences_url() -> str:
    try:
        path = reverse("members:notification_settings")
    except NoReverseMatch:
        path = "/settings/notifications/"
    return absolute_url(path)


SectionKey = tuple


def _section_key(language: str, section: CommunitySection) -> SectionKey:
    """The same shared items in the same language render the same: the items come
    from the run's content cache, so their identities name them for the run."""
    return (
        language,
        section.community.id,
        section.more,
        *(
            tuple(id(item) for item in items)
            for items in (
                section.experiences,
                section.open_challenges,
                section.applied,
                section.new_members,
                section.playbook,
            )
        ),
    )


def _section_parts(
    section: CommunitySection, language: str, fragments: dict[SectionKey, tuple[str, str]] | None
) -> tuple[str, str]:
    """A community's part of the digest (HTML, text), rendered once per run for all
    members who get the same items in the same language."""
    key = _section_key(language, section) if fragments is not None else None
    if key is not None and key in fragments:
        return fragments[key]
    context = {"s": section, **site(None)}
    parts = (
        render_to_string("emails/digest/section.html", context),
        get_template("emails/digest/section.txt").template.render(
            Context(context, autoescape=False)
        ),
    )
    if key is not None:
        fragments[key] = parts
    return parts


def render_digest(
    user: User,
    digest: Digest,
    period: str,
    *,
    framed: bool = False,
    fragments: dict[SectionKey, tuple[str, str]] | None = None,
) -> RenderedEmail:
    """The digest email, in the member's language and time zone.

    `fragments` (the run's memo, `CommunityContentCache.fragments`) lets members who get
    the same community section share its rendering; without it each part is rendered.
    """
    cadence = period.split(":", 1)[0]
    names = digest.community_names
    language = user.language or settings.LANGUAGE_CODE
    context = {
        "user": user,
        "digest": digest,
        "cadence": cadence,
        "period": period,
        "subject_names": names[:2],
        "more_names": max(0, len(names) - 2),
        "sections": [],
        "unsubscribe_url": unsubscribe_url(user.pk),
        "preferences_url": preferences_url(),
        "preview_url": absolute_url(reverse("members:digest_preview")),
        "preview": framed,
    }
    with translation.override(language), timezone.override(user.time_zone):
        for section in digest.sections:
            html, text = _section_parts(section, language, fragments)
            context["sections"].append(
                {
                    "html": html,
                    "text": text,
                    "name": section.community.name,
                    "leave_out_url": unsubscribe_url(user.pk, section.community.id),
                }
            )
        return render_email("digest", context)
