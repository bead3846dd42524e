import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from communities import services as community_services
from communities.models import Membership
from practices import services
from practices.models import Comment, Mention, Post, PostFollow, PostRevision, Reaction
from tests.builders import add_member
from tests.factories import UserFactory

EXPERIENCE = {
    "title": "Bedside handover with the patient",
    "tried": "We moved the handover to the bedside.",
    "happened": "Patients corrected two mistakes in the first week.",
    "learned": "Patients are the best check on a handover.",
}


# --- Drafts and publishing ------------------------------------------------------------


def test_a_draft_needs_only_a_title_and_stays_with_its_author(community, member, other_member):
    draft = services.post_create(
        community=community,
        author=member,
        kind=Post.Kind.EXPERIENCE,
        data={"title": "Half an idea"},
        publish=False,
    )
    assert draft.status == Post.Status.DRAFT and draft.published_at is None
    assert list(Post.objects.drafts_of(member)) == [draft]
    assert not Post.objects.drafts_of(other_member).exists()
    assert not Post.objects.visible_to(other_member).filter(pk=draft.pk).exists()
    assert not Post.objects.visible_to(member).filter(pk=draft.pk).exists()  # not in feeds
    with pytest.raises(ValidationError, match="at least a title"):
        services.post_create(
            community=community, author=member, kind="experience", data={}, publish=False
        )


def test_publishing_requires_the_essentials_of_each_kind(community, member):
    with pytest.raises(ValidationError, match="what I learned"):
        services.post_create(
            community=community,
            author=member,
            kind=Post.Kind.EXPERIENCE,
            data={**EXPERIENCE, "learned": "  "},
        )
    with pytest.raises(ValidationError, match="situation"):
        services.post_create(
            community=community,
            author=member,
            kind=Post.Kind.CHALLENGE,
            data={"title": "How do you…?"},
        )
    assert not Post.objects.exists()


def test_publishing_a_draft_dates_it_and_records_no_revision(community, member):
    draft = services.post_create(
        community=community,
        author=member,
        kind=Post.Kind.EXPERIENCE,
        data={"title": "Bedside handover"},
        publish=False,
    )
    with pytest.raises(ValidationError):
        services.post_update(post=draft, editor=member, data={}, publish=True)
    post = services.post_update(post=draft, editor=member, data=EXPERIENCE, publish=True)
    assert post.status == Post.Status.PUBLISHED and post.published_at is not None
    assert post.edited_at is None
    assert not PostRevision.objects.filter(post=post).exists()
    assert Post.objects.visible_to(AnonymousUser()).filter(pk=post.pk).exists()


def test_editing_a_published_post_keeps_the_previous_version(experience, member):
    services.post_update(post=experience, editor=member, data={"title": experience.title})
    assert not experience.revisions.exists()  # nothing changed, nothing recorded

    post = services.post_update(
        post=experience,
        editor=member,
        data={"learned": "Patients notice what we leave out."},
        tags=["handover", "patients"],
    )
    revision = post.revisions.get()
    assert revision.content["learned"] == "A physical prompt beats a form on the computer."
    assert revision.content["tags"] == ["handover", "sbar"]
    assert revision.editor == member
    assert post.edited_at is not None
    assert sorted(post.tags.names()) == ["handover", "patients"]


def test_only_the_author_edits_or_deletes_a_post(experience, other_member, facilitator):
    with pytest.raises(PermissionDenied):
        services.post_update(post=experience, editor=other_member, data={"title": "Mine now"})
    with pytest.raises(PermissionDenied):
        services.post_delete(post=experience, by=facilitator)

    experience.refresh_from_db()
    assert experience.title == "A printed SBAR card at every bed"
    assert experience.status == Post.Status.PUBLISHED


def test_deleting_is_soft_and_takes_the_post_out_of_every_list(experience, member, other_member):
    comment = services.comment_create(post=experience, author=other_member, body="Same here.")
    services.post_delete(post=experience, by=member)
    experience.refresh_from_db()
    assert experience.status == Post.Status.DELETED
    assert Comment.objects.filter(pk=comment.pk).exists()
    for user in (member, other_member, AnonymousUser()):
        assert not Post.objects.visible_to(user).filter(pk=experience.pk).exists()
        assert not Comment.objects.visible_to(user).filter(pk=comment.pk).exists()


# --- Moderation -----------------------------------------------------------------------


def test_facilitators_hide_a_post_with_a_reason_the_author_still_sees(
    experience, member, other_member, facilitator
):
    with pytest.raises(PermissionDenied):
        services.post_set_hidden(post=experience, by=other_member, hidden=True, reason="No")
    with pytest.raises(ValidationError, match="Say why"):
        services.post_set_hidden(post=experience, by=facilitator, hidden=True, reason=" ")

    services.post_set_hidden(
        post=experience, by=facilitator, hidden=True, reason="Names a patient."
    )
    experience.refresh_from_db()
    assert experience.is_hidden and experience.hidden_reason == "Names a patient."
    assert not Post.objects.visible_to(other_member).filter(pk=experience.pk).exists()
    assert not Post.objects.visible_to(AnonymousUser()).filter(pk=experience.pk).exists()
    assert Post.objects.visible_to(member).filter(pk=experience.pk).exists()
    assert Post.objects.visible_to(facilitator).filter(pk=experience.pk).exists()

    services.post_set_hidden(post=experience, by=facilitator, hidden=False)
    assert Post.objects.visible_to(other_member).filter(pk=experience.pk).exists()


