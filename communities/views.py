"""Public and member pages of a community: directory, home page, joining, rules, members."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from taggit.models import Tag

from config.htmx import fragment_or_page, login_url

from . import services
from .forms import (
    CharterAcceptForm,
    CommunityCreateForm,
    DirectoryFilterForm,
    JoinForm,
    MemberFilterForm,
    OnboardingIntroForm,
    OnboardingProfileForm,
    RulesAcceptForm,
)
from .models import Community, HelpTag, Invitation, LearnTag, Membership
from .permissions import (
    JoinState,
    can_manage_community,
    can_view_members,
    get_membership,
    join_state,
    open_invitation,
)
from .shortcuts import community_context, get_visible_community

DIRECTORY_PAGE_SIZE = 12
MEMBERS_PAGE_SIZE = 24
DIRECTORY_TOPICS = 20


def _posted(request):
    """The submitted data for a bound form, even when every field was left empty."""
    return request.POST if request.method == "POST" else None


# --- Directory and "my communities" ---------------------------------------------------


def _directory_topics() -> QuerySet[Tag]:
    """The most used topics among listed communities, for browsing by topic."""
    items = "taggit_taggeditem_items"
    return (
        Tag.objects.filter(
            **{
                f"{items}__content_type": ContentType.objects.get_for_model(Community),
                f"{items}__object_id__in": Community.objects.listed().values("pk"),
            }
        )
        .annotate(uses=Count(items))
        .order_by("-uses", "name")[:DIRECTORY_TOPICS]
    )


def _tag_named(slug: str, known: list[Tag]) -> Tag:
    """The tag to show as the active filter, without another query."""
    return next((t for t in known if t.slug == slug), None) or Tag(slug=slug, name=slug)


def directory(request):
    form = DirectoryFilterForm(request.GET)
    form.is_valid()  # Invalid values (an unknown kind) are dropped; the rest still filter.
    filters = form.cleaned_data
    communities = (
        Community.objects.listed().prefetch_related("tags").order_by("-last_activity_at", "name")
    )
    if query := filters.get("q", "").strip():
        communities = communities.filter(Q(name__icontains=query) | Q(challenge__icontains=query))
    if kind := filters.get("kind"):
        communities = communities.filter(kind=kind)
    topics = list(_directory_topics())
    active_tag = None
    if slug := filters.get("tag"):
        communities = communities.filter(tags__slug=slug)
        active_tag = _tag_named(slug, topics)
    page = Paginator(communities, DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "topics": topics,
        "active_tag": active_tag,
        "is_filtered": bool(query or kind or active_tag),
        "can_create": request.user.is_authenticated,
    }
    template = fragment_or_page(request, "communities/community_list.html", "results")
    return render(request, template, context)


def _with_manage_flags(user, memberships: list[Membership]) -> list[Membership]:
    """Mark each membership with `can_manage` without a query per community."""
    for membership in memberships:
        # The permission functions look the membership up in this per-instance cache.
        membership.community.__dict__.setdefault("_membership_cache", {})[user.pk] = membership
        membership.can_manage = can_manage_community(user, membership.community)
    return memberships


@login_required
def mine(request):
    user = request.user
    visible = Community.objects.visible_to(user)
    memberships = _with_manage_flags(user, list(Membership.objects.of_member(user)))
    pending = (
        Membership.objects.pending()
        .filter(user=user, community__in=visible)
        .select_related("community")
        .order_by("-requested_at")
    )
    invitations = (
        Invitation.objects.open()
        .for_user(user)
        .exclude(community__stage=Community.Stage.ARCHIVED)
        .select_related("community", "invited_by")
        .order_by("-created_at")
    )
    return render(
        request,
        "communities/community_mine.html",
        {"memberships": memberships, "pending": list(pending), "invitations": list(invitations)},
    )


@login_required
def create(request):
    # Signing in requires a verified email address (allauth's mandatory verification).
    form = CommunityCreateForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            community = services.community_create(user=request.user, **form.service_kwargs())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(name)s is started. Work through the checklist, then open it to members.")
                % {"name": community.name},
            )
            return redirect("communities:manage_launch", slug=community.slug)
    return render(request, "communities/community_form.html", {"form": form})


# --- A community's home page ----------------------------------------------------------


def _active_membership(request, community: Community) -> Membership | None:
    membership = get_membership(request.user, community)
    return membership if membership and membership.is_active else None


def _onboarding_context(
    membership: Membership,
    *,
    profile_form: OnboardingProfileForm | None = None,
    intro_form: OnboardingIntroForm | None = None,
    notice: str = "",
) -> dict:
    steps = services.onboarding_steps(membership)
    return {
        "onboarding_steps": steps,
        "onboarding_done_count": sum(step.done for step in steps),
        "onboarding_complete": all(step.done for step in steps),
        "profile_form": profile_form or OnboardingProfileForm.for_membership(membership),
        "intro_form": intro_form or OnboardingIntroForm.for_membership(membership),
        "onboarding_notice": notice,
    }


def detail(request, slug: str):
    community = get_visible_community(request, slug)
    context = community_context(request, community, tab="overview")
    charter = community.current_charter
    context.update(
        charter=charter,
        topics=list(community.tags.all()),
        facilitators=[],
    )
    if context["can_read"]:
        context["facilitators"] = list(
            Membership.objects.facilitators()
            .filter(community=community)
            .select_related("user")
            .order_by("joined_at")
        )
    state = context["join_state"]
    if state == JoinState.ANONYMOUS:
        context["login_url"] = login_url(request)
    elif state == JoinState.INVITED:
        context["invitation"] = open_invitation(request.user, community)
    if context["can_read"]:
        context.update(_recent_posts(request.user, community))
    membership = context["membership"]
    if membership and membership.is_active and membership.onboarding_completed_at is None:
        context["show_onboarding"] = True
        context.update(_onboarding_context(membership))
    return render(request, "communities/community_detail.html", context)


RECENT_POSTS = 5


def _recent_posts(user, community: Community) -> dict:
    """Starter posts and the latest experiences and challenges, for readers."""
    from practices.models import Post

    visible = Post.objects.visible_to(user)
    pinned = list(visible.filter(community=community).pinned().with_list_related()[:RECENT_POSTS])
    recent = list(visible.for_feed(community).filter(is_pinned=False)[:RECENT_POSTS])
    return {"pinned_posts": pinned, "recent_posts": recent}


# --- Joining and leaving --------------------------------------------------------------

JOIN_REFUSALS = {
    JoinState.MEMBER: gettext_lazy("You are already a member of this community."),
    JoinState.PENDING: gettext_lazy("Your request is waiting for the facilitators' decision."),
    JoinState.BANNED: gettext_lazy("You cannot join this community."),
    JoinState.INVITATION_ONLY: gettext_lazy(
        "This community welcomes new members by invitation only."
    ),
    JoinState.CLOSED: gettext_lazy("This community is not open for new members."),
}


@login_required
def join(request, slug: str):
    community = get_visible_community(request, slug)
    state = join_state(request.user, community)
    if state == JoinState.INVITED:
        return redirect(open_invitation(request.user, community))
    charter = community.current_charter
    if state not in (JoinState.JOIN, JoinState.REQUEST) or charter is None:
        messages.info(request, JOIN_REFUSALS.get(state, JOIN_REFUSALS[JoinState.CLOSED]))
        return redirect(community)
    is_request = state == JoinState.REQUEST
    questions = list(community.questions.all()) if is_request else []
    form = JoinForm(_posted(request), questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            if is_request:
                services.membership_request(
                    community=community,
                    user=request.user,
                    answers=form.answers(),
                    accepted_rules=form.cleaned_data["accepted_rules"],
                )
            else:
                services.membership_join(
                    community=community,
                    user=request.user,
                    accepted_rules=form.cleaned_data["accepted_rules"],
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if is_request:
                messages.success(
                    request,
                    _(
                        "Your request was sent to the facilitators of %(name)s. "
                        "We will email you when they have decided."
                    )
                    % {"name": community.name},
                )
            else:
                messages.success(
                    request,
                    _("Welcome to %(name)s! Here is how to get started.")
                    % {"name": community.name},
                )
            return redirect(community)
    context = community_context(
        request, community, tab="overview", charter=charter, form=form, is_request=is_request
    )
    return render(request, "communities/community_join.html", context)


@login_required
def leave(request, slug: str):
    community = get_visible_community(request, slug)
    membership = _active_membership(request, community)
    if membership is None:
        messages.info(request, _("You are not a member of this community."))
        return redirect(community)
    if request.method == "POST":
        try:
            services.membership_leave(membership=membership)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect("communities:leave", slug=community.slug)
        messages.success(request, _("You left %(name)s.") % {"name": community.name})
        return redirect("communities:mine")
    return render(
        request, "communities/community_leave.html", community_context(request, community)
    )


# --- Charter --------------------------------------------------------------------------


def _charter_page(request, community: Community, form: CharterAcceptForm | None = None):
    versions = list(community.charter_versions.select_related("published_by"))
    current = next((v for v in versions if v.number == community.current_charter_number), None)
    context = community_context(
        request,
        community,
        tab="charter",
        current=current,
        history=versions,
        form=form or CharterAcceptForm(),
    )
    return render(request, "communities/community_charter.html", context)


def charter(request, slug: str):
    return _charter_page(request, get_visible_community(request, slug))


@login_required
@require_POST
def charter_accept(request, slug: str):
    community = get_visible_community(request, slug)
    membership = _active_membership(request, community)
    if membership is None:
        messages.info(request, _("Only members accept a community's rules."))
        return redirect("communities:charter", slug=community.slug)
    form = CharterAcceptForm(request.POST)
    if form.is_valid():
        try:
            services.charter_accept(membership=membership)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Thank you for accepting the rules."))
            return redirect(community)
    return _charter_page(request, community, form)


# --- Members: who knows what ----------------------------------------------------------


def members(request, slug: str):
    community = get_visible_community(request, slug)
    if not can_view_members(request.user, community):
        raise Http404
    form = MemberFilterForm(request.GET)
    tag = form.cleaned_data["tag"] if form.is_valid() else ""
    active = Membership.objects.active().filter(community=community)
    memberships = (
        active.select_related("user")
        .prefetch_related("can_help_with", "wants_to_learn")
        .annotate(
            role_order=Case(
                When(role=Membership.Role.FACILITATOR, then=Value(0)),
                When(role=Membership.Role.CORE, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("role_order", "user__display_name", "pk")
    )
    if tag:
        memberships = memberships.filter(
            Q(pk__in=HelpTag.objects.filter(tag__slug=tag).values("content_object_id"))
            | Q(pk__in=LearnTag.objects.filter(tag__slug=tag).values("content_object_id"))
        )
    active_ids = active.values("pk")
    topics = list(
        Tag.objects.filter(
            Q(pk__in=HelpTag.objects.filter(content_object_id__in=active_ids).values("tag_id"))
            | Q(pk__in=LearnTag.objects.filter(content_object_id__in=active_ids).values("tag_id"))
        ).order_by("name")[:40]
    )
    active_tag = _tag_named(tag, topics) if tag else None
    page = Paginator(memberships, MEMBERS_PAGE_SIZE).get_page(request.GET.get("page"))
    context = community_context(
        request, community, tab="members", page=page, topics=topics, active_tag=active_tag
    )
    return render(request, "communities/community_members.html", context)


# --- Onboarding -----------------------------------------------------------------------


def _not_a_member(request, community: Community):
    messages.info(request, _("Join the community first."))
    return redirect(community)


def _onboarding_saved(request, community: Community, membership: Membership, notice: str):
    """htmx gets the updated checklist; a plain form post goes back to the community."""
    if request.htmx:
        context = community_context(
            request, community, **_onboarding_context(membership, notice=notice)
        )
        return render(request, "communities/community_detail.html#onboarding", context)
    messages.success(request, notice)
    return redirect(community)


def _onboarding_form_page(
    request, community: Community, membership: Membership, *, step: str, form
):
    """The step's own page, or for htmx the checklist with the form's errors in place."""
    if request.htmx:
        forms = {f"{step}_form": form}
        context = community_context(request, community, **_onboarding_context(membership, **forms))
        return render(request, "communities/community_detail.html#onboarding", context)
    context = community_context(request, community, tab="overview", form=form, step=step)
    return render(request, "communities/onboarding_form.html", context)


@login_required
def onboarding_profile(request, slug: str):
    community = get_visible_community(request, slug)
    membership = _active_membership(request, community)
    if membership is None:
        return _not_a_member(request, community)
    form = OnboardingProfileForm.for_membership(membership, _posted(request))
    if request.method == "POST" and form.is_valid():
        services.onboarding_set_profile(
            membership=membership,
            can_help_with=form.cleaned_data["can_help_with"],
            wants_to_learn=form.cleaned_data["wants_to_learn"],
        )
        return _onboarding_saved(
            request, community, membership, _("Saved: members can now see what you know.")
        )
    return _onboarding_form_page(request, community, membership, step="profile", form=form)


@login_required
def onboarding_intro(request, slug: str):
    community = get_visible_community(request, slug)
    membership = _active_membership(request, community)
    if membership is None:
        return _not_a_member(request, community)
    form = OnboardingIntroForm.for_membership(membership, _posted(request))
    if request.method == "POST" and form.is_valid():
        services.onboarding_introduce(membership=membership, intro=form.cleaned_data["intro"])
        return _onboarding_saved(
            request, community, membership, _("Thanks for introducing yourself.")
        )
    return _onboarding_form_page(request, community, membership, step="intro", form=form)


@login_required
@require_POST
def onboarding_pinned(request, slug: str):
    community = get_visible_community(request, slug)
    membership = _active_membership(request, community)
    if membership is None:
        return _not_a_member(request, community)
    services.onboarding_mark_pinned_read(membership=membership)
    return _onboarding_saved(request, community, membership, _("Noted: starter posts read."))


# --- Invitations ----------------------------------------------------------------------


def invitation(request, token: str):
    invitation = get_object_or_404(
        Invitation.objects.select_related("community", "invited_by"), token=token
    )
    community = invitation.community
    context = {"invitation": invitation, "community": community}
    if not request.user.is_authenticated:
        here = request.get_full_path()
        context["signup_url"] = (
            f"{reverse('account_signup')}?{urlencode({'next': here, 'email': invitation.email})}"
        )
        context["login_url"] = login_url(request, here)
        return render(request, "communities/invitation_detail.html", context)
    try:
        services.invitation_check(invitation=invitation, user=request.user)
    except ValidationError as error:
        context["problems"] = error.messages
        return render(request, "communities/invitation_detail.html", context)
    charter = community.current_charter
    form = RulesAcceptForm(_posted(request))
    if request.method == "POST" and charter is not None and form.is_valid():
        try:
            services.invitation_accept(
                invitation=invitation,
                user=request.user,
                accepted_rules=form.cleaned_data["accepted_rules"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Welcome to %(name)s! Here is how to get started.") % {"name": community.name},
            )
            return redirect(community)
    context.update(charter=charter, form=form)
    return render(request, "communities/invitation_detail.html", context)
