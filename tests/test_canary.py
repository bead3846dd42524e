"""The canary: a unique string in every kind of private content, and no outsider ever
sees it on any page, fragment, email or digest.

The string is seeded into a members-only community's content (its posts, comments,
tags, introductions, invitations, reports and notifications: its home page and rules
are public) and into all of a hidden community (its name, challenge, rules too). Then
every URL pattern, filled with real ids the way the access table fills them (a new
pattern it cannot fill fails here too), is requested plain and as htmx by each kind
of outsider, and every email and digest rendered for them is searched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import resolve, reverse
from django.utils import timezone

from communities.meetings import services as meeting_services
from communities.models import CharterVersion, Community, Invitation, Membership, Report, Rule
from communities.webhooks import events as webhook_events
from communities.webhooks import services as webhook_services
from communities.webhooks.models import WebhookDelivery, WebhookEndpoint
from members import notifications
from members.api_tokens import api_token_create
from members.digests import preview_for
from members.feed_tokens import FeedPurpose, feed_token_for
from members.models import Notification, NotificationKind, OutboundEmail
from practices import attachments
from practices.models import Comment, CommunityRead, Post
from practices.playbook import services as playbook_services
from practices.playbook.models import PlaybookPage
from tests.factories import CommunityFactory, InvitationFactory, MembershipFactory, UserFactory
from tests.test_access_table import ROUTES, image_bytes, url_for

pytestmark = pytest.mark.django_db

CANARY = "zqcanary"
OUTSIDERS = ["anonymous", "outsider", "left", "removed", "banned", "pending", "other"]
FORMER = {"left": "LEFT", "removed": "REMOVED", "banned": "BANNED"}
VISIBILITIES = ["members", "hidden"]


def canary(where: str) -> str:
    return f"{CANARY}-{where}"


@dataclass
class World:
    """Shaped like the access table's world, so that its `url_for` fills every pattern."""

    users: dict
    communities: dict
    objects: dict


