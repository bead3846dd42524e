"""The events that create notifications: who hears about what, once, and only what they may see."""

from communities import services as community_services
from communities.models import Membership
from members import notifications
from members.models import Notification, OutboundEmail
from practices import services
from practices.services import member_handle
from tests.builders import launch_community
from tests.factories import UserFactory

from .helpers import EXPERIENCE, emails_to, join, later, notes


def test_a_comment_tells_the_post_author_and_not_the_commenter(experience, author, commenter):
    comment = services.comment_create(post=experience, author=commenter, body="We do this too.")

    (note,) = notes(author)
    assert (note.kind, note.actor, note.post, note.comment) == (
        "reply",
        commenter,
        experience,
        comment,
    )
    assert note.url == comment.get_absolute_url()
    assert note.summary == "We do this too."
    assert notes(commenter) == []


def test_commenting_on_your_own_post_tells_nobody(experience, author):
    services.comment_create(post=experience, author=author, body="An update from me.")

    assert Notification.objects.count() == 0


def test_a_reply_tells_the_author_of_the_comment_replied_to(
    community, experience, author, commenter
):
    first = services.comment_create(post=experience, author=commenter, body="Which ward?")
    replier = join(community).user

    reply = services.comment_create(post=experience, author=replier, body="Ours.", parent=first)

    assert [n.comment for n in notes(commenter, "reply")] == [reply]
    assert [n.comment for n in notes(author, "reply")] == [first, reply]
    assert notes(replier) == []


def test_a_comment_on_a_challenge_is_an_answer_for_its_author(challenge, author, commenter):
    services.comment_create(post=challenge, author=commenter, body="A checklist at the bed.")

    assert [n.kind for n in notes(author)] == ["answer"]


def test_an_answer_marked_helpful_tells_its_author(challenge, author, commenter):
    answer = services.comment_create(post=challenge, author=commenter, body="Try a checklist.")

    services.comment_mark_helpful(comment=answer, by=author)
    services.comment_mark_helpful(comment=answer, by=author, helpful=False)
    services.comment_mark_helpful(comment=answer, by=author)

    (note,) = notes(commenter, "helpful")
    assert note.actor == author and note.comment == answer
    assert notes(author, "helpful") == []


def test_a_mention_tells_the_member_mentioned_once(community, experience, author, commenter):
    named = join(community, UserFactory(display_name="Mina Mentioned")).user
    comment = services.comment_create(
        post=experience, author=commenter, body=f"@{member_handle(named)} saw this on her ward."
    )
    services.comment_update(
        comment=comment, editor=commenter, body=f"@{member_handle(named)} saw this too."
    )

    (note,) = notes(named)
    assert (note.kind, note.comment, note.actor) == ("mention", comment, commenter)
    assert [n.kind for n in notes(author)] == ["reply"]


def test_a_mention_of_the_post_author_is_one_notification(experience, author, commenter):
    services.comment_create(post=experience, author=commenter, body=f"@{member_handle(author)} yes")

    assert [n.kind for n in notes(author)] == ["reply"]


def test_a_mention_in_a_new_post_tells_the_member(community, author):
    named = join(community, UserFactory(display_name="Mina Mentioned")).user
    data = {**EXPERIENCE, "learned": f"Ask @{member_handle(named)}, she started it."}

    post = services.post_create(community=community, author=author, kind="experience", data=data)

    (note,) = notes(named)
    assert (note.kind, note.post, note.comment, note.actor) == ("mention", post, None, author)


def test_i_applied_this_tells_the_author_once(community, experience, author, commenter):
    for active in (True, False, True):
        services.reaction_set(
            post=experience, user=commenter, kind="applied", active=active, note="It worked"
        )
    services.reaction_set(post=experience, user=commenter, kind="helpful", active=True)

    (note,) = notes(author)
    assert (note.kind, note.actor, note.summary) == ("applied", commenter, "It worked")


def test_membership_decisions_tell_the_applicant(facilitator):
    community = launch_community(facilitator, name="On request", join_policy="request")
    approved, declined = UserFactory(), UserFactory()
    requests = [
        community_services.membership_request(
            community=community, user=user, answers=[], accepted_rules=True
        )
        for user in (approved, declined)
    ]

    community_services.membership_approve(membership=requests[0], by=facilitator, message="Hi!")
    community_services.membership_decline(membership=requests[1], by=facilitator, message="Sorry")

    (yes,) = notes(approved)
    (no,) = notes(declined)
    assert yes.kind == no.kind == "membership"
    assert "was approved" in yes.summary and "Hi!" in yes.summary
    assert "was declined" in no.summary and "Sorry" in no.summary
    assert notes(facilitator, "membership") == []
    # One email each, from the notification: no second, direct one.
    notifications.send_notification_emails(now=later())
    assert [len(emails_to(approved)), len(emails_to(declined))] == [1, 1]
    assert "Hi!" in emails_to(approved)[0].body_text


