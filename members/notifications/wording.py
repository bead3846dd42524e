"""What a notification says, in the active language: headlines, excerpts, subjects."""

from __future__ import annotations

from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from practices import bylines
from practices.models import Post

from ..models import Notification
from ..models import NotificationKind as Kind
from .core import CONVERSATION_KINDS

TITLE_CHARS = 80


def title(post: Post | None) -> str:
    """The post's title, shortened for a sentence."""
    return Truncator(post.title).chars(TITLE_CHARS) if post else ""


def actor_name(notification: Notification) -> str:
    """Who acted, as shown in connection with the post: the author of a post shared
    without name is "a member of this community" (practices.bylines)."""
    n = notification
    if n.actor is None:
        return _("Someone")
    return capfirst(bylines.shown_name(n.post, n.actor))


def headline(notification: Notification) -> str:
    """One sentence saying what happened, in the active language."""
    n = notification
    return sentence(
        n.kind,
        actor=actor_name(n),
        title=n.post.title if n.post else "",
        community=n.community.name if n.community else "",
        to_post_author=bool(n.post and n.post.author_id == n.recipient_id),
        summary=n.summary,
    )


def sentence(
    kind: str, *, actor: str, title: str, community: str, to_post_author: bool, summary: str
) -> str:
    """`headline` from the plain values (a digest reads them in bulk for its batch):
    who (`actor`, "Someone" without one) did what on which post (`title`, shortened)."""
    values = {
        "actor": actor or _("Someone"),
        "title": Truncator(title).chars(TITLE_CHARS),
        "community": community,
    }
    if kind == Kind.REPLY:
        if to_post_author:
            return _("%(actor)s replied to your post “%(title)s”") % values
        return _("%(actor)s replied to your comment on “%(title)s”") % values
    if kind == Kind.ANSWER:
        return _("%(actor)s answered your challenge “%(title)s”") % values
    if kind == Kind.HELPFUL:
        return _("%(actor)s marked your answer on “%(title)s” as helpful") % values
    if kind == Kind.MENTION:
        return _("%(actor)s mentioned you in “%(title)s”") % values
    if kind == Kind.APPLIED:
        return _("%(actor)s applied your experience “%(title)s”") % values
    if kind == Kind.MEMBERSHIP:
        return summary or _("The facilitators of %(community)s decided on your request") % (values)
    if kind == Kind.PLAYBOOK:
        return summary or _("The facilitators of %(community)s decided on your proposal") % (values)
    if kind == Kind.INVITATION:
        return _("%(actor)s invited you to join %(community)s") % values
    if kind == Kind.CHARTER:
        return _("%(community)s published new rules: please read and accept them") % values
    if kind == Kind.FOLLOWED_POST:
        return _("%(actor)s commented on “%(title)s”, which you follow") % values
    if kind == Kind.FOLLOWED_TAG:
        return _("%(actor)s posted “%(title)s” in a topic you follow") % values
    return str(Kind(kind).label) if kind in Kind.values else kind


def short_headline(notification: Notification) -> str:
    """What happened, for a list under the post's title (an email folding several)."""
    n = notification
    values = {"actor": actor_name(n)}
    if n.kind == Kind.REPLY:
        return _("%(actor)s replied") % values
    if n.kind == Kind.ANSWER:
        return _("%(actor)s answered") % values
    if n.kind == Kind.HELPFUL:
        return _("%(actor)s marked your answer as helpful") % values
    if n.kind == Kind.MENTION:
        return _("%(actor)s mentioned you") % values
    if n.kind == Kind.APPLIED:
        return _("%(actor)s applied it") % values
    if n.kind == Kind.FOLLOWED_POST:
        return _("%(actor)s commented") % values
    return headline(n)


def excerpt(notification: Notification) -> str:
    """The quoted text under the headline (a comment, a note, a message), if any."""
    if notification.kind in (Kind.MEMBERSHIP, Kind.PLAYBOOK):
        return ""  # the decision sentence is the headline
    if notification.kind == Kind.FOLLOWED_TAG and notification.post_id:
        return ""  # the title is in the headline
    return notification.summary


def subject(items: list[Notification]) -> str:
    """The subject of an email about `items` (one, or several folded about one post)."""
    if len(items) == 1:
        return headline(items[0])
    values = {"count": len(items), "title": title(items[0].post)}
    if all(n.comment_id and n.kind in CONVERSATION_KINDS for n in items):
        return (
            ngettext(
                "%(count)d new reply on “%(title)s”",
                "%(count)d new replies on “%(title)s”",
                len(items),
            )
            % values
        )
    return (
        ngettext("%(count)d update on “%(title)s”", "%(count)d updates on “%(title)s”", len(items))
        % values
    )
