"""The notification inbox, opening one notification, and the notification settings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from communities.models import Community, Membership
from config.pagination import keyset_page

from .. import notifications
from ..forms import NotificationPreferencesForm
from ..models import Notification

PAGE_SIZE = 20
ORDERING = ("-created_at", "-pk")


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Newest first, unread ones marked, older pages by cursor (no COUNT, no OFFSET).

    Whether each one's subject can still be seen is computed in the same query, through
    the same scoped querysets as the pages; what cannot be seen shows without its title.
    """
    rows = (
        notifications.with_visibility(
            Notification.objects.filter(recipient=request.user), request.user
        )
        .select_related("actor", "post__community", "community")
        .order_by(*ORDERING)
    )
    page = keyset_page(rows, ordering=ORDERING, cursor=request.GET.get("after"), size=PAGE_SIZE)
    entries = [
        {
            "notification": n,
            "headline": notifications.headline(n) if n.can_see else None,
            "excerpt": notifications.excerpt(n) if n.can_see else "",
        }
        for n in page.object_list
    ]
    context = {"entries": entries, "page": page, "is_first_page": not request.GET.get("after")}
    return render(request, "members/notification_list.html", context)


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    """Mark every notification read ("all"), or the ones whose ids are posted."""
    ids = "all" if request.POST.get("all") else request.POST.getlist("id")
    try:
        count = notifications.mark_read(user=request.user, ids=ids)
    except ValueError:
        count = 0
    messages.success(
        request,
        ngettext(
            "%(count)d notification marked as read.",
            "%(count)d notifications marked as read.",
            count,
        )
        % {"count": count},
    )
    return redirect("members:notifications")


@login_required
@require_GET
def open_one(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a notification read (with the rest about the same post) and go to it.

    The only write on this GET, and only on the signed-in person's own notification.
    """
    notification = get_object_or_404(
        notifications.with_visibility(
            Notification.objects.filter(recipient=request.user), request.user
        ),
        pk=pk,
    )
    notifications.mark_opened(user=request.user, notification=notification)
    target = notification.url
    if not notification.can_see or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        messages.info(request, _("What this notification was about is no longer available."))
        return redirect("members:notifications")
    return redirect(target)


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = NotificationPreferencesForm(
        request.POST or None,
        user=user,
        channels=notifications.channels_of(user),
        # The digest covers launched communities only.
        memberships=Membership.objects.of_member(user).filter(
            community__in=Community.objects.active_for_email()
        ),
    )
    if request.method == "POST" and form.is_valid():
        notifications.preferences_save(
            user=user,
            channels=form.channels(),
            digest_cadence=form.cleaned_data["digest_cadence"],
            digest_included=form.digest_included(),
        )
        messages.success(request, _("Your notification settings have been saved."))
        return redirect("members:notification_settings")
    return render(request, "members/notification_settings.html", {"form": form})