def test_an_invitation_notifies_an_account_holder_and_emails_anyone_else(community, facilitator):
    invitee = UserFactory(email="invitee@practica.test")

    invitations = community_services.invitations_create(
        community=community, by=facilitator, emails=[invitee.email, "newcomer@example.org"]
    )

    (note,) = notes(invitee)
    assert note.kind == "invitation" and note.url == invitations[0].get_absolute_url()
    assert emails_to(invitee) == []
    assert OutboundEmail.objects.filter(to="newcomer@example.org", kind="invitation").exists()
    notifications.send_notification_emails(now=later())
    (email,) = emails_to(invitee)
    assert invitations[0].get_absolute_url() in email.body_text


def test_an_invitation_to_a_hidden_community_still_reaches_the_member(facilitator):
    community = launch_community(facilitator, name="Quiet room", visibility="hidden")
    invitee = UserFactory()

    community_services.invitations_create(
        community=community, by=facilitator, emails=[invitee.email]
    )

    assert [n.kind for n in notes(invitee)] == ["invitation"]


def test_a_material_charter_version_tells_members_who_must_accept_it(community, facilitator):
    member = join(community).user
    community_services.rule_add(community=community, title="Ask before you copy")

    community_services.charter_publish(community=community, by=facilitator, is_material=False)
    assert notes(member) == []
    community_services.charter_publish(
        community=community, by=facilitator, is_material=True, summary="Credit your sources"
    )

    (note,) = notes(member)
    assert (note.kind, note.community, note.summary) == (
        "charter",
        community,
        "Credit your sources",
    )
    assert notes(facilitator) == []


def test_followers_of_a_post_hear_of_new_comments_unless_told_already(
    community, experience, author, commenter
):
    follower, named = join(community).user, join(community).user
    for user in (follower, named):
        services.post_follow_set(post=experience, user=user, active=True)

    comment = services.comment_create(
        post=experience, author=commenter, body=f"Thanks @{member_handle(named)}!"
    )

    assert [(n.kind, n.comment) for n in notes(follower)] == [("followed_post", comment)]
    assert [n.kind for n in notes(named)] == ["mention"]
    assert [n.kind for n in notes(author)] == ["reply"]
    assert notes(commenter) == []


def test_followers_of_a_topic_hear_of_new_posts_they_can_read(facilitator):
    public = launch_community(facilitator, name="Open ward")
    closed = launch_community(facilitator, name="Closed ward", visibility="members")
    writer, member, outsider = UserFactory(), UserFactory(), UserFactory()
    for community in (public, closed):
        join(community, writer)
    join(closed, member)
    for user in (member, outsider, writer):
        services.tag_follow_set(tag=_tag("handover"), user=user, active=True)

    services.post_create(
        community=public, author=writer, kind="experience", data=EXPERIENCE, tags=["handover"]
    )
    in_closed = services.post_create(
        community=closed, author=writer, kind="experience", data=EXPERIENCE, tags=["handover"]
    )

    assert [n.kind for n in notes(outsider)] == ["followed_tag"]
    assert [(n.kind, n.post) for n in notes(member)][-1] == ("followed_tag", in_closed)
    assert Notification.objects.filter(recipient=outsider, post=in_closed).count() == 0
    assert notes(writer) == []


def test_nobody_hears_about_a_post_they_can_no_longer_read(facilitator):
    community = launch_community(facilitator, name="Closed ward", visibility="members")
    author, commenter = join(community).user, join(community).user
    post = services.post_create(
        community=community, author=author, kind="experience", data=EXPERIENCE
    )
    community_services.membership_leave(membership=Membership.objects.get(user=author))

    services.comment_create(post=post, author=commenter, body="Anyone?")

    assert notes(author) == []


def test_drafts_notify_nobody_until_published(community, author):
    named = join(community, UserFactory(display_name="Mina Mentioned")).user
    data = {**EXPERIENCE, "learned": f"Thanks @{member_handle(named)}"}
    draft = services.post_create(
        community=community, author=author, kind="experience", data=data, publish=False
    )
    assert notes(named) == []

    services.post_update(post=draft, editor=author, data={}, publish=True)

    assert [n.kind for n in notes(named)] == ["mention"]


def _tag(name: str):
    from taggit.models import Tag

    return Tag.objects.get_or_create(name=name, slug=name)[0]


def test_an_answer_that_mentions_the_challenge_author_is_an_answer_and_a_mention(
    challenge, author, commenter
):
    answer = services.comment_create(
        post=challenge, author=commenter, body=f"@{member_handle(author)} try a checklist."
    )

    assert sorted((n.kind, n.comment) for n in notes(author)) == [
        ("answer", answer),
        ("mention", answer),
    ]
