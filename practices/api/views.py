"""Posts, comments, reactions and search through the API.

Thin: parse, reach the object through the same door as the pages (`access_community`,
`access_post`, the scoped querysets), call the same service. The services' own checks
and validation answer a refusal (403) or a mistake (400).
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.decorators import api_view
from rest_framework.response import Response

from communities.access import access_community
from config.api import KeysetPaginator, cursor_parameter, page_of, responses

from .. import attachments, services
from ..access import access_post
from ..forms.posts import FeedFilterForm
from ..models import Comment, Post
from ..querysets import FEED_SORTS
from ..search import MAX_QUERY_LENGTH, search_posts
from .serializers import (
    CommentSerializer,
    CommentWriteSerializer,
    PostDetailSerializer,
    PostSerializer,
    PostUpdateSerializer,
    PostWriteSerializer,
    ReactionStateSerializer,
    ReactionWriteSerializer,
    SearchResultSerializer,
    content_of,
)

CURSOR = cursor_parameter()
# An empty value means "any", as in the feed's own form.
FEED_FILTERS = [
    OpenApiParameter("sort", str, enum=["", "newest", "active", "helpful"]),
    OpenApiParameter("kind", str, enum=["", "experience", "challenge", "open"]),
    OpenApiParameter("outcome", str, enum=["", *Post.Outcome.values]),
    OpenApiParameter("tag", str, description="A topic's slug."),
    CURSOR,
]
COMMENT_ORDERING = ("-created_at", "-pk")


def _context(request) -> dict:
    return {"request": request}


def _detail(request, slug: str, pk: int, *, with_drafts: bool = False) -> Post:
    post, _membership = access_post(request.user, slug, pk, with_drafts=with_drafts)
    prefetch_related_objects([post], "tags")
    attachments.with_shown_attachments([post])
    return post


def _valid(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema(
    methods=["GET"],
    operation_id="posts_list",
    summary="A community's feed",
    description="The feed's filters and order; pinned posts are in it, marked `is_pinned`.",
    parameters=FEED_FILTERS,
    responses=responses({200: page_of("PostPage", PostSerializer)}),
    tags=["posts"],
)
@extend_schema(
    methods=["POST"],
    operation_id="posts_create",
    summary="Write an experience or a challenge",
    request=PostWriteSerializer,
    responses=responses({201: PostDetailSerializer}, 400, 403),
    tags=["posts"],
)
@api_view(["GET", "POST"])
def post_list(request, slug: str):
    community, _membership = access_community(request.user, slug, to="read")
    if request.method == "POST":
        data = _valid(PostWriteSerializer, request)
        post = services.post_create(
            community=community,
            author=request.user,
            kind=data["kind"],
            data=content_of(data["kind"], data),
            tags=data.get("tags", ()),
            publish=data["publish"],
            shared_without_name=data["shared_without_name"],
        )
        post = _detail(request, slug, post.pk, with_drafts=True)
        return Response(
            PostDetailSerializer(post, context=_context(request)).data,
            status=status.HTTP_201_CREATED,
        )
    form = FeedFilterForm(request.query_params)
    if not form.is_valid():
        raise exceptions.ValidationError(form.errors)
    filters = form.filters()
    posts = Post.objects.visible_to(request.user).for_feed(community, **filters)
    paginator = KeysetPaginator(request, size=settings.API_PAGE_SIZE)
    rows, cursor = paginator.page(posts.prefetch_related(None), FEED_SORTS[filters["sort"]])
    prefetch_related_objects(rows, "tags")
    attachments.with_shown_attachments(rows)
    return paginator.response(
        PostSerializer(rows, many=True, context=_context(request)).data, cursor
    )


@extend_schema(
    methods=["GET"],
    operation_id="posts_retrieve",
    summary="One post (your own drafts too)",
    responses=responses({200: PostDetailSerializer}),
    tags=["posts"],
)
@extend_schema(
    methods=["PATCH"],
    operation_id="posts_partial_update",
    summary="Edit your post, or publish your draft",
    request=PostUpdateSerializer,
    responses=responses({200: PostDetailSerializer}, 400, 403),
    tags=["posts"],
)
@api_view(["GET", "PATCH"])
def post_detail(request, slug: str, pk: int):
    post = _detail(request, slug, pk, with_drafts=True)
    if request.method == "PATCH":
        data = _valid(PostUpdateSerializer, request)
        services.post_update(
            post=post,
            editor=request.user,
            data=content_of(post.kind, data),
            tags=data.get("tags"),
            publish=data["publish"],
        )
        post = _detail(request, slug, pk, with_drafts=True)
    return Response(PostDetailSerializer(post, context=_context(request)).data)


@extend_schema(
    methods=["GET"],
    operation_id="comments_list",
    summary="A post's comments, newest first",
    parameters=[CURSOR],
    responses=responses({200: page_of("CommentPage", CommentSerializer)}),
    tags=["comments"],
)
@extend_schema(
    methods=["POST"],
    operation_id="comments_create",
    summary="Comment on a post, or reply to a comment",
    request=CommentWriteSerializer,
    responses=responses({201: CommentSerializer}, 400, 403),
    tags=["comments"],
)
@api_view(["GET", "POST"])
def comment_list(request, slug: str, pk: int):
    post, _membership = access_post(request.user, slug, pk)
    comments = Comment.objects.visible_to(request.user).filter(post=post)
    if request.method == "POST":
        data = _valid(CommentWriteSerializer, request)
        parent = None
        if data.get("parent"):
            parent = comments.filter(pk=data["parent"]).first()
            if parent is None:
                raise exceptions.ValidationError({"parent": [_("No such comment on this post.")]})
        comment = services.comment_create(
            post=post, author=request.user, body=data["body"], parent=parent
        )
        attachments.with_shown_attachments([comment])
        return Response(
            CommentSerializer(comment, context=_context(request)).data,
            status=status.HTTP_201_CREATED,
        )
    paginator = KeysetPaginator(request, size=settings.API_PAGE_SIZE)
    rows, cursor = paginator.page(
        comments.select_related("author").order_by(*COMMENT_ORDERING), COMMENT_ORDERING
    )
    for comment in rows:
        comment.post = post  # the byline of each comment depends on its post
    attachments.with_shown_attachments(rows)
    return paginator.response(
        CommentSerializer(rows, many=True, context=_context(request)).data, cursor
    )


@extend_schema(
    operation_id="posts_reveal",
    summary="Put your name on your post shared without name",
    description=(
        "Only the author of a post shared without name, once: from then on the post and "
        "the author's comments on it show their name everywhere, as with the site's "
        "“Put my name on it” button. It cannot be undone."
    ),
    request=None,
    responses=responses({200: PostDetailSerializer}, 403),
    tags=["posts"],
)
@api_view(["POST"])
def post_reveal(request, slug: str, pk: int):
    post, _membership = access_post(request.user, slug, pk, with_drafts=True)
    services.post_reveal(post=post, by=request.user)
    post = _detail(request, slug, pk, with_drafts=True)
    return Response(PostDetailSerializer(post, context=_context(request)).data)


@extend_schema(
    operation_id="reactions_set",
    summary="Mark a post helpful or applied, or take it back",
    request=ReactionWriteSerializer,
    responses=responses({200: ReactionStateSerializer}, 400, 403),
    tags=["reactions"],
)
@api_view(["POST"])
def reaction_set(request, slug: str, pk: int):
    post, _membership = access_post(request.user, slug, pk)
    data = _valid(ReactionWriteSerializer, request)
    services.reaction_set(
        post=post, user=request.user, kind=data["kind"], active=data["active"], note=data["note"]
    )
    counts = Post.objects.values("helpful_count", "applied_count").get(pk=post.pk)
    return Response({"kind": data["kind"], "active": data["active"], **counts})


@extend_schema(
    operation_id="search",
    summary="Search the posts you may read",
    parameters=[
        OpenApiParameter(
            "q",
            {"type": "string", "minLength": 1, "maxLength": MAX_QUERY_LENGTH, "pattern": r"\S"},
            required=True,
            description='Words, "a phrase", -without.',
        ),
        OpenApiParameter("community", str, description="A community's slug."),
        OpenApiParameter("kind", str, enum=["", *Post.Kind.values]),
        OpenApiParameter("outcome", str, enum=["", *Post.Outcome.values]),
        OpenApiParameter("tag", str, description="A topic's slug."),
        OpenApiParameter(
            "cursor",
            {"type": "string", "pattern": "^[0-9]{0,6}$"},
            description="From the previous page's `next`.",
        ),
    ],
    responses=responses({200: page_of("SearchPage", SearchResultSerializer)}, 400),
    tags=["search"],
)
@api_view(["GET"])
def search(request):
    params = request.query_params
    query = params.get("q", "").strip()
    errors = {}
    if not query:
        errors["q"] = [_("Say what to search for.")]
    elif len(query) > MAX_QUERY_LENGTH:
        errors["q"] = [_("At most %(n)d characters.") % {"n": MAX_QUERY_LENGTH}]
    kind, outcome = params.get("kind") or None, params.get("outcome") or None
    if kind and kind not in Post.Kind.values:
        errors["kind"] = [_("Choose experience or challenge.")]
    if outcome and outcome not in Post.Outcome.values:
        errors["outcome"] = [_("Choose worked, mixed or failed.")]
    cursor = params.get("cursor") or "0"
    if not cursor.isdigit() or len(cursor) > 6:
        errors["cursor"] = [_("Use the next link of the previous page.")]
    if errors:
        raise exceptions.ValidationError(errors)
    community = None
    if params.get("community"):
        community, _membership = access_community(request.user, params["community"], to="read")
    size = settings.API_PAGE_SIZE
    page = search_posts(
        request.user,
        query,
        community=community,
        kind=kind,
        outcome=outcome,
        tag=params.get("tag") or None,
        limit=size,
        offset=int(cursor),
    )
    paginator = KeysetPaginator(request, size=size)
    next_cursor = str(page.next_offset) if page.has_more else None
    attachments.with_shown_attachments(page.results)
    data = SearchResultSerializer(page.results, many=True, context=_context(request)).data
    return paginator.response(data, next_cursor)
