"""The events: one call from each service that something happened.

Each function decides who should hear about one kind of event and what the
notification says; `notify`/`notify_many` then leave out the actor, whoever heard
already and whoever may not see it now.
"""

from __future__ import annotations

from collections.abc import Sequence

from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from communities.models import CharterVersion, Invitation, Membership
from practices.models import Comment, Post, PostFollow, Reaction, TagFollow
from practices.playbook.models import PlaybookProposal

from ..models import NotificationKind as Kind
from ..models import User
from .core import notify, notify_many

EXCERPT_CHARS = 200


def _excerpt(text: str) -> str:
    return Truncator(" ".join((text or "").split())).chars(EXCERPT_CHARS)


def notify_comment_created(comment: Comment) -> None:
    """A new comment: the post's author hears of a reply (an answer, on a challenge),
    the author of the comment replied to hears of a reply."""
    post = comment.post
    context = {
        "actor": comment.author,
        "post": post,
        "comment": comment,
        "summary": _excerpt(comment.body),
        "url": comment.get_absolute_url(),
    }
    kind = Kind.ANSWER if post.is_challenge else Kind.REPLY
    notify(recipient=post.author, kind=kind, **context)
    if comment.parent_id is not None:
        notify(recipient=comment.parent.author, kind=Kind.REPLY, **context)


def notify_post_followers(comment: Comment) -> None:
    """Followers of the post hear of a new comment, unless they heard already (as the
    author, the person replied to, or someone mentioned)."""
    followers = User.objects.filter(
        pk__in=PostFollow.objects.filter(post_id=comment.post_id).values("user_id")
    )
    notify_many(
        followers,
        kind=Kind.FOLLOWED_POST,
        actor=comment.author,
        post=comment.post,
        comment=comment,
        summary=_excerpt(comment.body),
        url=comment.get_absolute_url(),
    )


def notify_mentions(
    *, post: Post, comment: Comment | None, author: User, users: Sequence[User]
) -> None:
    """People @mentioned for the first time in a post or comment."""
    target = comment or post
    notify_many(
        users,
        kind=Kind.MENTION,
        actor=author,
        post=post,
        comment=comment,
        summary=_excerpt(comment.body if comment else post.title),
        url=target.get_absolute_url(),
    )


def notify_tag_followers(post: Post) -> None:
    """A new post: people who follow one of its topics and may read the community."""
    followers = User.objects.filter(
        pk__in=TagFollow.objects.filter(tag__in=post.tags.all()).values("user_id")
    )
    # Who may read the post is decided by notify_many through Post.objects.visible_to.
    notify_many(
        followers,
        kind=Kind.FOLLOWED_TAG,
        actor=post.author,
        post=post,
        summary=_excerpt(post.title),
        url=post.get_absolute_url(),
    )


def notify_helpful(comment: Comment, *, by: User) -> None:
    """The author of an answer hears that it was marked helpful."""
    notify(
        recipient=comment.author,
        kind=Kind.HELPFUL,
        actor=by,
        post=comment.post,
        comment=comment,
        summary=_excerpt(comment.body),
        url=comment.get_absolute_url(),
    )


def notify_applied(reaction: Reaction) -> None:
    """The author of an experience hears that someone applied it."""
    post = reaction.post
    notify(
        recipient=post.author,
        kind=Kind.APPLIED,
        actor=reaction.user,
        post=post,
        summary=_excerpt(reaction.note),
        url=post.get_absolute_url(),
    )


def notify_membership_decision(membership: Membership, *, approved: bool, by: User) -> None:
    """The applicant hears the facilitators' decision and their message.

    The sentence is written in the applicant's language now: whether it was approved
    is not kept anywhere else on the notification.
    """
    user, community = membership.user, membership.community
    with translation.override(user.language):
        if approved:
            text = _("Your request to join %(name)s was approved.")
        else:
            text = _("Your request to join %(name)s was declined.")
        text %= {"name": community.name}
        if membership.decision_message.strip():
            text = _("%(decision)s Their message: %(message)s") % {
                "decision": text,
                "message": membership.decision_message.strip(),
            }
    notify(
        recipient=user,
        kind=Kind.MEMBERSHIP,
        actor=by,
        community=community,
        summary=Truncator(text).chars(300),
        url=community.get_absolute_url(),
    )


def notify_invitation(invitation: Invitation) -> bool:
    """Tell the account holder of an invited address, on the site and through their
    channel. Returns False when no member owns the address (verified): the caller
    then sends the invitation email itself."""
    owner_ids = EmailAddress.objects.filter(email__iexact=invitation.email, verified=True).values(
        "user_id"
    )
    user = User.objects.filter(pk__in=owner_ids, is_active=True).first()
    if user is None:
        return False
    notify(
        recipient=user,
        kind=Kind.INVITATION,
        actor=invitation.invited_by,
        community=invitation.community,
        invitation=invitation,
        summary=_excerpt(invitation.message),
        url=invitation.get_absolute_url(),
    )
    return True


def notify_charter_version(version: CharterVersion) -> None:
    """Members who have not accepted a new material charter version hear they must."""
    community = version.community
    members = User.objects.filter(
        memberships__community=community,
        memberships__status=Membership.Status.ACTIVE,
        memberships__accepted_charter_number__lt=version.number,
    )
    notify_many(
        members,
        kind=Kind.CHARTER,
        actor=version.published_by,
        community=community,
        summary=_excerpt(version.summary),
        url=reverse("communities:charter", args=[community.slug]),
    )


def notify_playbook_decision(proposal: PlaybookProposal, *, accepted: bool, by: User) -> None:
    """The member who proposed a playbook change hears whether a facilitator accepted
    it, and the reason when it was declined, in their own language."""
    user, community = proposal.proposer, proposal.community
    values = {"title": Truncator(proposal.title).chars(80), "name": community.name}
    with translation.override(user.language):
        if accepted:
            text = _("Your proposed change to the playbook page “%(title)s” was accepted.")
        else:
            text = _("Your proposed change to the playbook page “%(title)s” was declined.")
        text %= values
        if proposal.decision_reason.strip():
            text = _("%(decision)s Their message: %(message)s") % {
                "decision": text,
                "message": proposal.decision_reason.strip(),
            }
    url = proposal.get_absolute_url()
    if accepted and proposal.page is not None:
        url = proposal.page.get_absolute_url()
    notify(
        recipient=user,
        kind=Kind.PLAYBOOK,
        actor=by,
        community=community,
        summary=Truncator(text).chars(300),
        url=url,
    )
