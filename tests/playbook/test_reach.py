"""The playbook beyond its own pages: site search through the same door, the weekly
digest, the health dashboard."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from members.digests.content import CommunityContentCache
from members.digests.rendering import render_digest
from members.digests.selection import digest_for
from practices.playbook import services
from practices.playbook.health import playbook_health
from tests.factories import CommunityFactory, MembershipFactory, PostFactory


@pytest.fixture
def render_every_request(settings):
    settings.ANONYMOUS_PAGE_CACHE_SECONDS = 0


def test_search_finds_playbook_pages_in_their_own_section(client, handbook_page, member):
    client.force_login(member)

    html = client.get(reverse("practices:search"), {"q": "beds"}).content.decode()

    assert "In the playbooks" in html
    assert handbook_page.get_absolute_url() in html
    assert "<mark>beds</mark>" in html


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_search_never_finds_a_members_only_playbook_for_outsiders(
    client, request, handbook_page, who, render_every_request
):
    if who == "outsider":
        client.force_login(request.getfixturevalue("outsider"))

    html = client.get(reverse("practices:search"), {"q": "beds"}).content.decode()

    assert "In the playbooks" not in html and "Handover checklist" not in html


def test_search_of_a_public_playbook_for_anyone(client, db, render_every_request):
    public = CommunityFactory()
    facilitator = MembershipFactory(community=public, facilitator=True).user
    services.page_create(community=public, by=facilitator, title="Shift swap", body="Swap rota")

    html = client.get(reverse("practices:search"), {"q": "rota"}).content.decode()

    assert "Shift swap" in html


def _digest(user, since):
    until = timezone.now() + timedelta(minutes=1)
    cache = CommunityContentCache(since, until)
    return digest_for(user, cache, since), cache


def test_the_digest_mentions_playbook_changes_with_links(handbook_page, member, facilitator):
    since = timezone.now() - timedelta(days=7)
    second = services.page_create(
        community=handbook_page.community, by=facilitator, title="Night shift", body="Sleep"
    )

    digest, _cache = _digest(member, since)
    email = render_digest(member, digest, "weekly:2026-W49")

    (section,) = digest.sections
    assert [p.title for p in section.playbook] == ["Night shift", "Handover checklist"]
    assert "Playbook: 2 pages updated" in email.text
    assert second.get_absolute_url() in email.text
    assert handbook_page.get_absolute_url() in email.html


def test_ones_own_playbook_changes_are_no_news(handbook_page, facilitator):
    digest, _cache = _digest(facilitator, timezone.now() - timedelta(days=7))

    assert all(not s.playbook for s in digest.sections)


def test_the_digest_reads_playbook_changes_once_per_community_per_run(
    handbook_page, member, core, django_assert_num_queries
):
    since = timezone.now() - timedelta(days=7)
    until = timezone.now() + timedelta(minutes=1)
    cache = CommunityContentCache(since, until)
    digest_for(member, cache, since)

    digest = digest_for(core, cache, since)

    assert cache.fetches == 1
    assert [p.title for p in digest.sections[0].playbook] == ["Handover checklist"]


def test_the_digest_keeps_its_query_count_as_playbooks_grow(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from members.digests.content import communities_digest_content

    communities = [CommunityFactory() for _ in range(3)]
    facilitators = [MembershipFactory(community=c, facilitator=True).user for c in communities]
    since = timezone.now() - timedelta(days=7)
    until = timezone.now() + timedelta(minutes=1)

    def read() -> tuple[int, list[int]]:
        with CaptureQueriesContext(connection) as queries:
            content = communities_digest_content([c.pk for c in communities], since, until)
        return len(queries), [len(content[c.pk].playbook) for c in communities]

    before, _counts = read()
    for n, (community, facilitator) in enumerate(zip(communities, facilitators, strict=True)):
        for i in range(n * 3):
            services.page_create(community=community, by=facilitator, title=f"P{i}", body="")
    after, counts = read()

    assert after == before
    assert counts == [0, 3, 6]


def test_the_health_dashboard_counts_pages_and_those_backed_by_evidence(
    client, handbook_page, facilitator, community, member
):
    services.page_create(community=community, by=facilitator, title="No evidence", body="")
    # Evidence hidden after it was linked (a hidden post cannot be linked) backs nothing.
    hidden = PostFactory(community=community, author=member)
    services.page_create(
        community=community, by=facilitator, title="Hidden evidence", body="", evidence=[hidden]
    )
    hidden.hidden_at = timezone.now()
    hidden.save()

    figures = playbook_health(community)
    client.force_login(facilitator)
    html = client.get(reverse("communities:manage_health", args=[community.slug])).content.decode()

    assert (figures.pages, figures.with_evidence, figures.without_evidence) == (3, 1, 2)
    assert "Playbook pages" in html and "Backed by evidence" in html