def test_only_facilitators_pin_starter_posts(experience, member, facilitator):
    with pytest.raises(PermissionDenied):
        services.post_set_pinned(post=experience, by=member, pinned=True)
    services.post_set_pinned(post=experience, by=facilitator, pinned=True)
    assert list(Post.objects.visible_to(member).pinned()) == [experience]


# --- Reactions ------------------------------------------------------------------------


def test_one_reaction_of_each_kind_per_member(experience, member, other_member):
    for _ in range(2):
        services.reaction_set(post=experience, user=other_member, kind="helpful", active=True)
    services.reaction_set(
        post=experience, user=other_member, kind="applied", active=True, note="Worked on ward 3."
    )
    services.reaction_set(
        post=experience, user=other_member, kind="applied", active=True, note="Still working."
    )
    experience.refresh_from_db()
    assert (experience.helpful_count, experience.applied_count) == (1, 1)
    assert Reaction.objects.get(kind="applied").note == "Still working."

    services.reaction_set(post=experience, user=other_member, kind="helpful", active=False)
    experience.refresh_from_db()
    assert (experience.helpful_count, experience.applied_count) == (0, 1)

    with pytest.raises(ValidationError, match="your own post"):
        services.reaction_set(post=experience, user=member, kind="helpful", active=True)


# --- Comments -------------------------------------------------------------------------


def test_a_helpful_answer_marks_the_challenge_answered(challenge, member, other_member):
    answer = services.comment_create(post=challenge, author=other_member, body="Try the 4AT.")
    with pytest.raises(PermissionDenied):
        services.comment_mark_helpful(comment=answer, by=other_member)

    services.comment_mark_helpful(comment=answer, by=member)
    challenge.refresh_from_db()
    assert challenge.is_answered
    assert (
        Post.objects.visible_to(member).for_feed(challenge.community, open_challenges=True).count()
        == 0
    )

    services.comment_mark_helpful(comment=answer, by=member, helpful=False)
    challenge.refresh_from_db()
    assert not challenge.is_answered


def test_hiding_the_only_helpful_answer_reopens_the_challenge(
    challenge, member, other_member, facilitator
):
    answer = services.comment_create(post=challenge, author=other_member, body="Try the 4AT.")
    services.comment_mark_helpful(comment=answer, by=facilitator)
    services.comment_set_hidden(comment=answer, by=facilitator, hidden=True, reason="Off topic")
    challenge.refresh_from_db()
    assert not challenge.is_answered
    assert challenge.comment_count == 0


def test_only_answers_to_a_challenge_are_marked_helpful(experience, member, other_member):
    comment = services.comment_create(post=experience, author=other_member, body="Nice.")
    with pytest.raises(ValidationError, match="challenge"):
        services.comment_mark_helpful(comment=comment, by=member)


def test_replies_go_one_level_deep(experience, member, other_member):
    top = services.comment_create(post=experience, author=other_member, body="Question?")
    reply = services.comment_create(post=experience, author=member, body="Answer.", parent=top)
    reply_to_reply = services.comment_create(
        post=experience, author=other_member, body="Thanks!", parent=reply
    )
    assert reply.parent == top and reply_to_reply.parent == top
    experience.refresh_from_db()
    assert experience.comment_count == 3
    assert "Thanks!" in experience.comments_text
    assert PostFollow.objects.filter(post=experience, user=other_member).exists()


def test_mentions_are_recorded_only_for_members_of_the_community(
    community, experience, member, other_member, outsider
):
    body = (
        f"@{services.member_handle(member)} and @{services.member_handle(outsider)}, "
        "have a look; mail me at omar@practica.test"
    )
    comment = services.comment_create(post=experience, author=other_member, body=body)
    assert list(Mention.objects.filter(comment=comment).values_list("mentioned", flat=True)) == [
        member.pk
    ]


# --- Who may write --------------------------------------------------------------------


def test_a_member_must_accept_a_material_charter_change_before_posting_again(
    community, member, experience, facilitator
):
    community_services.charter_publish(
        community=community, by=facilitator, is_material=True, summary="New rule"
    )
    with pytest.raises(PermissionDenied, match="Accept"):
        services.post_create(community=community, author=member, kind="experience", data=EXPERIENCE)
    with pytest.raises(PermissionDenied):
        services.comment_create(post=Post.objects.get(pk=experience.pk), author=member, body="Hi")

    membership = Membership.objects.get(community=community, user=member)
    community_services.charter_accept(membership=membership)
    post = services.post_create(
        community=community, author=member, kind="experience", data=EXPERIENCE
    )
    assert post.is_published


def test_a_banned_member_cannot_post_comment_or_react(community, experience, facilitator):
    banned = add_member(community, UserFactory()).user
    community_services.membership_ban(
        membership=Membership.objects.get(community=community, user=banned), by=facilitator
    )
    post = Post.objects.get(pk=experience.pk)
    with pytest.raises(PermissionDenied):
        services.post_create(community=community, author=banned, kind="experience", data=EXPERIENCE)
    with pytest.raises(PermissionDenied):
        services.comment_create(post=post, author=banned, body="Hello")
    with pytest.raises(PermissionDenied):
        services.reaction_set(post=post, user=banned, kind="helpful", active=True)

    assert not Post.objects.filter(author=banned).exists()
    assert not Comment.objects.filter(author=banned).exists()
    assert not Reaction.objects.filter(user=banned).exists()


def test_people_outside_the_community_cannot_post(community, outsider):
    with pytest.raises(PermissionDenied, match="Only active members"):
        services.post_create(
            community=community, author=outsider, kind="experience", data=EXPERIENCE
        )

    assert not Post.objects.filter(author=outsider).exists()
