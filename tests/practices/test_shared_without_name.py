"""Posts shared without the author's name: nobody but the author and, for moderation,
the facilitators learns who wrote them; the author can reveal themselves later.

The canary: the author's name and email carry a unique string, the post's title
another. Every URL pattern (filled with real ids the way the access table fills them,
pointed at the post shared without name and the author's own comment on it) is
requested plain and as htmx by members and outsiders, then every email and digest
rendered for them is searched: the author's canary appears nowhere, except on pages
that list people and never what they wrote (PERSON_PAGES).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import PurePath

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from communities.models import Community
from members import notifications
from members.digests import preview_for
from members.models import Notification, NotificationKind, OutboundEmail
from practices import attachments, services
from practices.models import Post, TagFollow
from practices.services import member_handle
from tests.communities.test_views_manage import details_data
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.test_access_table import ROUTES, build_world, image_bytes, url_for
from tests.test_canary import _own_calendar_url

pytestmark = pytest.mark.django_db

AUTHOR_CANARY = "zqanon"
POST_CANARY = "zqsecretpost"
# Everyone but the facilitators and staff, who see the name in moderation views.
READERS = ["anonymous", "outsider", "pending", "invited", "member", "core", "banned"]
COMMUNITIES = ["public", "members"]
# Pages about people, not about what they wrote: the member directory and the meeting
# notes' choice of whom an insight came from list the author by name; the post shared
# without name must never appear with them.
PERSON_PAGES = {"communities:members", "meetings:notes"}

EXPERIENCE = {
    "title": f"{POST_CANARY} handover at night",
    "tried": "We moved the handover to the bedside.",
    "happened": "Patients corrected two things.",
    "learned": "Ask the patient first.",
    "outcome": "worked",
}


def _share_without_name(world, vis: str, author):
    """The author shares an experience without name in `vis`, mentioning "member",
    and replies, on their own post, to a comment by "member"."""
    community = world.communities[vis]
    community.allows_unnamed_posts = True
    community.save(update_fields=["allows_unnamed_posts"])
    # A member for a while: the digest's "new members" would list their name (as the
    # member directory does) next to the new post.
    MembershipFactory(community=community, user=author, joined_at=timezone.now() - timedelta(60))
    member = world.users["member"]
    data = {**EXPERIENCE, "learned": f"Ask the patient first, as @{member_handle(member)} said."}
    post = services.post_create(
        community=community,
        author=author,
        kind=Post.Kind.EXPERIENCE,
        data=data,
        tags=["handover"],
        shared_without_name=True,
    )
    question = services.comment_create(post=post, author=member, body="Did the night shift mind?")
    reply = services.comment_create(
        post=post, author=author, body="Not at all, they asked for it.", parent=question
    )
    # Files whose names say who made them, on the post and on the author's reply.
    on_post = attachments.attachment_add(
        post=post,
        uploader=author,
        checked=attachments.check_file(
            SimpleUploadedFile(f"{AUTHOR_CANARY}-rota.csv", b"day,who\nMon,night shift\n")
        ),
    )
    attachments.attachment_add(
        post=post,
        comment=reply,
        uploader=author,
        checked=attachments.check_file(
            SimpleUploadedFile(f"{AUTHOR_CANARY}-board.png", image_bytes())
        ),
    )
    world.objects[vis]["post"] = post
    world.objects[vis]["comment"] = reply
    world.objects[vis]["attachment"] = on_post
    return post


@pytest.fixture
def world():
    world = build_world()
    author = UserFactory(
        display_name=f"{AUTHOR_CANARY} Author", email=f"{AUTHOR_CANARY}-author@practica.test"
    )
    author.avatar.save("avatar.webp", ContentFile(image_bytes()), save=True)
    world.users["author"] = author
    # "member" follows the topic, so a new post in it reaches them (site and email).
    TagFollow.objects.create(
        user=world.users["member"], tag=Tag.objects.get_or_create(name="handover")[0]
    )
    for vis in COMMUNITIES:
        _share_without_name(world, vis, author)
    return world


def _traces(author) -> list[str]:
    """What would point at the author: their name or email (the canary), and the
    addresses of their profile and avatar."""
    return [
        AUTHOR_CANARY,
        reverse("members:profile", args=[author.pk]),
        reverse("members:avatar", args=[author.pk]),
    ]


def _leak(body: str, name: str, traces: list[str]) -> str | None:
    lowered = body.lower()
    found = [t for t in traces if t in lowered]
    if not found:
        return None
    if name in PERSON_PAGES and POST_CANARY not in lowered:
        return None
    at = lowered.index(found[0])
    return body[max(0, at - 40) : at + 40]


def _body(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    headers = response.get("Location", "") + response.get("Content-Disposition", "")
    return raw.decode(errors="replace") + headers


def test_nobody_but_the_author_and_facilitators_finds_the_author_anywhere(client, world):
    traces = _traces(world.users["author"])
    leaks = []
    for name, params in ROUTES:
        for vis in COMMUNITIES:
            url = url_for(name, params, world, vis)
            for role in READERS:
                if name.startswith("meetings:feed_") or name == "practices:member_feed":
                    if role == "anonymous":
                        continue
                    url = _own_calendar_url(name, url, world.users[role])
                client.logout()
                if role != "anonymous":
                    client.force_login(world.users[role])
                for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
                    found = _leak(_body(client.get(url, **headers)), name, traces)
                    if found:
                        how = "htmx" if headers else "page"
                        leaks.append(f"{role:<9} {how} {url}: {found!r}")
    # Searches that find the post; the author's name typed into search finds nothing.
    by_name = f"{reverse('practices:search')}?q={AUTHOR_CANARY}"
    for role in ("member", "core"):
        client.force_login(world.users[role])
        if POST_CANARY in client.get(by_name).content.decode():
            leaks.append(f"{role:<9} searching the author's name finds the post")
    queries = [
        f"{reverse('practices:search')}?q=handover",
        f"{reverse('practices:search')}?q={POST_CANARY}",
        f"{reverse('practices:lessons')}?q=patient",
        f"{reverse('practices:similar')}?title=handover+at+night",
        f"/api/v1/search/?q={POST_CANARY}",
    ]
    for url in queries:
        for role in ("anonymous", "member", "core"):
            client.logout()
            if role != "anonymous":
                client.force_login(world.users[role])
            found = _leak(_body(client.get(url)), "search", traces)
            if found:
                leaks.append(f"{role:<9} search {url}: {found!r}")
    client.force_login(world.users["core"])
    assert POST_CANARY in client.get(queries[0]).content.decode()  # the search did find it
    # The author's profile, as the people who may open it see it.
    author = world.users["author"]
    for role in ("member", "core"):
        client.force_login(world.users[role])
        body = client.get(reverse("members:profile", args=[author.pk])).content.decode()
        if POST_CANARY in body or "Not at all, they asked" in body:
            leaks.append(f"{role}: the author's profile lists the post or their comment on it")
    assert not leaks, "\n".join(leaks)


def test_the_canary_post_is_there_for_members_to_read(client, world):
    """The crawl proves something only if readers do see the post and the reply."""
    client.force_login(world.users["core"])
    for vis in COMMUNITIES:
        post = world.objects[vis]["post"]
        page = client.get(post.get_absolute_url()).content.decode()
        assert POST_CANARY in page
        assert "Not at all, they asked for it." in page
        # Both files are there, under their numbers, and download.
        for attachment in post.attachments.all():
            assert f"file-{attachment.pk}{PurePath(attachment.original_name).suffix}" in page
        download = client.get(world.objects[vis]["attachment"].get_absolute_url())
        assert download.status_code == 200
        assert f"file-{world.objects[vis]['attachment'].pk}.csv" in download["Content-Disposition"]
        assert "A member of this community" in page
        api = client.get(f"/api/v1/communities/{post.community.slug}/posts/{post.pk}/").json()
        assert api["author"] is None
        assert api["byline"] == "a member of this community"
        assert api["shared_without_name"] is True
    member = world.users["member"]
    kinds = set(Notification.objects.filter(recipient=member).values_list("kind", flat=True))
    assert {NotificationKind.MENTION, NotificationKind.REPLY} <= kinds


def test_no_email_or_digest_names_the_author(world):
    notifications.send_notification_emails(now=timezone.now() + timedelta(hours=1))
    leaks = []
    author = world.users["author"]
    for role in READERS[1:]:
        user = world.users[role]
        for email in OutboundEmail.objects.filter(to=user.email):
            text = f"{email.subject}\n{email.body_text}\n{email.body_html}"
            if AUTHOR_CANARY in text.lower():
                leaks.append(f"{role}: email {email.subject!r}")
        preview = preview_for(user)
        if preview.email is not None:
            rendered = f"{preview.email.subject}\n{preview.email.text}\n{preview.email.html}"
            if AUTHOR_CANARY in rendered.lower():
                leaks.append(f"{role}: digest")
    assert not leaks, "\n".join(leaks)
    # The mention and the reply did go out, without the name.
    sent = OutboundEmail.objects.filter(to=world.users["member"].email)
    assert sent.exists()
    assert any("A member of this community" in e.body_text for e in sent)
    assert not OutboundEmail.objects.filter(to=author.email, subject__icontains="mentioned")


def test_facilitators_and_staff_see_who_shared_it_in_moderation_views(client, world):
    post = world.objects["members"]["post"]
    name = world.users["author"].display_name
    client.force_login(world.users["facilitator"])
    page = client.get(post.get_absolute_url()).content.decode()
    assert f"Shared without name — by {name}" in page
    # A report puts the post in the review queue, where the name is shown too.
    client.force_login(world.users["core"])
    report = reverse("communities:report_post", args=[post.community.slug, post.pk])
    assert client.post(report, {"rule": "other", "note": "Please check"}).status_code in (200, 302)
    client.force_login(world.users["facilitator"])
    queue = client.get(reverse("communities:manage_reports", args=[post.community.slug]))
    assert f"Shared without name — by {name}" in queue.content.decode()
    # A facilitator of another community is a reader like any other.
    client.force_login(world.users["other_facilitator"])
    public = world.objects["public"]["post"]
    assert name not in client.get(public.get_absolute_url()).content.decode()


def test_the_author_reveals_themselves_and_is_named_everywhere(client, world):
    post = world.objects["public"]["post"]
    author = world.users["author"]
    reveal = reverse("practices:reveal", args=[post.community.slug, post.pk])
    client.force_login(world.users["core"])
    assert client.post(reveal).status_code == 403
    client.force_login(author)
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Shared without your name" in page
    assert reveal in page
    confirm = client.get(reveal)
    assert confirm.status_code == 200
    assert "cannot be undone" in confirm.content.decode()
    post.refresh_from_db()
    assert post.shared_without_name  # looking at the confirmation changes nothing
    response = client.post(reveal)
    assert response.status_code == 302
    post.refresh_from_db()
    assert not post.shared_without_name
    assert post.revealed_at is not None
    assert client.post(reveal).status_code == 403  # once
    client.force_login(world.users["core"])
    page = client.get(post.get_absolute_url()).content.decode()
    assert author.display_name in page
    assert "A member of this community" not in page
    feed = client.get(reverse("practices:feed", args=[post.community.slug])).content.decode()
    assert f"by {author.display_name}" in feed
    profile = client.get(reverse("members:profile", args=[author.pk])).content.decode()
    assert POST_CANARY in profile
    # It cannot be made nameless again.
    with pytest.raises(Exception, match="already shared with your name"):
        services.post_update(post=post, editor=author, data={}, shared_without_name=True)


def test_reactions_applied_and_replies_still_reach_the_author(world):
    post = world.objects["members"]["post"]
    author, core = world.users["author"], world.users["core"]
    services.reaction_set(post=post, user=core, kind="applied", active=True, note="Tried it")
    services.comment_create(post=post, author=core, body="We did the same on ward 3.")
    received = Notification.objects.filter(recipient=author, post=post)
    kinds = set(received.values_list("kind", flat=True))
    assert {NotificationKind.APPLIED, NotificationKind.REPLY} <= kinds
    headlines = [notifications.headline(n) for n in received]
    assert f"{core.display_name} applied your experience “{post.title}”" in headlines
    assert f"{core.display_name} replied to your post “{post.title}”" in headlines
    # The author's own list shows their post as theirs.
    assert any("your post" in h for h in headlines)


def test_the_author_sees_their_post_on_their_own_profile_marked(client, world):
    author = world.users["author"]
    client.force_login(author)
    profile = client.get(reverse("members:profile", args=[author.pk])).content.decode()
    assert POST_CANARY in profile
    assert "Shared without your name" in profile


@pytest.fixture
def closed_community():
    founder = UserFactory()
    community = CommunityFactory(created_by=founder)
    MembershipFactory(community=community, user=founder, facilitator=True)
    member = MembershipFactory(community=community).user
    return community, member, founder


def test_without_the_setting_there_is_no_checkbox_and_the_field_is_refused(
    client, closed_community
):
    community, member, _founder = closed_community
    assert not community.allows_unnamed_posts
    create = reverse("practices:create", args=[community.slug, "experience"])
    client.force_login(member)
    assert "shared_without_name" not in client.get(create).content.decode()
    data = {**EXPERIENCE, "action": "publish", "shared_without_name": "on"}
    response = client.post(create, data)
    assert response.status_code == 200
    assert "does not allow posts without a name" in response.content.decode()
    assert not Post.objects.exists()
    with pytest.raises(PermissionDenied):
        services.post_create(
            community=community,
            author=member,
            kind=Post.Kind.EXPERIENCE,
            data=EXPERIENCE,
            shared_without_name=True,
        )
    api = client.post(
        f"/api/v1/communities/{community.slug}/posts/",
        {**EXPERIENCE, "kind": "experience", "shared_without_name": True},
        content_type="application/json",
    )
    assert api.status_code == 403
    assert not Post.objects.exists()


def test_with_the_setting_the_form_offers_the_checkbox_and_shares_without_name(
    client, closed_community
):
    community, member, facilitator = closed_community
    client.force_login(facilitator)
    manage = reverse("communities:manage", args=[community.slug])
    assert "Members may share experiences without their name" in client.get(manage).content.decode()
    data = details_data(visibility=community.visibility, join_policy=community.join_policy)
    assert client.post(manage, {**data, "allows_unnamed_posts": "on"}).status_code == 302
    community.refresh_from_db()
    assert community.allows_unnamed_posts
    client.force_login(member)
    create = reverse("practices:create", args=[community.slug, "experience"])
    page = client.get(create).content.decode()
    assert "Share without my name" in page
    assert "The facilitators still see your name" in page
    response = client.post(create, {**EXPERIENCE, "action": "publish", "shared_without_name": "on"})
    assert response.status_code == 302
    post = Post.objects.get()
    assert post.shared_without_name
    # Editing the published post keeps it without name: only the post page's "Put my
    # name on it", after its confirmation, reveals the author.
    edit = reverse("practices:edit", args=[community.slug, post.pk])
    page = client.get(edit).content.decode()
    assert 'name="shared_without_name"' not in page
    assert "it stays so when you save" in page
    changed = {**EXPERIENCE, "learned": "Ask first.", "action": "publish"}
    assert client.post(edit, changed).status_code == 302
    assert client.post(edit, {**changed, "shared_without_name": "on"}).status_code == 302
    post.refresh_from_db()
    assert post.shared_without_name and post.learned == "Ask first."
    # A draft's choice can change until it is published.
    draft = {**EXPERIENCE, "title": "Draft", "action": "draft", "shared_without_name": "on"}
    assert client.post(create, draft).status_code == 302
    draft_post = Post.objects.get(title="Draft")
    assert draft_post.shared_without_name
    edit_draft = reverse("practices:edit", args=[community.slug, draft_post.pk])
    assert 'name="shared_without_name"' in client.get(edit_draft).content.decode()
    assert client.post(edit_draft, {**EXPERIENCE, "action": "publish"}).status_code == 302
    draft_post.refresh_from_db()
    assert draft_post.is_published and not draft_post.shared_without_name


def test_turning_the_setting_off_leaves_earlier_posts_without_name(client, closed_community):
    community, member, facilitator = closed_community
    Community.objects.filter(pk=community.pk).update(allows_unnamed_posts=True)
    community.refresh_from_db()
    post = services.post_create(
        community=community,
        author=member,
        kind=Post.Kind.EXPERIENCE,
        data=EXPERIENCE,
        shared_without_name=True,
    )
    Community.objects.filter(pk=community.pk).update(allows_unnamed_posts=False)
    post.refresh_from_db()
    services.post_update(post=post, editor=member, data={"learned": "Ask first."})
    post.refresh_from_db()
    assert post.shared_without_name
    reader = MembershipFactory(community=community).user
    client.force_login(reader)
    page = client.get(post.get_absolute_url()).content.decode()
    assert "A member of this community" in page
    assert member.display_name not in page


def test_members_reading_german_see_ein_mitglied_dieser_gemeinschaft(client, closed_community):
    community, member, _facilitator = closed_community
    Community.objects.filter(pk=community.pk).update(allows_unnamed_posts=True)
    community.refresh_from_db()
    post = services.post_create(
        community=community,
        author=member,
        kind=Post.Kind.EXPERIENCE,
        data=EXPERIENCE,
        shared_without_name=True,
    )
    reader = MembershipFactory(community=community, user=UserFactory(language="de")).user
    client.force_login(reader)
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Ein Mitglied dieser Gemeinschaft" in page
    feed = client.get(reverse("practices:feed", args=[community.slug])).content.decode()
    assert "von einem Mitglied dieser Gemeinschaft" in feed
    assert member.display_name not in feed
