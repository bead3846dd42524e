"""The flags the post page shows agree with what the services then allow, for every role.

Each flag is derived from the same check the service applies; this test holds them
together from the outside: it renders the post page as each person, reads every
`can_*` flag, then tries the action through the service and expects it to succeed
exactly when the flag said yes.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.test import Client

from communities import services as community_services
from practices import moderation, services
from practices.models import Post, Reaction
from tests.builders import add_member, launch_community
from tests.factories import UserFactory

CHALLENGE = {
    "title": "Night handovers run late",
    "situation": "Two nurses for thirty beds.",
    "tried": "A shorter form.",
    "help_wanted": "What kept yours on time?",
}


class Rollback(Exception):
    pass


def allowed(action, *args) -> bool:
    """Does the service accept `action(*args)`? Whatever it did is rolled back."""
    try:
        with transaction.atomic():
            action(*args)
            raise Rollback
    except Rollback:
        return True
    except (PermissionDenied, ValidationError):
        return False


POST_ACTIONS = {
    "can_edit": lambda user, post, comment: services.post_update(
        post=post, editor=user, data={"title": "Night handovers run late, again"}
    ),
    "can_delete": lambda user, post, comment: services.post_delete(post=post, by=user),
    "can_hide": lambda user, post, comment: services.post_set_hidden(
        post=post, by=user, hidden=True, reason="Off topic"
    ),
    "can_pin": lambda user, post, comment: services.post_set_pinned(
        post=post, by=user, pinned=True
    ),
    "can_react": lambda user, post, comment: services.reaction_set(
        post=post, user=user, kind=Reaction.Kind.HELPFUL, active=True
    ),
    "can_save": lambda user, post, comment: services.bookmark_set(
        post=post, user=user, active=True
    ),
    "can_comment": lambda user, post, comment: services.comment_create(
        post=post, author=user, body="We moved the handover to the ward office."
    ),
    "can_mark_helpful": lambda user, post, comment: services.comment_mark_helpful(
        comment=comment, by=user, helpful=True
    ),
    "can_report": lambda user, post, comment: moderation.report_create(
        reporter=user, post=post, rule_id="other", note="Names a patient"
    ),
    "can_reveal": lambda user, post, comment: services.post_reveal(post=post, by=user),
}
COMMENT_ACTIONS = {
    "can_edit": lambda user, comment: services.comment_update(
        comment=comment, editor=user, body="Edited answer"
    ),
    "can_delete": lambda user, comment: services.comment_delete(comment=comment, by=user),
    "can_hide": lambda user, comment: services.comment_set_hidden(
        comment=comment, by=user, hidden=True, reason="Off topic"
    ),
    "can_mark": lambda user, comment: services.comment_mark_helpful(
        comment=comment, by=user, helpful=True
    ),
    "can_report": lambda user, comment: moderation.report_create(
        reporter=user, comment=comment, rule_id="other", note="Rude"
    ),
}


@pytest.fixture
def cast(db):
    """A challenge with one answer, and every kind of person who may open its page."""
    facilitator = UserFactory(display_name="Fay Facilitator")
    community = launch_community(facilitator, name="Night shifts")
    author = add_member(community).user
    answerer = add_member(community).user
    post = services.post_create(
        community=community, author=author, kind="challenge", data=CHALLENGE
    )
    comment = services.comment_create(post=post, author=answerer, body="A fixed time helped us.")
    left = add_member(community)
    removed = add_member(community)
    banned = add_member(community)
    for person in (left, removed, banned):
        services.comment_create(post=post, author=person.user, body="Ours too.")
    community_services.membership_leave(membership=left)
    community_services.membership_remove(membership=removed, by=facilitator, reason="Moved")
    community_services.membership_ban(membership=banned, by=facilitator, reason="Spam")
    roles = {
        "anonymous": AnonymousUser(),
        "outsider": UserFactory(),
        "member": add_member(community).user,
        "core": add_member(community, role="core").user,
        "answerer": answerer,
        "author": author,
        "facilitator": facilitator,
        "staff": UserFactory(is_staff=True),
    }
    authors_elsewhere = {"left": left.user, "removed": removed.user, "banned": banned.user}
    return post, comment, roles, authors_elsewhere


def flags_on_page(user, post):
    client = Client()
    if user.is_authenticated:
        client.force_login(user)
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    return response.context


@pytest.mark.parametrize(
    "role",
    ["anonymous", "outsider", "member", "core", "answerer", "author", "facilitator", "staff"],
)
def test_post_page_flags_match_what_the_services_allow(cast, role):
    post, comment, roles, _ = cast
    user = roles[role]
    context = flags_on_page(user, post)
    for flag, action in POST_ACTIONS.items():
        post = Post.objects.get(pk=post.pk)
        comment.refresh_from_db()
        assert context[flag] == allowed(action, user, post, comment), (role, flag)
    for shown in context["comments_page"].object_list:
        for flag, action in COMMENT_ACTIONS.items():
            target = type(shown).objects.get(pk=shown.pk)
            assert getattr(shown, flag) == allowed(action, user, target), (
                role,
                flag,
                shown.body,
            )


@pytest.mark.parametrize(
    "role",
    ["anonymous", "outsider", "member", "core", "answerer", "author", "facilitator", "staff"],
)
def test_flags_match_the_services_on_a_post_shared_without_name(cast, role):
    post, comment, roles, _ = cast
    Post.objects.filter(pk=post.pk).update(shared_without_name=True)
    user = roles[role]
    context = flags_on_page(user, Post.objects.get(pk=post.pk))
    assert context["can_reveal"] == (role == "author")
    for flag, action in POST_ACTIONS.items():
        post = Post.objects.get(pk=post.pk)
        comment.refresh_from_db()
        assert context[flag] == allowed(action, user, post, comment), (role, flag)


@pytest.mark.parametrize("standing", ["left", "removed", "banned"])
def test_authors_who_left_or_were_removed_see_no_edit_they_cannot_make(cast, standing):
    """The Edit button an author who is no longer a member saw always failed: gone."""
    post, _comment, _roles, authors = cast
    user = authors[standing]
    context = flags_on_page(user, post)
    mine = [c for c in context["comments_page"].object_list if c.author_id == user.pk]
    assert mine, "their comment is shown to them"
    for shown in mine:
        assert not shown.can_edit
        assert shown.can_delete  # deleting one's own words needs no membership
        assert allowed(COMMENT_ACTIONS["can_delete"], user, shown)
        assert not allowed(COMMENT_ACTIONS["can_edit"], user, shown)
