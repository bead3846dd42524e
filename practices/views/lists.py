"""The member's own lists: bookmarks, and drafts with posts waiting for approval."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from ..models import Post

LIST_PAGE_SIZE = 20


@login_required
def bookmarks(request):
    posts = (
        Post.objects.visible_to(request.user)
        .filter(bookmarks__user=request.user)
        .order_by("-bookmarks__created_at", "-pk")
        .for_list()
    )
    page = Paginator(posts, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "practices/bookmark_list.html", {"page": page})


@login_required
def drafts(request):
    posts = (
        (Post.objects.drafts_of(request.user) | Post.objects.pending_of(request.user))
        .select_related("community")
        .order_by("-created_at")
    )
    page = Paginator(posts, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "practices/draft_list.html", {"page": page})
