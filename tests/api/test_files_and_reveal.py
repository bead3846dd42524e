"""The API shows a post's and a comment's files (only what the page shows, linked to
the door-checked downloads), and lets the author of a post shared without name put
their name on it through the same service and rule as the site."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from communities.services import membership_leave
from members.api_tokens import ApiToken, api_token_revoke
from practices import attachments, services
from practices.models import Post
from tests import builders
from tests.api.conftest import bearer
from tests.factories import UserFactory
from tests.practices.test_attachments import pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db


def _attach(post, name, data, comment=None):
    return attachments.attachment_add(
        post=post,
        comment=comment,
        uploader=comment.author if comment else post.author,
        checked=attachments.check_file(SimpleUploadedFile(name, data)),
    )


def _posts_url(community):
    return f"/api/v1/communities/{community.slug}/posts/"


def _body(response):
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def post_with_files(private_community):
    """A members-only post with a PDF and an image on it, a file on a comment, and
    files the page does not show: one taken off, one uploaded but never attached."""
    author = builders.add_member(private_community).user
    commenter = builders.add_member(private_community).user
    post = builders.share(private_community, author, "Handover board")
    pdf = _attach(post, "Ward rota.pdf", pdf_bytes())
    image = _attach(post, "board.png", png_bytes())
    removed = _attach(post, "old.txt", b"old")
    attachments.attachment_remove(attachment=removed, by=author)
    attachments.attachment_upload(
        uploader=author, checked=attachments.check_file(SimpleUploadedFile("draft.txt", b"d"))
    )
    comment = services.comment_create(post=post, author=commenter, body="Our template")
    on_comment = _attach(post, "template.md", b"# Template", comment=comment)
    return {
        "post": post,
        "author": author,
        "pdf": pdf,
        "image": image,
        "comment": comment,
        "on_comment": on_comment,
    }


def test_a_post_lists_the_files_it_shows_with_absolute_download_addresses(
    as_token, post_with_files, private_community
):
    post, pdf, image = post_with_files["post"], post_with_files["pdf"], post_with_files["image"]
    api = as_token(builders.add_member(private_community).user)

    detail = _body(api.get(f"{_posts_url(private_community)}{post.pk}/"))

    assert detail["attachments"] == [
        {
            "id": pdf.pk,
            "name": "Ward rota.pdf",
            "content_type": "application/pdf",
            "size": len(pdf_bytes()),
            "kind": "file",
            "url": f"http://testserver/attachments/{pdf.pk}/",
            "thumbnail_url": None,
        },
        {
            "id": image.pk,
            "name": "board.webp",
            "content_type": "image/webp",
            "size": image.size,
            "kind": "image",
            "url": f"http://testserver/attachments/{image.pk}/",
            "thumbnail_url": f"http://testserver/attachments/{image.pk}/thumbnail/",
        },
    ]
    feed = _body(api.get(_posts_url(private_community)))["results"]
    assert [a["id"] for a in feed[0]["attachments"]] == [pdf.pk, image.pk]
    found = _body(api.get("/api/v1/search/?q=handover"))["results"]
    assert [a["id"] for a in found[0]["attachments"]] == [pdf.pk, image.pk]


def test_a_comment_lists_its_own_files(as_token, post_with_files, private_community):
    post, on_comment = post_with_files["post"], post_with_files["on_comment"]
    api = as_token(builders.add_member(private_community).user)

    comments = _body(api.get(f"{_posts_url(private_community)}{post.pk}/comments/"))["results"]

    assert [[a["name"] for a in c["attachments"]] for c in comments] == [["template.md"]]
    assert comments[0]["attachments"][0]["url"] == (
        f"http://testserver/attachments/{on_comment.pk}/"
    )
    created = as_token(builders.add_member(private_community).user, "write").post(
        f"{_posts_url(private_community)}{post.pk}/comments/", {"body": "Thanks"}, format="json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["attachments"] == []


def test_the_download_addresses_work_with_the_token_and_follow_the_door(
    api, post_with_files, private_community
):
    pdf, image = post_with_files["pdf"], post_with_files["image"]
    reader = builders.add_member(private_community)
    header = bearer(reader.user)
    detail = _body(
        api.get(
            f"{_posts_url(private_community)}{post_with_files['post'].pk}/",
            HTTP_AUTHORIZATION=header,
        )
    )
    urls = [a["url"] for a in detail["attachments"]] + [detail["attachments"][1]["thumbnail_url"]]

    assert urls[0] == f"http://testserver{pdf.get_absolute_url()}"
    assert urls[2] == f"http://testserver{image.thumbnail_url}"
    served = api.get(urls[0], HTTP_AUTHORIZATION=header)
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == pdf_bytes()
    assert served["Content-Disposition"] == 'attachment; filename="Ward rota.pdf"'
    assert api.get(urls[1], HTTP_AUTHORIZATION=header)["Content-Type"] == "image/webp"
    assert api.get(urls[2], HTTP_AUTHORIZATION=header).status_code == 200

    # Signed out, an outsider's token, a revoked token, a member who left: not theirs.
    assert [api.get(url).status_code for url in urls] == [404, 404, 404]
    outsider = bearer(UserFactory())
    assert [api.get(url, HTTP_AUTHORIZATION=outsider).status_code for url in urls] == [404] * 3
    api_token_revoke(user=reader.user, pk=ApiToken.objects.get(user=reader.user).pk)
    revoked = api.get(urls[0], HTTP_AUTHORIZATION=header)
    assert revoked.status_code == 401
    assert revoked.json()["error"]["code"] == "not_authenticated"
    assert revoked["WWW-Authenticate"].startswith("Bearer")
    former = builders.add_member(private_community)
    former_header = bearer(former.user)
    assert api.get(urls[0], HTTP_AUTHORIZATION=former_header).status_code == 200
    membership_leave(membership=former)
    assert [api.get(url, HTTP_AUTHORIZATION=former_header).status_code for url in urls] == [404] * 3


def test_files_of_posts_a_token_cannot_read_are_never_listed(
    as_token, post_with_files, private_community, community
):
    outsider = UserFactory()
    api = as_token(outsider)
    builders.share(community, builders.add_member(community).user, "Handover in public")

    found = _body(api.get("/api/v1/search/?q=handover"))["results"]
    post_url = f"{_posts_url(private_community)}{post_with_files['post'].pk}/"

    assert [p["title"] for p in found] == ["Handover in public"]
    assert found[0]["attachments"] == []
    assert api.get(post_url).status_code == 404
    assert api.get(f"{post_url}comments/").status_code == 404


def test_the_feed_and_the_comments_fetch_their_files_in_one_query(
    as_token, private_community, facilitator, settings, django_assert_max_num_queries
):
    settings.API_PAGE_SIZE = 20
    author = facilitator  # no limit on new members' posts
    api = as_token(builders.add_member(private_community).user)

    def add(n):
        for i in range(n):
            post = builders.share(private_community, author, f"Experience {i}")
            _attach(post, f"notes-{i}.txt", b"notes")
            _attach(post, f"board-{i}.png", png_bytes())
            comment = services.comment_create(post=post, author=author, body="More")
            _attach(post, f"more-{i}.txt", b"more", comment=comment)
        return post

    post = add(2)
    api.get(_posts_url(private_community))  # the token's first use is recorded once
    counts = []
    for _round in range(2):
        with django_assert_max_num_queries(7) as feed:
            assert _body(api.get(_posts_url(private_community)))["results"][0]["attachments"]
        with django_assert_max_num_queries(6) as comments:
            _body(api.get(f"{_posts_url(private_community)}{post.pk}/comments/"))
        counts.append((len(feed), len(comments)))
        post = add(8)
        for i in range(10):
            services.comment_create(post=post, author=author, body=f"Reply {i}")
    # The number does not grow with the data.
    assert counts[0] == counts[1]


# --- Putting one's name on a post shared without name ------------------------------------


@pytest.fixture
def unnamed(community):
    community.allows_unnamed_posts = True
    community.save(update_fields=["allows_unnamed_posts"])
    author = builders.add_member(community).user
    return _unnamed_post(community, author), author


def _unnamed_post(community, author):
    post = services.post_create(
        community=community,
        author=author,
        kind=Post.Kind.EXPERIENCE,
        data={
            "title": "Night shift fears",
            "tried": "Saying it out loud",
            "happened": "Others felt the same",
            "learned": "Ask early",
            "outcome": Post.Outcome.WORKED,
        },
        shared_without_name=True,
    )
    assert post.shared_without_name
    return post


def _reveal_url(post):
    return f"/api/v1/communities/{post.community.slug}/posts/{post.pk}/reveal/"


def test_the_author_puts_their_name_on_their_post(as_token, unnamed, member):
    post, author = unnamed
    detail_url = f"{_posts_url(post.community)}{post.pk}/"
    assert _body(as_token(member).get(detail_url))["author"] is None

    response = as_token(author, "write").post(_reveal_url(post), format="json")

    body = _body(response)
    assert body["author"] == {"id": author.pk, "display_name": author.display_name}
    assert body["shared_without_name"] is False
    post.refresh_from_db()
    assert not post.shared_without_name and post.revealed_at is not None
    assert _body(as_token(member).get(detail_url))["byline"] == author.display_name
    # Once: there is nothing left to reveal.
    again = as_token(author, "write").post(_reveal_url(post), format="json")
    assert again.status_code == 403
    assert "already shows" in again.json()["error"]["message"]


def test_nobody_else_reveals_the_author(api, as_token, unnamed, member, facilitator, outsider):
    post, _author = unnamed
    url = _reveal_url(post)

    assert api.post(url, format="json").status_code == 401
    for person in (member, facilitator, outsider):
        refused = as_token(person, "write").post(url, format="json")
        assert refused.status_code == 403, refused.content
        assert "Only the author" in refused.json()["error"]["message"]
    post.refresh_from_db()
    assert post.shared_without_name and post.revealed_at is None


def test_a_read_token_or_a_former_member_cannot_reveal(as_token, private_community):
    private_community.allows_unnamed_posts = True
    private_community.save(update_fields=["allows_unnamed_posts"])
    membership = builders.add_member(private_community)
    post = _unnamed_post(private_community, membership.user)
    url = _reveal_url(post)

    read_only = as_token(membership.user, "read").post(url, format="json")
    assert read_only.status_code == 403
    assert "read" in read_only.json()["error"]["message"]
    membership_leave(membership=membership)
    # Having left a members-only community, the post is out of reach: the same 404.
    assert as_token(membership.user, "write").post(url, format="json").status_code == 404
    assert Post.objects.get(pk=post.pk).shared_without_name


def test_the_schema_describes_files_and_reveal(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    reveal = schema["paths"]["/api/v1/communities/{slug}/posts/{id}/reveal/"]
    assert reveal["post"]["operationId"] == "posts_reveal"
    assert {"200", "401", "403", "404"} <= set(reveal["post"]["responses"])
    components = schema["components"]["schemas"]
    assert set(components["Attachment"]["properties"]) == {
        "id",
        "name",
        "content_type",
        "size",
        "kind",
        "url",
        "thumbnail_url",
    }
    for name in ("Post", "PostDetail", "Comment", "SearchResult"):
        assert components[name]["properties"]["attachments"]["items"] == {
            "$ref": "#/components/schemas/Attachment"
        }
