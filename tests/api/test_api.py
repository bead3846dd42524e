"""The REST API: tokens, the same door as the pages, one error shape, keyset pages."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from communities.services import membership_leave
from members.api_tokens import ApiToken, api_token_revoke
from practices.models import Comment, Post, Reaction
from tests import builders
from tests.api.conftest import bearer
from tests.factories import MembershipFactory, StaffFactory, UserFactory
from tests.staff import login_with_mfa

pytestmark = pytest.mark.django_db


def _error(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"status", "code", "message", "fields"}
    assert body["error"]["status"] == status
    assert body["error"]["message"]
    return body["error"]


def test_a_member_reads_their_private_community_with_a_token(as_token, private_community):
    member = builders.add_member(private_community).user
    post = builders.share(private_community, member, "Rota swaps by chat")
    api = as_token(member)
    feed = api.get(f"/api/v1/communities/{private_community.slug}/posts/")
    assert feed.status_code == 200
    assert [p["title"] for p in feed.json()["results"]] == ["Rota swaps by chat"]
    detail = api.get(f"/api/v1/communities/{private_community.slug}/posts/{post.pk}/")
    assert detail.json()["learned"] == "Small routines last longer."
    assert detail.json()["viewer"]["following"] is True


def test_an_outsider_gets_the_same_404_as_for_nothing(as_token, private_community):
    member = builders.add_member(private_community).user
    post = builders.share(private_community, member, "Secret rota")
    api = as_token(UserFactory())
    hidden = api.get(f"/api/v1/communities/{private_community.slug}/posts/{post.pk}/")
    missing = api.get(f"/api/v1/communities/{private_community.slug}/posts/999999/")
    assert _error(hidden, 404) == _error(missing, 404)
    assert api.get(f"/api/v1/communities/{private_community.slug}/posts/").status_code == 404


def test_a_member_who_leaves_loses_access_at_once(as_token, private_community):
    membership = builders.add_member(private_community)
    api = as_token(membership.user)
    url = f"/api/v1/communities/{private_community.slug}/posts/"
    assert api.get(url).status_code == 200
    membership_leave(membership=membership)
    _error(api.get(url), 404)


def test_revoked_expired_and_unknown_tokens_are_401(api, member, community):
    url = f"/api/v1/communities/{community.slug}/"
    header = bearer(member)
    api.credentials(HTTP_AUTHORIZATION=header)
    assert api.get(url).status_code == 200
    token = ApiToken.objects.get(user=member)
    api_token_revoke(user=member, pk=token.pk)
    error = _error(api.get(url), 401)
    assert error["code"] == "not_authenticated"

    api.credentials(HTTP_AUTHORIZATION=bearer(member, days=7))
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert _error(api.get(url), 401)
    api.credentials(HTTP_AUTHORIZATION="Bearer prt_not-a-token")
    response = api.get(url)
    _error(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_someone_else_cannot_revoke_a_token(member, other_member):
    header = bearer(member)
    token = ApiToken.objects.get(user=member)
    assert api_token_revoke(user=other_member, pk=token.pk) == 0
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert header.startswith("Bearer prt_")


def test_tokens_are_stored_hashed_and_record_their_last_use(api, member, community):
    header = bearer(member)
    secret = header.split()[1]
    token = ApiToken.objects.get(user=member)
    assert secret not in token.digest and token.last_used_at is None
    api.credentials(HTTP_AUTHORIZATION=header)
    api.get("/api/v1/communities/")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_read_token_cannot_write_and_a_write_token_can(as_token, api, member, community):
    post = builders.share(community, builders.add_member(community).user, "Handover checklist")
    url = f"/api/v1/communities/{community.slug}/posts/{post.pk}/comments/"
    error = _error(as_token(member, "read").post(url, {"body": "Me too"}, format="json"), 403)
    assert "read" in error["message"]
    assert not Comment.objects.filter(post=post).exists()
    created = as_token(member, "write").post(url, {"body": "Me too"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["body"] == "Me too"
    listed = api.get(url).json()["results"]
    assert [c["body"] for c in listed] == ["Me too"]


def test_writing_goes_through_the_services(as_token, member, community):
    api = as_token(member, "write")
    url = f"/api/v1/communities/{community.slug}/posts/"
    incomplete = api.post(url, {"kind": "experience", "title": "Only a title"}, format="json")
    error = _error(incomplete, 400)
    assert "Please fill in" in error["message"]
    data = {
        "kind": "experience",
        "title": "Bedside handover",
        "tried": "At the bedside",
        "happened": "Fewer questions later",
        "learned": "Patients add what we miss",
        "outcome": "worked",
        "tags": ["handover"],
    }
    created = api.post(url, data, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "published" and body["tags"] == ["handover"]
    edited = api.patch(f"{url}{body['id']}/", {"title": "Handover at the bedside"}, format="json")
    assert edited.status_code == 200, edited.content
    assert Post.objects.get(pk=body["id"]).title == "Handover at the bedside"
    assert Post.objects.get(pk=body["id"]).revisions.count() == 1


def test_only_the_author_edits_a_post(as_token, member, other_member, community):
    post = builders.share(community, member, "Mine")
    api = as_token(other_member, "write")
    url = f"/api/v1/communities/{community.slug}/posts/{post.pk}/"
    _error(api.patch(url, {"title": "Theirs"}, format="json"), 403)
    assert Post.objects.get(pk=post.pk).title == "Mine"


def test_reactions_follow_the_rules(as_token, member, other_member, community):
    post = builders.share(community, member, "Worth a try")
    url = f"/api/v1/communities/{community.slug}/posts/{post.pk}/reactions/"
    own = as_token(member, "write").post(url, {"kind": "helpful"}, format="json")
    assert "own post" in _error(own, 400)["message"]
    response = as_token(other_member, "write").post(url, {"kind": "helpful"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "kind": "helpful",
        "active": True,
        "helpful_count": 1,
        "applied_count": 0,
    }
    assert Reaction.objects.filter(post=post, user=other_member).exists()
    bad = _error(as_token(other_member, "write").post(url, {"kind": "love"}, format="json"), 400)
    assert "kind" in bad["fields"]


def test_feed_filters_and_keyset_cursors(
    api, facilitator, community, settings, django_assert_max_num_queries
):
    settings.API_PAGE_SIZE = 2
    for n in range(5):
        builders.share(community, facilitator, f"Experience {n}")
    builders.ask(community, facilitator, "An open question")
    url = f"/api/v1/communities/{community.slug}/posts/"
    seen, next_url = [], url + "?kind=experience"
    while next_url:
        with django_assert_max_num_queries(6):
            page = api.get(next_url).json()
        seen += [p["title"] for p in page["results"]]
        next_url = page["next"]
    assert seen == [f"Experience {n}" for n in range(4, -1, -1)]
    challenges = api.get(url + "?kind=open").json()["results"]
    assert [p["title"] for p in challenges] == ["An open question"]


def test_search_only_finds_what_the_member_may_read(api, member, community, private_community):
    builders.share(community, member, "Whiteboard huddles")
    insider = builders.add_member(private_community).user
    builders.share(private_community, insider, "Whiteboard secrets")
    found = api.get("/api/v1/search/?q=whiteboard").json()["results"]
    assert [p["title"] for p in found] == ["Whiteboard huddles"]
    assert "q" in _error(api.get("/api/v1/search/"), 400)["fields"]


def test_notifications_list_and_mark_read(as_token, member, other_member, community):
    post = builders.share(community, member, "Ask me")
    from practices import services

    services.comment_create(post=post, author=other_member, body="A reply")
    api = as_token(member, "write")
    listed = api.get("/api/v1/notifications/").json()["results"]
    assert listed and listed[0]["is_read"] is False and listed[0]["headline"]
    marked = api.post("/api/v1/notifications/read/", {"all": True}, format="json")
    assert marked.json()["marked"] >= 1
    assert api.get("/api/v1/notifications/?unread=true").json()["results"] == []
    assert api.post("/api/v1/notifications/read/", {}, format="json").json() == {"marked": 0}
    assert "unread" in _error(api.get("/api/v1/notifications/?unread=maybe"), 400)["fields"]


def test_notifications_need_a_member(api):
    _error(api.get("/api/v1/notifications/"), 401)


def test_a_token_never_carries_staff_privilege(api, client, private_community):
    staff = StaffFactory()
    insider = builders.add_member(private_community).user
    post = builders.share(private_community, insider, "Members only")
    url = f"/api/v1/communities/{private_community.slug}/posts/{post.pk}/"
    api.credentials(HTTP_AUTHORIZATION=bearer(staff))
    _error(api.get(url), 404)
    login_with_mfa(client, staff)
    assert client.get(url).status_code == 200


def test_rate_limits_answer_429_with_retry_after(api, member, community, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            "token": "3/minute",
            "member": "3/minute",
            "anonymous": "3/minute",
        },
    }
    api.credentials(HTTP_AUTHORIZATION=bearer(member))
    for _ in range(3):
        assert api.get("/api/v1/communities/").status_code == 200
    response = api.get("/api/v1/communities/")
    error = _error(response, 429)
    assert 1 <= int(response["Retry-After"]) <= 60
    assert error["code"] == "throttled"
    # Another token of the same member has its own budget.
    api.credentials(HTTP_AUTHORIZATION=bearer(member))
    assert api.get("/api/v1/communities/").status_code == 200
    cache.clear()


def test_session_writes_need_the_csrf_token(member, community):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    post = builders.share(community, builders.add_member(community).user, "Needs a reply")
    url = f"/api/v1/communities/{community.slug}/posts/{post.pk}/comments/"
    refused = client.post(url, {"body": "Hi"}, content_type="application/json")
    assert _error(refused, 403)
    assert not Comment.objects.filter(post=post).exists()
    client.get(reverse("members:api_tokens"))
    token = client.cookies["csrftoken"].value
    ok = client.post(url, {"body": "Hi"}, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert ok.status_code == 201, ok.content


def test_meetings_and_rsvp(as_token, facilitator, member, community):
    from datetime import datetime, time

    from communities.meetings import services as meeting_services

    start = datetime.combine(timezone.localdate() + timedelta(days=3), time(18, 0))
    meeting = meeting_services.meeting_schedule(
        community=community,
        by=facilitator,
        data={"title": "Case clinic", "place": "Room 4", "duration_minutes": 60},
        starts_local=start,
        time_zone="Europe/Berlin",
        rule="",
        invite=False,
    )
    base = f"/api/v1/communities/{community.slug}/meetings/"
    api = as_token(member, "write")
    assert [m["title"] for m in api.get(base).json()["results"]] == ["Case clinic"]
    detail = api.get(f"{base}{meeting.pk}/").json()
    assert detail["place"] == "Room 4" and detail["your_answer"] is None
    answered = api.post(f"{base}{meeting.pk}/rsvp/", {"answer": "yes"}, format="json")
    assert answered.json() == {"status": "going", "going_count": 1}
    outsider = as_token(UserFactory(), "write")
    _error(outsider.post(f"{base}{meeting.pk}/rsvp/", {"answer": "yes"}, format="json"), 403)


def test_unknown_api_paths_and_methods_answer_in_the_same_shape(api, as_token, member, community):
    _error(api.delete(f"/api/v1/communities/{community.slug}/"), 401)
    _error(as_token(member, "write").delete(f"/api/v1/communities/{community.slug}/"), 405)
    assert api.get("/api/v1/communities/no-such/").json()["error"]["code"] == "not_found"
    # Addresses no pattern matches answer in the API's shape too, not as the site's page.
    assert _error(api.get("/api/v1/communities/x/posts/not-a-number/"), 404)
    assert _error(api.get("/api/v1/nothing-here/"), 404)


def test_schema_and_docs_are_served_under_a_strict_csp(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/communities/{slug}/posts/" in schema.json()["paths"]
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    csp = docs["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "default-src 'self'" in csp
    html = docs.content.decode()
    assert "<style" not in html and "<script>" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200 and b"SwaggerUIBundle" in script.content


def test_membership_factory_member_is_seen_through_the_api(api, community):
    # A member created outside the services still reads through the same door.
    membership = MembershipFactory(community=community)
    api.credentials(HTTP_AUTHORIZATION=bearer(membership.user))
    body = api.get(f"/api/v1/communities/{community.slug}/").json()
    assert body["membership"] == {"role": "member", "status": "active"}