def _community(vis: str, users: dict) -> tuple[Community, dict]:
    hidden = vis == "hidden"
    fields = {}
    if hidden:
        # A hidden community's home page and rules are private too.
        fields = {
            "name": canary("hidden-name"),
            "challenge": canary("hidden-challenge"),
            "purpose": canary("hidden-purpose"),
            "welcome_message": canary("hidden-welcome"),
            "expectations": canary("hidden-expectations"),
        }
    community = CommunityFactory(
        visibility=vis,
        join_policy="invitation" if hidden else "request",
        questions=["Why?"],
        charter=False,
        **fields,
    )
    rules = [{"title": canary(f"{vis}-rule"), "explanation": canary(f"{vis}-why")}]
    if not hidden:
        rules = [{"title": "Be kind", "explanation": "Always"}]
    CharterVersion.objects.create(
        community=community,
        number=1,
        rules=rules,
        purpose=community.purpose,
        expectations=community.expectations,
        is_material=True,
        summary=canary(f"{vis}-charter-summary") if hidden else "First rules",
    )
    Community.objects.filter(pk=community.pk).update(
        current_charter_number=1, required_charter_number=1
    )
    community.refresh_from_db()
    rule = Rule.objects.create(
        community=community, position=0, title=rules[0]["title"], explanation="x"
    )
    MembershipFactory(community=community, user=users["facilitator"], facilitator=True)
    MembershipFactory(community=community, user=users["core"], core=True)
    membership = MembershipFactory(
        community=community, user=users["member"], intro=canary(f"{vis}-intro")
    )
    pending = MembershipFactory(community=community, user=users["pending"], pending=True)
    for role, status in FORMER.items():
        MembershipFactory(
            community=community,
            user=users[role],
            status=getattr(Membership.Status, status),
            intro=canary(f"{vis}-{role}-intro"),
        )
    post = Post.objects.create(
        community=community,
        author=users["member"],
        kind=Post.Kind.EXPERIENCE,
        title=canary(f"{vis}-post-title"),
        tried=canary(f"{vis}-tried"),
        happened=canary(f"{vis}-happened"),
        learned=canary(f"{vis}-learned"),
        published_at=community.launched_at,
    )
    post.tags.set([canary(f"{vis}-tag")])
    comment = Comment.objects.create(post=post, author=users["core"], body=canary(f"{vis}-comment"))
    # Files on the post and on its comment: the canary in their names and their bytes.
    attachment = attachments.attachment_add(
        post=post,
        uploader=users["member"],
        checked=attachments.check_file(
            SimpleUploadedFile(
                f"{canary(f'{vis}-attachment-name')}.txt",
                canary(f"{vis}-attachment-content").encode(),
            )
        ),
    )
    attachments.attachment_add(
        post=post,
        comment=comment,
        uploader=users["core"],
        checked=attachments.check_file(
            SimpleUploadedFile(f"{canary(f'{vis}-comment-attachment')}.md", b"# Notes")
        ),
    )
    # Stored files: a members-only community's cover is as public as its home page; a
    # hidden community's cover, and the avatar of someone who belongs only there, are
    # not. The canary rides in the hidden ones' bytes.
    private = canary(f"{vis}-file").encode() if hidden else b""
    community.cover_image.save("cover.webp", ContentFile(image_bytes(private)), save=True)
    avatar_owner = UserFactory()
    avatar_owner.avatar.save("avatar.webp", ContentFile(image_bytes(private)), save=True)
    MembershipFactory(community=community, user=avatar_owner)
    now = timezone.now()
    InvitationFactory(
        community=community,
        email=f"{CANARY}-{vis}-invitee@practica.test",
        message=canary(f"{vis}-invitation-message"),
        invited_by=users["facilitator"],
    )
    # An open invitation's link is its own permission (whoever holds it reads it);
    # the pages are filled with one that was used, which must show nothing.
    invitation = InvitationFactory(
        community=community,
        email=f"{CANARY}-{vis}-joined@practica.test",
        message=canary(f"{vis}-used-invitation-message"),
        invited_by=users["facilitator"],
        accepted_at=now,
    )
    Report.objects.create(
        community=community,
        reporter=users["member"],
        comment=comment,
        rule=rule,
        rule_title=rule.title,
        note=canary(f"{vis}-report"),
    )
    for role in FORMER:
        # What former members heard while they belonged: replies, then an invitation
        # (withdrawn since) to come back, each by email, in the digest and on the site.
        revoked = InvitationFactory(
            community=community,
            email=users[role].email,
            message=canary(f"{vis}-{role}-invitation"),
            invited_by=users["facilitator"],
            revoked_at=now,
        )
        for status in (Notification.EmailStatus.PENDING, Notification.EmailStatus.DIGEST):
            Notification.objects.create(
                recipient=users[role],
                kind=NotificationKind.REPLY,
                actor=users["core"],
                community=community,
                post=post,
                comment=comment,
                summary=canary(f"{vis}-{role}-reply"),
                url=post.get_absolute_url(),
                email_status=status,
                email_due_at=now,
            )
            Notification.objects.create(
                recipient=users[role],
                kind=NotificationKind.INVITATION,
                actor=users["facilitator"],
                community=community,
                invitation=revoked,
                summary=canary(f"{vis}-{role}-invitation-summary"),
                url=revoked.get_absolute_url(),
                email_status=status,
                email_due_at=now,
            )
    # A weekly series with its agenda and place, and an insight waiting for consent.
    first = datetime.combine(date.today() + timedelta(days=7), time(19, 0))
    meeting = meeting_services.meeting_schedule(
        community=community,
        by=users["facilitator"],
        data={
            "title": canary(f"{vis}-meeting"),
            "agenda": canary(f"{vis}-agenda"),
            "place": canary(f"{vis}-place"),
            "duration_minutes": 60,
        },
        starts_local=first,
        time_zone="Europe/Berlin",
        rule=f"FREQ=WEEKLY;UNTIL={first + timedelta(days=21):%Y%m%d}T235959",
        invite=False,
    )
    insight = meeting_services.insight_propose(
        meeting=meeting,
        by=users["facilitator"],
        person=users["member"],
        kind="challenge",
        data={"title": canary(f"{vis}-insight"), "situation": canary(f"{vis}-insight-text")},
    )
    # A file in the meeting's notes: the canary in its name and its bytes.
    notes_file = attachments.attachment_upload(
        uploader=users["facilitator"],
        checked=attachments.check_file(
            SimpleUploadedFile(
                f"{canary(f'{vis}-notes-file')}.txt", canary(f"{vis}-notes-content").encode()
            )
        ),
    )
    attachments.attachments_attach_to_meeting(
        attachments=[notes_file], meeting=meeting, by=users["facilitator"]
    )
    # A webhook endpoint: its address, secret and delivery log are the facilitators'.
    webhook = webhook_services.endpoint_create(
        community=community,
        by=users["facilitator"],
        url=f"http://127.0.0.1:9/{CANARY}-{vis}-hook",
        events=["post.published"],
        description=canary(f"{vis}-webhook"),
    )
    WebhookEndpoint.objects.filter(pk=webhook.pk).update(secret=f"whsec_{CANARY}-{vis}-secret")
    delivery = webhook_events.event_record(
        type="post.published",
        community=community,
        data={"post": {"title": post.title}},
        endpoints=[webhook],
    )[0]
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        response_body=canary(f"{vis}-webhook-response")
    )
    # A playbook page with two versions, its evidence, and a member's proposal.
    playbook_page = playbook_services.page_create(
        community=community,
        by=users["facilitator"],
        title=canary(f"{vis}-playbook-title"),
        body=f"# {canary(f'{vis}-playbook-heading')}\n\n{canary(f'{vis}-playbook-body')}",
        evidence=[post],
        note=canary(f"{vis}-playbook-note"),
    )
    # The address is what an outsider asks for; the canary is in what the page holds.
    PlaybookPage.objects.filter(pk=playbook_page.pk).update(slug="handover")
    playbook_page.slug = "handover"
    playbook_services.page_edit(
        page=playbook_page,
        by=users["core"],
        title=playbook_page.title,
        body=canary(f"{vis}-playbook-revision"),
        note=canary(f"{vis}-playbook-revision-note"),
    )
    proposal = playbook_services.proposal_create(
        community=community,
        by=users["member"],
        page=playbook_page,
        title=canary(f"{vis}-proposal-title"),
        body=canary(f"{vis}-proposal-body"),
        note=canary(f"{vis}-proposal-note"),
    )
    objects = {
        "playbook_page": playbook_page,
        "proposal": proposal,
        "webhook": webhook,
        "rule": rule,
        "invitation": invitation,
        "pending": pending,
        "membership": membership,
        "post": post,
        "comment": comment,
        "attachment": attachment,
        "meeting": meeting,
        "notes_file": notes_file,
        "insight": insight,
        "avatar_owner": avatar_owner,
    }
    return community, objects


