"""What waits for the facilitators: open reports, posts for approval, review requests."""

from __future__ import annotations

from django.db.models import BigIntegerField, F, IntegerField, Q, QuerySet, Subquery, Value

from communities.models import Community, Membership, Report
from practices.models import Comment, Post


def open_reports(community: Community) -> QuerySet[Report]:
    """Reports waiting for review on content that is still there (not deleted)."""
    return Report.objects.filter(community=community, status=Report.Status.OPEN).filter(
        Q(comment__isnull=True, post__status=Post.Status.PUBLISHED)
        | Q(comment__status=Comment.Status.VISIBLE, comment__post__status=Post.Status.PUBLISHED)
    )


class _CountOf(Subquery):
    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS counted)"
    output_field = IntegerField()


def _queue_items(community: Community) -> QuerySet:
    """(post id, comment id) of every item waiting in the review queue: reported posts
    and comments, posts waiting for approval, unanswered review requests. UNION (not
    UNION ALL): an item both reported and under review is one item."""
    key = BigIntegerField()
    reported = open_reports(community).order_by().values_list("post_id", "comment_id")
    pending = (
        Post.objects.filter(community=community, status=Post.Status.PENDING)
        .annotate(no_comment=Value(None, output_field=key))
        .order_by()
        .values_list("pk", "no_comment")
    )
    posts_under_review = (
        Post.objects.filter(
            community=community,
            status=Post.Status.PUBLISHED,
            hidden_at__isnull=False,
            review_requested_at__gt=F("hidden_at"),
        )
        .annotate(no_comment=Value(None, output_field=key))
        .order_by()
        .values_list("pk", "no_comment")
    )
    comments_under_review = (
        Comment.objects.filter(
            post__community=community,
            post__status=Post.Status.PUBLISHED,
            status=Comment.Status.VISIBLE,
            hidden_at__isnull=False,
            review_requested_at__gt=F("hidden_at"),
        )
        .annotate(no_post=Value(None, output_field=key))
        .order_by()
        .values_list("no_post", "pk")
    )
    return reported.union(pending, posts_under_review, comments_under_review)


def waiting_in_queue(community: Community) -> int:
    """How many items wait in the community's review queue."""
    return _queue_items(community).count()


def waiting_counts(community: Community) -> dict[str, int]:
    """The facilitators' side navigation badges in one query: membership requests
    (`pending_count`) and items in the review queue (`review_count`)."""
    requests = Membership.objects.filter(
        community=community, status=Membership.Status.PENDING
    ).values("pk")
    return (
        Community.objects.filter(pk=community.pk)
        .annotate(pending_count=_CountOf(requests), review_count=_CountOf(_queue_items(community)))
        .values("pending_count", "review_count")
        .get()
    )
