"""A member's profile page and the form to edit one's own profile."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from communities.models import Community, Membership
from communities.querysets import avatars_visible_to, profiles_visible_to
from config.uploads import avatar_policy, stored_file_response
from practices.bylines import named_comments, named_posts
from practices.models import Comment, Post

from ..forms import ProfileForm

PROFILE_ITEMS = 10
# What an answer on the profile shows: never the post's text or search columns.
ANSWER_COLUMNS = (
    "id",
    "post_id",
    "author_id",
    "body_html",
    "marked_helpful_at",
    "hidden_at",
    "created_at",
    "post__id",
    "post__title",
    "post__community_id",
    "post__community__id",
    "post__community__slug",
    "post__community__name",
)


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, request.FILES or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile has been saved."))
        return redirect("members:profile_edit")
    return render(request, "members/profile_form.html", {"form": form})


@require_GET
def avatar(request: HttpRequest, pk: int) -> HttpResponse:
    """A member's avatar, only to those who may see them somewhere (their profile, or a
    community page that shows them); the same 404 otherwise."""
    member = get_object_or_404(avatars_visible_to(request.user).exclude(avatar=""), pk=pk)
    return stored_file_response(
        member.avatar, content_type=avatar_policy().content_type, download_name="avatar.webp"
    )


@login_required
def profile(request: HttpRequest, pk: int) -> HttpResponse:
    """A member's page: only what the viewer may read of their contributions.

    Posts, answers and memberships all go through the same scoped querysets as every
    other page, and the counts are taken from those same querysets.
    """
    member = get_object_or_404(profiles_visible_to(request.user), pk=pk)
    viewer = request.user
    # What they shared without their name is theirs alone to see here (practices.bylines).
    experiences = named_posts(
        Post.objects.visible_to(viewer).filter(author=member, kind=Post.Kind.EXPERIENCE),
        of=member,
        viewer=viewer,
    )
    answers = named_comments(
        Comment.objects.visible_to(viewer).filter(author=member, post__kind=Post.Kind.CHALLENGE),
        of=member,
        viewer=viewer,
    )
    # Who belongs to a community is part of its content (like its member list), so
    # memberships show only where the viewer may read the community's content.
    memberships = (
        Membership.objects.active()
        .filter(user=member, community__in=Community.objects.readable_by(viewer))
        .select_related("community")
        .prefetch_related("can_help_with")
        .order_by("community__name")
    )
    context = {
        "member": member,
        "experiences": list(
            experiences.for_list().prefetch_related(None).order_by("-published_at")[:PROFILE_ITEMS]
        ),
        "experience_count": experiences.count(),
        "answers": list(
            answers.select_related("post__community")
            .only(*ANSWER_COLUMNS)
            .order_by("-created_at")[:PROFILE_ITEMS]
        ),
        "answer_count": answers.count(),
        "memberships": list(memberships),
    }
    return render(request, "members/user_detail.html", context)