def build_world() -> World:
    roles = ["facilitator", "core", "member", *OUTSIDERS[1:]]
    users = {role: UserFactory(display_name=f"{role.title()} Person") for role in roles}
    other = CommunityFactory()
    MembershipFactory(community=other, user=users["other"])
    communities, objects = {}, {}
    for vis in VISIBILITIES:
        communities[vis], objects[vis] = _community(vis, users)
    return World(users=users, communities=communities, objects=objects)


def _client_for(client, world: World, role: str):
    client.logout()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def _own_calendar_url(name: str, url: str, user) -> str:
    """The same calendar or news feed address as `url`, with `user`'s own secret token."""
    match = resolve(url)
    purpose = FeedPurpose.POSTS if name == "practices:member_feed" else FeedPurpose.CALENDAR
    kwargs = {**match.kwargs, "token": feed_token_for(user=user, purpose=purpose).token}
    return reverse(name, kwargs=kwargs)


def _api_token(world: World, role: str) -> str:
    """The outsider's own read-and-write personal access token, made once."""
    tokens = world.objects.setdefault("api_tokens", {})
    if role not in tokens:
        issued = api_token_create(
            user=world.users[role], name="Canary", scope="write", lifetime_days=30
        )
        tokens[role] = issued.secret
    return tokens[role]


