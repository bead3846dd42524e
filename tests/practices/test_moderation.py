"""Reports, the facilitators' review, pre-moderation and rate limits (communities.moderation)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from taggit.models import Tag

from communities import services as community_services
from communities.models import Community, Invitation, Membership, ModerationAction, Report
from config.permissions import can
from members.models import OutboundEmail
from practices import moderation
from practices import services as practices_services
from practices.models import Comment, Post, PostFollow
from practices.permissions import check_can_request_review
from tests import builders
from tests.builders import add_member
from tests.factories import UserFactory
from tests.staff import privileged

EXPERIENCE = {
    "title": "Handover at the bedside",
    "tried": "We moved the evening handover to the bedside.",
    "happened": "Patients corrected two mistakes in the first week.",
    "learned": "Patients are the best check on a handover.",
}
RESPECT = "Respectful, constructive exchange"


def rule_key(community: Community, title: str) -> str:
    return next(c.key for c in moderation.rule_choices(community) if c.title == title)


def make_old_member(community: Community, user=None) -> Membership:
    """A member who joined long ago: the limits for new members do not apply."""
    membership = add_member(community, user)
    Membership.objects.filter(pk=membership.pk).update(
        joined_at=timezone.now() - timedelta(days=90)
    )
    return membership


def log_of(community: Community) -> list[str]:
    return list(
        ModerationAction.objects.filter(community=community)
        .order_by("created_at", "pk")
        .values_list("action", flat=True)
    )


@pytest.fixture
def community(facilitator):
    return builders.launch_community(facilitator)


@pytest.fixture
def author(community):
    return add_member(community, UserFactory(display_name="Ari Author")).user


@pytest.fixture
def reporters(community):
    people = [add_member(community).user for _ in range(3)]
    # Members of long standing: new members' reports do not count towards auto-hiding.
    Membership.objects.filter(community=community, user__in=people).update(
        joined_at=timezone.now() - timedelta(days=60)
    )
    return people


@pytest.fixture
def post(community, author):
    return practices_services.post_create(
        community=community, author=author, kind="experience", data=EXPERIENCE
    )


@pytest.fixture
def comment(post, reporters):
    return practices_services.comment_create(
        post=post, author=post.author, body="Thanks all, and sorry for the noise."
    )


def report(user, item, rule="other", note="Spam"):
    kind = "post" if isinstance(item, Post) else "comment"
    return moderation.report_create(reporter=user, rule_id=rule, note=note, **{kind: item})


def reload(item):
    return type(item).objects.get(pk=item.pk)


# --- Reporting -----------------------------------------------------------------------


def test_the_rules_of_the_current_charter_are_what_a_report_can_name(community):
    titles = [choice.title for choice in moderation.rule_choices(community)]
    assert titles == [
        "What is shared here stays here",
        RESPECT,
        "Failures are welcome, blame is not",
    ]


def test_a_member_reports_a_post_once_naming_a_rule(community, post, reporters):
    first = reporters[0]
    made = report(first, post, rule=rule_key(community, RESPECT), note="")

    assert made.rule_title == RESPECT and made.rule.title == RESPECT
    assert made.status == Report.Status.OPEN and made.community == community
    with pytest.raises(ValidationError, match="already reported this post"):
        report(first, post, rule=rule_key(community, RESPECT))
    assert Report.objects.count() == 1
    assert not reload(post).is_hidden


def test_something_else_needs_a_note_and_an_unknown_rule_is_refused(community, post, reporters):
    with pytest.raises(ValidationError) as error:
        report(reporters[0], post, rule="other", note="  ")
    assert "note" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        report(reporters[0], post, rule="99999")
    assert "rule" in error.value.error_dict
    with pytest.raises(ValidationError):
        report(reporters[0], post, rule="")
    assert not Report.objects.exists()


def test_only_active_members_who_can_read_it_report_and_never_their_own(community, post, reporters):
    outsider = UserFactory()
    other_community = builders.launch_community(UserFactory(), name="Elsewhere")
    member_elsewhere = add_member(other_community).user
    banned = add_member(community)
    community_services.membership_ban(membership=banned, by=community.created_by, reason="Spam")
    for person in (outsider, member_elsewhere, banned.user):
        with pytest.raises(ValidationError, match="Only members of this community"):
            report(person, post)
    with pytest.raises(ValidationError, match="cannot report your own post"):
        report(post.author, post)
    assert not Report.objects.exists()


def test_three_reports_hide_a_post_until_a_facilitator_reviews_it(
    community, post, reporters, facilitator
):
    report(reporters[0], post, rule=rule_key(community, RESPECT), note="")
    report(reporters[1], post)
    assert not reload(post).is_hidden

    report(reporters[2], post, rule=rule_key(community, RESPECT), note="")

    post = reload(post)
    assert post.is_hidden and post.hidden_by is None
    assert post.hidden_reason == "Hidden automatically after 3 reports, waiting for review"
    assert not Post.objects.visible_to(reporters[0]).filter(pk=post.pk).exists()
    assert Post.objects.visible_to(post.author).filter(pk=post.pk).exists()
    assert Post.objects.visible_to(facilitator).filter(pk=post.pk).exists()
    action = ModerationAction.objects.get(action=ModerationAction.Action.AUTO_HIDDEN)
    assert action.actor is None and action.post == post and action.member == post.author
    # Hidden content is out of members' reach, and not reported again.
    late = add_member(community).user
    with pytest.raises(ValidationError, match="not available"):
        report(late, post)
    with pytest.raises(ValidationError, match="already hidden"):
        report(facilitator, post)


def test_a_community_sets_its_own_threshold_for_comments_too(community, comment, reporters):
    Community.objects.filter(pk=community.pk).update(report_threshold=1)
    community.refresh_from_db()

    report(reporters[0], comment, rule=rule_key(community, RESPECT), note="")

    comment = reload(comment)
    assert comment.is_hidden and comment.hidden_by is None
    assert comment.hidden_reason == "Hidden automatically after 1 report, waiting for review"
    assert reload(comment.post).comment_count == 0  # hidden comments are not counted


def test_a_threshold_of_zero_never_hides_automatically(community, post, reporters):
    Community.objects.filter(pk=community.pk).update(report_threshold=0)
    community.refresh_from_db()
    for person in reporters:
        report(person, post)
    assert not reload(post).is_hidden


# --- Reviewing -----------------------------------------------------------------------


def test_dismissing_the_reports_shows_an_automatically_hidden_post_again(
    community, post, reporters, facilitator
):
    for person in reporters:
        report(person, post)
    assert reload(post).is_hidden

    moderation.review_dismiss(by=facilitator, post=post, reason="Heated, but within the rules")

    post = reload(post)
    assert not post.is_hidden and post.hidden_reason == ""
    assert set(Report.objects.values_list("status", flat=True)) == {Report.Status.DISMISSED}
    assert Report.objects.filter(resolved_by=facilitator, resolved_at__isnull=False).count() == 3
    assert log_of(community) == ["auto_hidden", "dismissed", "unhidden"]
    dismissed = ModerationAction.objects.get(action="dismissed")
    assert dismissed.actor == facilitator and dismissed.reason == "Heated, but within the rules"
    assert moderation.waiting_in_queue(community) == 0


def test_hide_and_warn_emails_the_author_naming_the_rule(
    community, post, reporters, facilitator, django_capture_on_commit_callbacks
):
    report(reporters[0], post, rule=rule_key(community, RESPECT), note="Personal attack")

    with django_capture_on_commit_callbacks(execute=True):
        moderation.review_hide_and_warn(
            by=facilitator,
            post=post,
            reason="Please criticise the idea, not the colleague.",
            rule_id=rule_key(community, RESPECT),
        )

    post = reload(post)
    assert post.is_hidden and post.hidden_by == facilitator
    assert post.hidden_reason == "Please criticise the idea, not the colleague."
    assert Report.objects.get().status == Report.Status.ACTIONED
    assert log_of(community) == ["hidden", "warned"]
    warned = ModerationAction.objects.get(action="warned")
    assert warned.rule_title == RESPECT and warned.member == post.author
    email = OutboundEmail.objects.get(kind="moderation_warning")
    assert email.to == post.author.email
    assert RESPECT in email.body_text and "not the colleague" in email.body_text
    assert post.title in email.body_text and "&" not in email.body_text
    assert RESPECT in email.body_html
    (sent,) = mail.outbox
    assert sent.to == [post.author.email] and "facilitators of Safe handovers" in sent.subject


def test_hiding_and_warning_need_a_reason(community, post, facilitator):
    for hide in (moderation.review_hide_and_warn, moderation.review_hide):
        with pytest.raises(ValidationError) as error:
            hide(by=facilitator, post=post, reason=" ", rule_id="")
        assert "reason" in error.value.error_dict
    assert not reload(post).is_hidden and not ModerationAction.objects.exists()
    assert not OutboundEmail.objects.filter(kind="moderation_warning").exists()


def test_spam_that_breaks_no_rule_is_hidden_and_its_author_warned_with_the_reason(
    community, post, reporters, facilitator, django_capture_on_commit_callbacks
):
    report(reporters[0], post, note="Advertises a course")

    with django_capture_on_commit_callbacks(execute=True):
        moderation.review_hide_and_warn(
            by=facilitator, post=post, reason="Advertising is not welcome here.", rule_id=""
        )

    assert reload(post).is_hidden
    assert log_of(community) == ["hidden", "warned"]
    email = OutboundEmail.objects.get(kind="moderation_warning")
    assert "Advertising is not welcome here." in email.body_text
    assert "It breaks the rule" not in email.body_text and "“”" not in email.body_html


def test_members_and_facilitators_of_other_communities_cannot_review(community, post, reporters):
    report(reporters[0], post)
    other_facilitator = UserFactory()
    builders.launch_community(other_facilitator, name="Elsewhere")
    for person in (reporters[1], other_facilitator):
        for action in (moderation.review_dismiss, moderation.review_show):
            with pytest.raises(PermissionDenied):
                action(by=person, post=post)
        with pytest.raises(PermissionDenied):
            moderation.review_hide(by=person, post=post, reason="No")
    assert Report.objects.get().status == Report.Status.OPEN
    assert not ModerationAction.objects.exists()


def test_banning_the_author_through_the_queue(community, post, reporters, facilitator):
    for person in reporters[:2]:
        report(person, post, rule=rule_key(community, RESPECT), note="")

    moderation.review_ban_member(
        by=facilitator,
        post=post,
        reason="Third personal attack",
        rule_id=rule_key(community, RESPECT),
    )

    membership = Membership.objects.get(community=community, user=post.author)
    assert membership.status == Membership.Status.BANNED
    assert membership.events.filter(action="banned", detail="Third personal attack").exists()
    assert reload(post).is_hidden
    assert set(Report.objects.values_list("status", flat=True)) == {Report.Status.ACTIONED}
    assert log_of(community) == ["hidden", "banned"]
    banned = ModerationAction.objects.get(action="banned")
    assert (banned.actor, banned.member, banned.rule_title) == (facilitator, post.author, RESPECT)
    assert banned.reason == "Third personal attack"


def test_removing_the_author_of_a_comment(community, comment, reporters, facilitator):
    report(reporters[0], comment)

    moderation.review_remove_member(by=facilitator, comment=comment, reason="Advertising")

    assert Membership.objects.get(community=community, user=comment.author).status == "removed"
    assert reload(comment).is_hidden
    assert log_of(community) == ["hidden", "removed"]
    assert ModerationAction.objects.get(action="removed").comment == comment


def test_a_refused_ban_changes_nothing(community, facilitator, reporters):
    """The last facilitator cannot be banned: the hiding before it is rolled back too."""
    post = practices_services.post_create(
        community=community, author=facilitator, kind="experience", data=EXPERIENCE
    )
    report(reporters[0], post)
    staff = privileged(UserFactory(is_staff=True))

    with pytest.raises(ValidationError):
        moderation.review_ban_member(by=staff, post=post, reason="Test")

    assert not reload(post).is_hidden
    assert Report.objects.get().status == Report.Status.OPEN
    assert not ModerationAction.objects.exists()


def test_hiding_from_the_post_page_is_logged_and_closes_the_reports(
    client, community, post, reporters, facilitator
):
    report(reporters[0], post)
    client.force_login(facilitator)

    client.post(
        f"/c/{community.slug}/posts/{post.pk}/hide/", {"hidden": "1", "reason": "Off topic"}
    )
    client.post(f"/c/{community.slug}/posts/{post.pk}/hide/", {"hidden": "0"})

    assert log_of(community) == ["hidden", "unhidden"]
    assert Report.objects.get().status == Report.Status.ACTIONED
    assert not reload(post).is_hidden


# --- The author's review request -----------------------------------------------------


def test_the_author_asks_for_a_review_once(community, post, reporters, facilitator):
    moderation.review_hide(by=facilitator, post=post, reason="Names a patient")
    assert can(check_can_request_review, post.author, reload(post))

    moderation.review_request(by=post.author, post=post, note="I removed the name already.")

    post = reload(post)
    assert post.review_requested_at is not None and moderation.review_is_pending(post)
    assert not can(check_can_request_review, post.author, post)
    requested = ModerationAction.objects.get(action="review_requested")
    assert requested.actor == post.author and requested.reason == "I removed the name already."
    assert moderation.waiting_in_queue(community) == 1
    with pytest.raises(ValidationError, match="already asked for a review"):
        moderation.review_request(by=post.author, post=post)

    # The facilitator looks again and keeps it hidden: the request is answered, and it
    # cannot be asked again.
    moderation.review_hide(by=facilitator, post=post, reason="The name is still in the title")
    post = reload(post)
    assert not moderation.review_is_pending(post)
    assert moderation.waiting_in_queue(community) == 0
    with pytest.raises(ValidationError, match="already asked"):
        moderation.review_request(by=post.author, post=post)
    assert log_of(community) == ["hidden", "review_requested", "hidden"]


def test_only_the_author_of_hidden_content_asks_for_a_review(
    community, post, comment, reporters, facilitator
):
    with pytest.raises(ValidationError, match="not hidden"):
        moderation.review_request(by=post.author, post=post)
    moderation.review_hide(by=facilitator, comment=comment, reason="Off topic")
    with pytest.raises(ValidationError, match="Only the author"):
        moderation.review_request(by=reporters[0], comment=comment)
    moderation.review_request(by=comment.author, comment=comment)

    moderation.review_show(by=facilitator, comment=comment, reason="Fair point")

    assert not reload(comment).is_hidden
    assert log_of(community) == ["hidden", "review_requested", "unhidden"]


# --- Pre-moderation ------------------------------------------------------------------


def test_pre_moderation_holds_a_members_first_posts_then_publishes(
    community, author, reporters, facilitator
):
    Community.objects.filter(pk=community.pk).update(premoderation_posts=2)
    community.refresh_from_db()
    reader = reporters[0]

    first = practices_services.post_create(
        community=community, author=author, kind="experience", data=EXPERIENCE
    )
    assert first.status == Post.Status.PENDING and first.published_at is None
    assert not Post.objects.visible_to(reader).filter(pk=first.pk).exists()
    assert list(Post.objects.pending_of(author)) == [first]
    assert list(Post.objects.pending_visible_to(facilitator)) == [first]
    assert not Post.objects.pending_visible_to(reader).exists()
    assert moderation.waiting_in_queue(community) == 1

    moderation.post_approve(by=facilitator, post=first)
    first = reload(first)
    assert first.is_published and first.published_at is not None
    assert Post.objects.visible_to(reader).filter(pk=first.pk).exists()

    second = practices_services.post_create(
        community=community,
        author=author,
        kind="experience",
        data={**EXPERIENCE, "title": "A second try"},
    )
    assert second.status == Post.Status.PENDING
    moderation.post_reject(by=facilitator, post=second, reason="Leave out the ward's name.")
    second = reload(second)
    assert second.status == Post.Status.DRAFT
    assert moderation.rejection_of(second).reason == "Leave out the ward's name."
    # Published again from the draft, it waits again.
    second = practices_services.post_update(
        post=second, editor=author, data={"situation": "A ward"}, publish=True
    )
    assert second.status == Post.Status.PENDING
    moderation.post_approve(by=facilitator, post=second)

    third = practices_services.post_create(
        community=community,
        author=author,
        kind="experience",
        data={**EXPERIENCE, "title": "A third one"},
    )
    assert third.status == Post.Status.PUBLISHED
    assert log_of(community) == ["approved", "rejected", "approved"]
    with pytest.raises(ValidationError, match="no longer waiting"):
        moderation.post_approve(by=facilitator, post=third)


def test_facilitators_publish_directly_under_pre_moderation(community, facilitator):
    Community.objects.filter(pk=community.pk).update(premoderation_posts=3)
    community.refresh_from_db()
    post = practices_services.post_create(
        community=community,
        author=facilitator,
        kind="experience",
        data={**EXPERIENCE, "title": "From the facilitator"},
    )
    assert post.status == Post.Status.PUBLISHED


def test_only_facilitators_approve(community, author, reporters):
    Community.objects.filter(pk=community.pk).update(premoderation_posts=1)
    community.refresh_from_db()
    pending = practices_services.post_create(
        community=community, author=author, kind="experience", data=EXPERIENCE
    )
    with pytest.raises(PermissionDenied):
        moderation.post_approve(by=reporters[0], post=pending)
    with pytest.raises(PermissionDenied):
        moderation.post_reject(by=author, post=pending, reason="Mine")
    assert reload(pending).status == Post.Status.PENDING


# --- Rate limits ---------------------------------------------------------------------


def _stored() -> dict:
    return {
        "posts": Post.objects.count(),
        "follows": PostFollow.objects.count(),
        "tags": Tag.objects.count(),
        "comments": Comment.objects.count(),
        "invitations": Invitation.objects.count(),
        "emails": OutboundEmail.objects.count(),
    }


def test_new_members_post_a_few_times_a_day_and_a_refusal_stores_nothing(community, author):
    Community.objects.filter(pk=community.pk).update(new_member_posts_per_day=2)
    community.refresh_from_db()
    for n in range(2):
        practices_services.post_create(
            community=community,
            author=author,
            kind="experience",
            data={**EXPERIENCE, "title": f"Post {n}"},
        )
    before = _stored()

    with pytest.raises(ValidationError) as error:
        practices_services.post_create(
            community=community,
            author=author,
            kind="experience",
            data={**EXPERIENCE, "title": "One too many"},
            tags=["a-brand-new-topic"],
        )

    assert error.value.messages == [
        "New members can share 2 posts a day in this community; you can post again tomorrow."
    ]
    assert _stored() == before
    # A draft is not limited; publishing it later is.
    draft = practices_services.post_create(
        community=community,
        author=author,
        kind="experience",
        data={"title": "Later"},
        publish=False,
    )
    with pytest.raises(ValidationError, match="2 posts a day"):
        practices_services.post_update(post=draft, editor=author, data=EXPERIENCE, publish=True)
    assert reload(draft).status == Post.Status.DRAFT


def test_the_default_message_names_three_posts_a_day(community, author):
    for n in range(3):
        practices_services.post_create(
            community=community,
            author=author,
            kind="experience",
            data={**EXPERIENCE, "title": f"Post {n}"},
        )
    with pytest.raises(ValidationError) as error:
        practices_services.post_create(
            community=community, author=author, kind="experience", data=EXPERIENCE
        )
    assert error.value.messages == [
        "New members can share 3 posts a day in this community; you can post again tomorrow."
    ]


def test_members_who_joined_long_ago_and_the_team_are_not_held_to_new_member_limits(
    community, facilitator
):
    Community.objects.filter(pk=community.pk).update(new_member_posts_per_day=1)
    community.refresh_from_db()
    veteran = make_old_member(community).user
    core = add_member(community, role="core").user
    for person in (veteran, core, facilitator):
        for n in range(2):
            practices_services.post_create(
                community=community,
                author=person,
                kind="experience",
                data={**EXPERIENCE, "title": f"Post {n}"},
            )
    assert Post.objects.filter(author__in=[veteran, core]).count() == 4


def test_posts_from_yesterday_do_not_count(community, author):
    Community.objects.filter(pk=community.pk).update(new_member_posts_per_day=1)
    community.refresh_from_db()
    old = practices_services.post_create(
        community=community, author=author, kind="experience", data=EXPERIENCE
    )
    Post.objects.filter(pk=old.pk).update(published_at=timezone.now() - timedelta(hours=25))
    today = practices_services.post_create(
        community=community, author=author, kind="experience", data=EXPERIENCE
    )
    assert today.status == Post.Status.PUBLISHED


def test_new_members_comment_a_limited_number_of_times_a_day(community, post, author):
    commenter = add_member(community).user
    Community.objects.filter(pk=community.pk).update(new_member_comments_per_day=2)
    community.refresh_from_db()
    post = reload(post)
    for n in range(2):
        practices_services.comment_create(post=post, author=commenter, body=f"Comment {n}")
    before = _stored()

    with pytest.raises(ValidationError) as error:
        practices_services.comment_create(post=post, author=commenter, body="One more")

    assert error.value.messages == [
        "New members can write 2 comments a day in this community; you can comment again tomorrow."
    ]
    assert _stored() == before
    assert reload(post).comment_count == 2


def test_new_members_share_only_a_few_links_in_a_post(community, author):
    links = "See https://example.org/a, [this](https://example.org/b) and <http://example.org/c>."
    before = _stored()

    with pytest.raises(ValidationError) as error:
        practices_services.post_create(
            community=community,
            author=author,
            kind="experience",
            data={**EXPERIENCE, "tried": links},
        )

    assert error.value.messages == [
        "New members can include 2 links in a post in this community; this one has 3."
    ]
    assert _stored() == before
    post = practices_services.post_create(
        community=community,
        author=author,
        kind="experience",
        data={**EXPERIENCE, "tried": "See https://example.org/a and https://example.org/b."},
    )
    with pytest.raises(ValidationError, match="this one has 3"):
        practices_services.post_update(post=post, editor=author, data={"tried": links})


def test_every_account_has_a_daily_limit_on_posts_and_comments(
    community, post, settings, facilitator
):
    settings.POSTS_PER_DAY_LIMIT = 1  # the facilitator shared the seed post today
    settings.COMMENTS_PER_DAY_LIMIT = 1
    with pytest.raises(ValidationError, match="You can share 1 post a day"):
        practices_services.post_create(
            community=community, author=facilitator, kind="experience", data=EXPERIENCE
        )
    practices_services.comment_create(post=post, author=facilitator, body="First")
    with pytest.raises(ValidationError, match="You can write 1 comment a day"):
        practices_services.comment_create(post=post, author=facilitator, body="Second")

    assert Post.objects.filter(author=facilitator).count() == 1  # the seed post only
    assert list(Comment.objects.filter(author=facilitator).values_list("body", flat=True)) == [
        "First"
    ]


def test_invitations_over_the_daily_limit_are_refused_as_a_whole(community, facilitator, settings):
    settings.INVITATIONS_PER_DAY_LIMIT = (
        Invitation.objects.filter(invited_by=facilitator).count() + 2
    )
    before = _stored()

    with pytest.raises(ValidationError) as error:
        community_services.invitations_create(
            community=community,
            by=facilitator,
            emails=["a@example.org", "b@example.org", "c@example.org"],
        )

    limit = settings.INVITATIONS_PER_DAY_LIMIT
    assert error.value.messages == [
        f"You can send {limit} invitations a day; you can send 2 more today."
    ]
    assert _stored() == before
    community_services.invitations_create(
        community=community, by=facilitator, emails=["a@example.org", "b@example.org"]
    )
    with pytest.raises(ValidationError, match="you can invite again tomorrow"):
        community_services.invitations_create(
            community=community, by=facilitator, emails=["c@example.org"]
        )


def test_a_daily_limit_of_zero_is_no_limit_but_zero_links_is_no_links(community, author):
    Community.objects.filter(pk=community.pk).update(
        new_member_posts_per_day=0, new_member_links_per_post=0
    )
    community.refresh_from_db()
    for n in range(4):
        practices_services.post_create(
            community=community,
            author=author,
            kind="experience",
            data={**EXPERIENCE, "title": f"Post {n}"},
        )
    with pytest.raises(ValidationError, match="cannot include links"):
        practices_services.post_create(
            community=community,
            author=author,
            kind="experience",
            data={**EXPERIENCE, "tried": "See https://example.org"},
        )

    assert Post.objects.filter(author=author).count() == 4
