"""The digest's "For you" entries say who did what on which post, with a link, in the
member's language, and only about people and posts the member may see."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communities import services as communities_services
from communities.models import Membership
from members.models import Channel, NotificationKind
from members.notifications import preferences_save
from practices import services as practices_services
from tests.builders import add_member, launch_community, share
from tests.factories import UserFactory

from .helpers import committed, digest_emails, send

pytestmark = pytest.mark.django_db


def in_digest(user, *kinds) -> None:
    """`user` gets `kinds` in the weekly digest instead of an email each."""
    preferences_save(
        user=user,
        channels=dict.fromkeys(kinds, Channel.DIGEST),
        digest_cadence="weekly",
        digest_included={},
    )


@pytest.fixture
def conversation():
    facilitator = UserFactory(display_name="Fay Facilitator", digest_cadence="off")
    community = launch_community(facilitator, name="Onboarding circle")
    author = add_member(community, UserFactory(display_name="Mia Member")).user
    anna = add_member(community, UserFactory(display_name="Anna Weber")).user
    in_digest(author, NotificationKind.REPLY, NotificationKind.MENTION)
    post = share(community, author, "Onboarding checklists")
    with committed():
        comment = practices_services.comment_create(
            post=post, author=anna, body="We print ours and tick it off together."
        )
    return community, author, anna, post, comment


def test_for_you_says_who_replied_to_which_post_with_a_link_in_english(conversation):
    _, author, _, post, comment = conversation
    mail.outbox.clear()

    send([author])

    [message] = digest_emails(author.email)
    text, html = message.body, message.alternatives[0].content
    assert "FOR YOU\n\n* Anna Weber replied to your post “Onboarding checklists”\n" in text
    assert "“We print ours and tick it off together.”" in text
    assert comment.get_absolute_url() in text
    assert (
        f'{comment.get_absolute_url()}" style="color:#1d5c57;">'
        "Anna Weber replied to your post “Onboarding checklists”</a>"
    ) in html
    assert "Replies to my posts and comments" not in text + html  # not the bare kind
    assert "Leave Onboarding circle out of my digest" in html


def test_for_you_reads_in_german_for_a_german_member(conversation):
    _, author, _, post, comment = conversation
    author.language = "de"
    author.save(update_fields=["language"])
    mail.outbox.clear()

    send([author])

    [message] = digest_emails(author.email)
    text, html = message.body, message.alternatives[0].content
    sentence = "Anna Weber hat auf Ihren Beitrag „Onboarding checklists“ geantwortet"
    assert f"FÜR SIE\n\n* {sentence}\n" in text
    assert "„We print ours and tick it off together.“" in text
    assert f'style="color:#1d5c57;">{sentence}</a>' in html
    assert "„We print ours and tick it off together.“" in html


def test_for_you_names_a_reply_to_a_comment_and_a_mention_apart(conversation):
    community, author, anna, post, comment = conversation
    other = add_member(community, UserFactory(display_name="Omar Okafor")).user
    in_digest(anna, NotificationKind.REPLY)
    anna.digest_cadence = "weekly"
    anna.save(update_fields=["digest_cadence"])
    with committed():
        practices_services.comment_create(
            post=post, author=other, body="Same here, @anna-weber.", parent=comment
        )
    mail.outbox.clear()

    send([anna])

    [message] = digest_emails(anna.email)
    assert "* Omar Okafor replied to your comment on “Onboarding checklists”" in message.body


def test_for_you_leaves_out_what_the_member_may_no_longer_see(conversation):
    _, author, anna, _, _ = conversation
    keeper = UserFactory(digest_cadence="off")
    secret = launch_community(keeper, name="Night shift circle", visibility="members")
    membership = add_member(secret, author)
    add_member(secret, anna)
    hidden_post = share(secret, author, "Private rota")
    with committed():
        practices_services.comment_create(post=hidden_post, author=anna, body="On nights too.")
    communities_services.membership_remove(membership=membership, by=keeper)
    mail.outbox.clear()

    send([author])

    [message] = digest_emails(author.email)
    everything = message.body + message.alternatives[0].content
    assert "Onboarding checklists" in everything
    assert "Private rota" not in everything
    assert "On nights too." not in everything


def test_for_you_costs_no_query_per_entry():
    """Actors and posts come with the notifications, for the whole batch: one member
    with an entry or three, the same queries."""

    def queries(count: int) -> int:
        community = launch_community(UserFactory(digest_cadence="off"), name=f"Circle of {count}")
        readers = [add_member(community, UserFactory()).user for _ in range(count)]
        replier = add_member(community, UserFactory(display_name="Anna Weber")).user
        for reader in readers:
            in_digest(reader, NotificationKind.REPLY)
            post = share(community, reader, f"Checklist of {reader.pk}")
            with committed():
                practices_services.comment_create(post=post, author=replier, body="Thanks!")
        mail.outbox.clear()
        with CaptureQueriesContext(connection) as captured:
            send(readers, period=f"weekly:2026-W{count + 10}")
        assert len(digest_emails()) == count
        assert all("* Anna Weber replied to your post “Checklist of" in m.body for m in mail.outbox)
        return len(captured)

    assert queries(1) == queries(3)


def test_the_author_of_a_post_shared_without_name_is_a_member_of_the_community_in_for_you():
    facilitator = UserFactory(display_name="Fay Facilitator", digest_cadence="off")
    community = launch_community(facilitator, name="Onboarding circle")
    communities_services.community_update(community=community, allows_unnamed_posts=True)
    author = add_member(community, UserFactory(display_name="Nina Nameless")).user
    # A member of long standing: "New members" would name her, as the member list does.
    Membership.objects.filter(user=author).update(joined_at=timezone.now() - timedelta(days=60))
    anna = add_member(community, UserFactory(display_name="Anna Weber")).user
    in_digest(anna, NotificationKind.REPLY)
    post = practices_services.post_create(
        community=community,
        author=author,
        kind="experience",
        data={
            "title": "A rota that failed",
            "tried": "A new rota.",
            "happened": "Nobody came.",
            "learned": "Ask first.",
            "outcome": "failed",
        },
        tags=[],
        shared_without_name=True,
    )
    with committed():
        question = practices_services.comment_create(post=post, author=anna, body="Why?")
        practices_services.comment_create(
            post=post, author=author, body="We never asked.", parent=question
        )
    mail.outbox.clear()

    send([anna])

    [message] = digest_emails(anna.email)
    text, html = message.body, message.alternatives[0].content
    assert "* A member of this community replied to your comment on “A rota that failed”" in text
    assert "Nina" not in text + html