def test_no_outsider_finds_the_canary_on_any_page(client):
    world = build_world()
    leaks = []
    # Every named address with the world's objects, and the one address (an attachment's)
    # that also serves a second kind of object: a file in a meeting's notes.
    notes_files = [
        ("practices:attachment", world.objects[vis]["notes_file"].get_absolute_url())
        for vis in VISIBILITIES
    ]
    addresses = [
        (name, url_for(name, params, world, vis)) for name, params in ROUTES for vis in VISIBILITIES
    ]
    for name, url in [*addresses, *notes_files]:
        if name == "api:search":
            url = f"{url.split('?')[0]}?q={CANARY}"
        for role in OUTSIDERS:
            if name.startswith("meetings:feed_") or name == "practices:member_feed":
                # A calendar address is its owner's secret: each outsider asks for
                # their own (anonymous visitors have none).
                if role == "anonymous":
                    continue
                url = _own_calendar_url(name, url, world.users[role])
            variants = [{}, {"HTTP_HX_REQUEST": "true"}]
            by_token = name.startswith(("api:", "practices:attachment"))
            if by_token and role != "anonymous":
                # The API (and the files it links to) also as the outsider's own token,
                # without their session.
                variants.append({"HTTP_AUTHORIZATION": f"Bearer {_api_token(world, role)}"})
            for headers in variants:
                if "HTTP_AUTHORIZATION" in headers:
                    client.logout()
                    response = client.get(url, **headers)
                else:
                    response = _client_for(client, world, role).get(url, **headers)
                raw = (
                    b"".join(response.streaming_content) if response.streaming else response.content
                )
                body = raw.decode(errors="replace")
                body += response.get("Location", "")
                body += response.get("Content-Disposition", "")
                if CANARY in body:
                    at = body.index(CANARY)
                    how = (
                        "token"
                        if "HTTP_AUTHORIZATION" in headers
                        else "htmx"
                        if headers
                        else "page"
                    )
                    leaks.append(f"{role:<9} {how} {url}: {body[at : at + 60]!r}")
    assert not leaks, "\n".join(leaks)


def test_no_outsider_finds_a_playbook_page_by_searching(client, settings):
    """Search covers playbook pages through the same door as posts."""
    settings.ANONYMOUS_PAGE_CACHE_SECONDS = 0
    world = build_world()
    leaks = []
    for role in OUTSIDERS:
        for query in (CANARY, canary("members-playbook-body"), canary("hidden-playbook-body")):
            for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
                response = _client_for(client, world, role).get(
                    reverse("practices:search"), {"q": query}, **headers
                )
                if f"{CANARY}-" in response.content.decode().replace(f"{query}", ""):
                    leaks.append(f"{role} {query} {headers}")
                if "playbook-results-heading" in response.content.decode():
                    leaks.append(f"{role} {query} {headers}: a playbook section")
    assert not leaks, "\n".join(leaks)
    # Members do find the pages: the search can show a leak.
    found = _client_for(client, world, "member").get(
        reverse("practices:search"), {"q": canary("hidden-playbook-revision")}
    )
    assert canary("hidden-playbook-title") in found.content.decode()


def test_no_outsider_finds_the_canary_in_an_email_or_digest():
    world = build_world()
    notifications.send_notification_emails(now=timezone.now() + timedelta(hours=1))
    leaks = []
    for role in OUTSIDERS[1:]:
        user = world.users[role]
        for email in OutboundEmail.objects.filter(to=user.email):
            text = f"{email.subject}\n{email.body_text}\n{email.body_html}"
            if CANARY in text:
                leaks.append(f"{role}: email {email.subject!r}")
        preview = preview_for(user)
        if preview.email is not None:
            rendered = f"{preview.email.subject}\n{preview.email.text}\n{preview.email.html}"
            if CANARY in rendered:
                leaks.append(f"{role}: digest")
    assert not leaks, "\n".join(leaks)


