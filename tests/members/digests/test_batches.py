"""The batched path: a batch's queries do not grow with its size, members alike and
unlike get what each would get alone, and a retry after a failure mid-batch sends
each digest once."""

from datetime import timedelta

import pytest
import time_machine
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communities.models import Membership
from members.digests import content, selection, sending
from members.digests.content import CommunityContentCache
from members.digests.rendering import render_digest
from members.digests.unsubscribe import unsubscribe_url
from members.models import DigestDelivery, Notification, NotificationKind, OutboundEmail
from members.tasks import send_digest_batch
from tests import digest_builders as build

from .helpers import committed, digest_emails, reader_of

pytestmark = pytest.mark.django_db

PERIOD = "weekly:2026-W23"


def _send(users, *, token=None, period=PERIOD):
    now = timezone.now()
    return sending.send_batch(
        user_ids=[u.pk for u in users],
        period=period,
        since=now - timedelta(days=7),
        now=now,
        claim_token=token,
    )


def test_a_batch_costs_the_same_queries_whatever_its_size():
    """Content once per run, visibility and notifications once per batch, claims and
    emails in bulk: ten members or fifty, the same number of queries."""

    def queries_for(count: int) -> int:
        community = build.community(f"Community of {count}")
        author = build.member(community, digest_cadence="off")
        post = build.experience(community, author=author, tags=["sbar"])
        build.challenge(community, author=author, tags=["sbar"])
        readers = [reader_of(community, help_with=["sbar"]) for _ in range(count)]
        for reader in readers[::3]:
            Notification.objects.create(
                recipient=reader,
                kind=NotificationKind.APPLIED,
                post=post,
                summary="Omar applied your experience",
                url=post.get_absolute_url(),
                email_status=Notification.EmailStatus.DIGEST,
            )
        with CaptureQueriesContext(connection) as captured:
            counts = _send(readers, period=f"weekly:2026-W{count}")
        assert counts["sent"] == count
        return len(captured)

    ten, fifty = queries_for(10), queries_for(50)

    assert fifty == ten
    assert ten <= 24


def test_a_mixed_batch_gets_what_each_member_would_get_alone():
    """Roles, members-only communities, digest opt-outs, languages, help tags and
    notifications differ within one batch: the batch decides what each may read as
    a batch of one would (where each member is asked about through the doors)."""
    public = build.community("Open ward")
    private = build.community("Night shift circle", members_only=True)
    hidden_away = build.community("Quiet room", hidden=True)
    author = build.member(public, digest_cadence="off")
    build.member(private, author)
    build.member(hidden_away, author)
    build.experience(public, author=author, title="Open lesson", tags=["sbar"])
    build.challenge(public, author=author, title="Open question", tags=["sbar"])
    secret = build.experience(private, author=author, title="Private lesson")
    build.challenge(private, author=author, title="Private question", tags=["sbar"])
    build.experience(hidden_away, author=author, title="Hidden room lesson")
    build.applied(secret, note="We tried it on nights.")

    both = reader_of(public, help_with=["sbar"], language="de")
    build.member(private, both, help_with=["sbar"])
    outsider = reader_of(public, language="en")
    facilitator = reader_of(private, language="de")
    Membership.objects.filter(user=facilitator, community=private).update(
        role=Membership.Role.FACILITATOR
    )
    opted_out = reader_of(public)
    build.member(private, opted_out)
    Membership.objects.filter(user=opted_out, community=public).update(digest_opt_out=True)
    removed = reader_of(private)
    build.member(hidden_away, removed)
    build.remove(private, removed)
    for recipient in (outsider, both):
        # About a members-only post: only the member of that community may see it.
        Notification.objects.create(
            recipient=recipient,
            kind=NotificationKind.APPLIED,
            post=secret,
            summary="Someone applied a private lesson",
            url=secret.get_absolute_url(),
            email_status=Notification.EmailStatus.DIGEST,
        )
    users = [both, outsider, facilitator, opted_out, removed]
    now = timezone.now()
    since = now - timedelta(days=7)

    batch = selection.digests_for(
        users, CommunityContentCache(since, now), {u.pk: since for u in users}
    )

    def shown(digest):
        return (
            [(h.post.title, h.matched) for h in digest.you_could_help],
            [n.summary for n in digest.notifications],
            [
                (
                    s.community.name,
                    [p.title for p in s.experiences],
                    [p.title for p in s.open_challenges],
                    [m.name for m in s.new_members],
                    [a.note for a in s.applied],
                    s.more,
                )
                for s in digest.sections
            ],
        )

    for user in users:
        alone = selection.digest_for(user, CommunityContentCache(since, now), since)
        assert shown(batch[user.pk]) == shown(alone), user
        if not alone.is_empty:
            # Rendered at one instant: the email may speak of "now".
            with time_machine.travel(timezone.now(), tick=False):
                batched = render_digest(user, batch[user.pk], PERIOD)
                assert batched == render_digest(user, alone, PERIOD)
    titles = {u.pk: str(shown(batch[u.pk])) for u in users}
    assert "Private lesson" in titles[both.pk]
    assert "Someone applied a private lesson" in titles[both.pk]
    assert {h.post.title for h in batch[both.pk].you_could_help} == {
        "Open question",
        "Private question",
    }
    for leak in ("Private", "Hidden room", "private lesson"):
        assert leak not in titles[outsider.pk]
    assert "Private lesson" in titles[facilitator.pk]
    assert "Open lesson" not in titles[opted_out.pk]
    assert "Private lesson" in titles[opted_out.pk]
    assert "Private" not in titles[removed.pk] and "Hidden room lesson" in titles[removed.pk]
    # Each in their own language, within one batch.
    german = render_digest(both, batch[both.pk], PERIOD).text
    english = render_digest(outsider, batch[outsider.pk], PERIOD).text
    assert "HIER KÖNNTEN SIE HELFEN" in german and "YOU COULD HELP" not in german
    assert "New experiences" in english
    assert "FOR YOU" not in english  # the notification about a members-only post