def test_the_canary_is_there_for_a_member_to_find(client):
    """The canary test proves something only if members do see the seeded content."""
    world = build_world()
    client.force_login(world.users["member"])
    for vis in VISIBILITIES:
        post = world.objects[vis]["post"]
        page = client.get(post.get_absolute_url()).content.decode()
        assert canary(f"{vis}-post-title") in page
        assert canary(f"{vis}-comment") in page
        assert canary(f"{vis}-attachment-name") in page
        assert canary(f"{vis}-comment-attachment") in page
        download = client.get(world.objects[vis]["attachment"].get_absolute_url())
        assert canary(f"{vis}-attachment-content").encode() in b"".join(download.streaming_content)
        assert canary(f"{vis}-attachment-name") in download["Content-Disposition"]
        meeting = client.get(world.objects[vis]["meeting"].get_absolute_url()).content.decode()
        assert canary(f"{vis}-notes-file") in meeting
        notes_file = client.get(world.objects[vis]["notes_file"].get_absolute_url())
        assert canary(f"{vis}-notes-content").encode() in b"".join(notes_file.streaming_content)
        # And through the API, with the member's own token.
        token = f"Bearer {_api_token(world, 'member')}"
        base = f"/api/v1/communities/{post.community.slug}/posts/{post.pk}/"
        client.logout()
        assert (
            canary(f"{vis}-post-title")
            in client.get(base, HTTP_AUTHORIZATION=token).json()["title"]
        )
        detail = client.get(base, HTTP_AUTHORIZATION=token).json()
        assert [a["name"] for a in detail["attachments"]] == [
            f"{canary(f'{vis}-attachment-name')}.txt"
        ]
        download = client.get(detail["attachments"][0]["url"], HTTP_AUTHORIZATION=token)
        assert canary(f"{vis}-attachment-content").encode() in b"".join(download.streaming_content)
        comments = client.get(f"{base}comments/", HTTP_AUTHORIZATION=token).content.decode()
        assert canary(f"{vis}-comment") in comments
        assert canary(f"{vis}-comment-attachment") in comments
        client.force_login(world.users["member"])
    hidden = world.communities["hidden"]
    cover = client.get(reverse("communities:cover", args=[hidden.slug]))
    assert canary("hidden-file").encode() in b"".join(cover.streaming_content)
    owner = world.objects["hidden"]["avatar_owner"]
    avatar = client.get(reverse("members:avatar", args=[owner.pk]))
    assert canary("hidden-file").encode() in b"".join(avatar.streaming_content)
    assert Invitation.objects.filter(message__contains=CANARY).exists()
    for vis in VISIBILITIES:
        playbook_page = world.objects[vis]["playbook_page"]
        slug = world.communities[vis].slug
        page = client.get(playbook_page.get_absolute_url()).content.decode()
        assert canary(f"{vis}-playbook-title") in page
        assert canary(f"{vis}-playbook-revision") in page
        history = client.get(reverse("playbook:history", args=[slug, "handover"])).content
        assert canary(f"{vis}-playbook-revision-note") in history.decode()
        diff = client.get(reverse("playbook:revision", args=[slug, "handover", 2])).content
        assert canary(f"{vis}-playbook-body") in diff.decode()
        proposal = client.get(world.objects[vis]["proposal"].get_absolute_url()).content
        assert canary(f"{vis}-proposal-note") in proposal.decode()
    digest = preview_for(world.users["member"]).email
    assert canary("members-playbook-title") in digest.text
    # The facilitators find the webhook's log, secret and address where outsiders do not.
    client.force_login(world.users["facilitator"])
    for vis in VISIBILITIES:
        webhook = world.objects[vis]["webhook"]
        page = client.get(
            reverse("webhooks:detail", args=[world.communities[vis].slug, webhook.pk])
        ).content.decode()
        for seeded in ("webhook", "webhook-response", "secret", "hook"):
            assert f"{CANARY}-{vis}-{seeded}" in page


def test_no_outsider_finds_the_canary_by_marking_a_community_as_read(client):
    """ "Mark all as read" answers htmx with the feed's posts: only for active members."""
    world = build_world()
    leaks = []
    for vis in VISIBILITIES:
        url = reverse("practices:mark_read", args=[world.communities[vis].slug])
        for role in OUTSIDERS:
            for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
                response = _client_for(client, world, role).post(url, **headers)
                body = response.content.decode(errors="replace") + response.get("Location", "")
                if CANARY in body or response.status_code == 200:
                    leaks.append(f"{role:<9} {vis} {headers}: {response.status_code}")
    assert not leaks, "\n".join(leaks)
    assert not CommunityRead.objects.exists()
    # The member's own answer carries the community's posts: the test can see a leak.
    member_view = _client_for(client, world, "member").post(
        reverse("practices:mark_read", args=[world.communities["hidden"].slug]),
        HTTP_HX_REQUEST="true",
    )
    assert canary("hidden-post-title") in member_view.content.decode()