def test_a_batch_that_failed_midway_is_taken_back_by_its_retry_and_sends_each_digest_once(
    community, monkeypatch
):
    readers = [reader_of(community) for _ in range(6)]
    render = sending.render_digest
    calls = {"n": 0}

    def fail_on_the_fourth(user, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise OperationalError("the database went away")
        return render(user, *args, **kwargs)

    monkeypatch.setattr(sending, "render_digest", fail_on_the_fourth)
    with pytest.raises(OperationalError), committed():
        _send(readers, token="task-1")
    assert DigestDelivery.objects.filter(status="claimed").count() == 6
    assert not OutboundEmail.objects.exists()

    # Another task's claims are not stale yet: left alone.
    with committed():
        assert _send(readers, token="task-2")["skipped"] == 6
    # The same task's retry takes its claims back at once and finishes them.
    with committed():
        assert _send(readers, token="task-1")["sent"] == 6
    with committed():
        assert _send(readers, token="task-1")["skipped"] == 6

    for reader in readers:
        assert len(digest_emails(reader.email)) == 1
    assert DigestDelivery.objects.filter(status="sent").count() == 6
    assert OutboundEmail.objects.filter(kind="digest", status="sent").count() == 6


def test_the_task_run_again_under_its_id_after_a_database_error_sends_each_digest_once(
    community, monkeypatch
):
    """A retry or a redelivered message keeps the task's id, which is its claim token."""
    readers = [reader_of(community) for _ in range(3)]
    render = sending.render_digest
    calls = {"n": 0}

    def fail_once(user, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OperationalError("the database went away")
        return render(user, *args, **kwargs)

    monkeypatch.setattr(sending, "render_digest", fail_once)
    args = ([r.pk for r in readers], PERIOD, (timezone.now() - timedelta(days=7)).isoformat())
    with pytest.raises(Exception), committed():  # noqa: B017 - eager retries propagate
        send_digest_batch.apply(args, task_id="batch-7", throw=True)
    assert not digest_emails()
    with committed():
        assert send_digest_batch.apply(args, task_id="batch-7").get()["sent"] == 3
    with committed():
        assert send_digest_batch.apply(args, task_id="batch-8").get()["skipped"] == 3

    for reader in readers:
        assert len(digest_emails(reader.email)) == 1


def test_each_community_is_read_once_a_run_across_batches(community):
    other = build.community("Second ward")
    build.experience(other, title="Second lesson")
    readers = [reader_of(community) for _ in range(4)] + [reader_of(other) for _ in range(2)]
    now = timezone.now()
    for chunk in (readers[:2], readers[2:4], readers[4:]):
        with committed():
            sending.send_batch(
                user_ids=[r.pk for r in chunk],
                period=PERIOD,
                since=now - timedelta(days=7),
                now=now,
            )

    assert content.run_content(now).fetches == 2  # first batch, then "Second ward"
    assert len(digest_emails()) == 6


def test_members_with_the_same_items_share_one_rendering_of_each_community_section():
    """A community's section is rendered once a run for each language and set of items,
    and each member's email is what rendering it alone would give."""
    community = build.community("Open ward")
    author = build.member(community, digest_cadence="off")
    build.experience(community, author=author, title="Handover with SBAR")
    build.challenge(community, author=author, title="Night rounds")
    readers = [reader_of(community, language="en") for _ in range(3)]
    german = reader_of(community, language="de")
    users = [*readers, german]
    now = timezone.now()
    since = now - timedelta(days=7)
    cache = CommunityContentCache(since, now)
    batch = selection.digests_for(users, cache, {u.pk: since for u in users})

    with time_machine.travel(timezone.now(), tick=False):
        shared = {
            u.pk: render_digest(u, batch[u.pk], PERIOD, fragments=cache.fragments) for u in users
        }
        alone = {u.pk: render_digest(u, batch[u.pk], PERIOD) for u in users}

    assert len(cache.fragments) == 2  # one English, one German
    assert shared == alone
    assert "Handover with SBAR" in shared[german.pk].html
    assert "Neue Erfahrungen" in shared[german.pk].text
    # Each member's own link to leave the community out stays theirs.
    for reader in readers:
        leave_out = unsubscribe_url(reader.pk, community.pk)
        assert leave_out in shared[reader.pk].text and leave_out in shared[reader.pk].html
        assert not any(leave_out in shared[u.pk].text for u in users if u != reader)


def test_digest_lines_stay_short_enough_to_travel_unencoded():
    """SMTP allows 998 characters a line; one longer line makes the whole HTML part
    quoted-printable, which costs every email of a run its encoding."""
    community = build.community("Open ward")
    author = build.member(community, digest_cadence="off")
    for n in range(8):
        build.challenge(community, author=author, title=f"A long open challenge title {n} " * 5)
    for _ in range(6):
        reader_of(community, help_with=["sbar"])
    reader = reader_of(community)
    now = timezone.now()
    since = now - timedelta(days=7)
    digest = selection.digest_for(reader, CommunityContentCache(since, now), since)

    email = render_digest(reader, digest, PERIOD)

    assert "A long open challenge title 7" in email.html
    assert max(len(line) for line in email.html.splitlines()) <= 998
    assert max(len(line) for line in email.text.splitlines()) <= 998
