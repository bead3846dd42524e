"""The Django admin is complete: every model of our apps is registered, searchable and
filterable, links people, communities and posts by autocomplete, keeps audit records
read-only, acts through the same services as the site, and renders every changelist in
a number of queries that does not grow with the data. Only staff with two-factor
authentication reach it."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth.models import Group
from django.db import connection, models
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from taggit.models import Tag

from communities.meetings.models import (
    Insight,
    Meeting,
    MeetingSeries,
    ReminderDelivery,
    ReminderPreference,
    Rsvp,
)
from communities.models import (
    CharterAcceptance,
    Community,
    Membership,
    MembershipEvent,
    ModerationAction,
    Report,
    Rule,
    StageChange,
)
from communities.webhooks import events as webhook_events
from communities.webhooks.models import WebhookEndpoint
from members.api_tokens import api_token_create
from members.feed_tokens import FeedToken
from members.models import (
    DigestDelivery,
    Notification,
    NotificationSetting,
    OutboundEmail,
    User,
)
from practices.models import (
    Attachment,
    Bookmark,
    Comment,
    Mention,
    Post,
    PostFollow,
    PostRevision,
    Reaction,
    TagFollow,
)
from practices.playbook.models import PlaybookPage, PlaybookProposal, PlaybookRevision
from tests.factories import (
    CommunityFactory,
    InvitationFactory,
    MembershipFactory,
    StaffFactory,
    UserFactory,
)
from tests.staff import login_with_mfa

OUR_APPS = ("members", "communities", "meetings", "webhooks", "practices", "playbook")
# Models whose changelist has no filter, and why. Empty: every one of ours has filters.
NO_FILTER_BECAUSE: dict[str, str] = {}
# Records of what happened: staff look, nobody changes them.
AUDIT_MODELS = [
    ModerationAction,
    MembershipEvent,
    StageChange,
    CharterAcceptance,
    ReminderDelivery,
    PlaybookRevision,
]
LINKED_MODELS = {"members.user", "communities.community", "practices.post", "practices.comment"}
CHANGELIST_QUERY_BUDGET = 12
_numbers = itertools.count(1)


def our_admins():
    return sorted(
        (
            (model, model_admin)
            for model, model_admin in admin.site._registry.items()
            if model._meta.app_label in OUR_APPS
        ),
        key=lambda pair: pair[0]._meta.label,
    )


def changelists() -> list[str]:
    return sorted(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        for model in admin.site._registry
    )


@pytest.fixture
def superuser_request(db):
    request = RequestFactory().get("/")
    request.user = StaffFactory()
    return request


@pytest.fixture
def staff_client(client, staff_user):
    """A staff member signed in, with a TOTP authenticator set up."""
    TOTP.activate(staff_user, generate_totp_secret())
    login_with_mfa(client, staff_user)  # as allauth signs in an account with TOTP
    return client


# --- Completeness ---------------------------------------------------------------------


def test_every_model_of_our_apps_is_registered():
    missing = [
        model._meta.label
        for app in OUR_APPS
        for model in apps.get_app_config(app).get_models()
        if model not in admin.site._registry
    ]

    assert not missing, f"Register these models in their app's admin.py: {missing}"


@pytest.mark.parametrize(("model", "model_admin"), our_admins(), ids=lambda v: str(v))
def test_every_changelist_can_be_searched_and_filtered(model, model_admin):
    assert model_admin.search_fields, f"{model._meta.label} has no search_fields"
    assert model_admin.list_filter or model._meta.label in NO_FILTER_BECAUSE, (
        f"{model._meta.label} has no list_filter: add filters or a reason in NO_FILTER_BECAUSE"
    )


def _editable_links(model_admin, request) -> list[str]:
    """Foreign keys to people, communities, posts or comments on the change form."""
    obj = model_admin.model()  # the change form, not the add form
    if not model_admin.has_change_permission(request, obj):
        return []
    readonly = set(model_admin.get_readonly_fields(request, obj))
    on_form = set(flatten_fieldsets(model_admin.get_fieldsets(request, obj)))
    return [
        field.name
        for field in model_admin.model._meta.get_fields()
        if isinstance(field, models.ForeignKey)
        and field.related_model._meta.label_lower in LINKED_MODELS
        and field.name in on_form
        and field.name not in readonly
    ]


@pytest.mark.parametrize(("model", "model_admin"), our_admins(), ids=lambda v: str(v))
def test_links_to_people_communities_and_posts_use_autocomplete(
    model, model_admin, superuser_request
):
    picked = set(model_admin.autocomplete_fields) | set(model_admin.raw_id_fields)

    unpicked = [f for f in _editable_links(model_admin, superuser_request) if f not in picked]

    assert not unpicked, f"{model._meta.label}: use autocomplete_fields for {unpicked}"


@pytest.mark.parametrize("model", AUDIT_MODELS, ids=lambda m: m.__name__)
def test_audit_records_are_read_only(model, superuser_request):
    model_admin = admin.site._registry[model]

    assert not model_admin.has_add_permission(superuser_request)
    assert not model_admin.has_change_permission(superuser_request)
    assert not model_admin.has_delete_permission(superuser_request)


def test_audit_times_cannot_be_edited(superuser_request):
    for model, names in [
        (Report, ["created_at", "resolved_at"]),
        (Membership, ["joined_at", "requested_at", "created_at"]),
        (OutboundEmail, ["created_at", "claimed_at", "sent_at"]),
        (DigestDelivery, ["claimed_at", "finished_at"]),
    ]:
        readonly = set(admin.site._registry[model].get_readonly_fields(superuser_request))
        assert set(names) <= readonly, model.__name__


@pytest.mark.parametrize(
    ("model", "actions"),
    [
        (Membership, {"approve", "decline"}),
        (Post, {"hide", "unhide"}),
        (Comment, {"hide", "unhide"}),
        ("communities.Invitation", {"resend", "revoke"}),
        (Community, {"archive", "restore"}),
        ("members.ApiToken", {"revoke"}),
    ],
    ids=lambda v: v if isinstance(v, str) else getattr(v, "__name__", "actions"),
)
def test_staff_act_through_the_services(model, actions, superuser_request):
    model = apps.get_model(model) if isinstance(model, str) else model

    available = set(admin.site._registry[model].get_actions(superuser_request))

    assert actions <= available


# --- Rendering in a fixed number of queries --------------------------------------------


def populate() -> None:
    """One of everything the admin lists, linked the way the site links it."""
    n = next(_numbers)
    now = timezone.now()
    facilitator, member, reporter = UserFactory(), UserFactory(), UserFactory()
    community = CommunityFactory(tags=[f"topic-{n}"], questions=["Why?"])
    Rule.objects.create(community=community, title=f"Rule {n}")
    MembershipFactory(community=community, user=facilitator, facilitator=True)
    membership = MembershipFactory(community=community, user=member)
    MembershipFactory(community=community, user=reporter)
    membership.can_help_with.set([f"help-{n}"])
    membership.wants_to_learn.set([f"learn-{n}"])
    MembershipEvent.objects.create(membership=membership, actor=member, action="joined")
    CharterAcceptance.objects.create(membership=membership, version=community.current_charter)
    InvitationFactory(community=community, invited_by=facilitator)
    StageChange.objects.create(
        community=community, from_stage="planning", to_stage="launched", changed_by=facilitator
    )
    post = Post.objects.create(
        community=community,
        author=member,
        kind="experience",
        title=f"Post {n}",
        tried="t",
        happened="h",
        learned="l",
        published_at=now,
    )
    post.tags.set([f"topic-{n}"])
    comment = Comment.objects.create(post=post, author=facilitator, body="Thanks")
    for on_comment in (None, comment):
        Attachment.objects.create(
            post=post,
            comment=on_comment,
            uploader=member,
            file=f"attachments/{n}.pdf",
            original_name=f"checklist-{n}.pdf",
            content_type="application/pdf",
            size=1024,
            kind="file",
        )
    Reaction.objects.create(post=post, user=facilitator, kind="helpful")
    Bookmark.objects.create(post=post, user=facilitator)
    PostFollow.objects.create(post=post, user=facilitator)
    TagFollow.objects.create(user=member, tag=Tag.objects.get(name=f"topic-{n}"))
    Mention.objects.create(post=post, comment=comment, mentioned=member, author=facilitator)
    PostRevision.objects.create(post=post, editor=member, content={"title": "Before"})
    Report.objects.create(community=community, reporter=reporter, post=post, rule_title="Kind")
    Report.objects.create(community=community, reporter=reporter, comment=comment)
    for target in ({"post": post}, {"comment": comment}):
        ModerationAction.objects.create(
            community=community, actor=facilitator, member=member, action="hidden", **target
        )
    Notification.objects.create(
        recipient=member,
        actor=facilitator,
        kind="reply",
        community=community,
        post=post,
        comment=comment,
    )
    NotificationSetting.objects.create(user=member, kind="reply", channel="digest")
    email = OutboundEmail.objects.create(to=member.email, subject="Hi", body_text="Hi")
    DigestDelivery.objects.create(
        user=member, period=f"weekly:{n}", since=now - timedelta(days=7), email=email
    )
    series = MeetingSeries.objects.create(
        community=community,
        title=f"Clinic {n}",
        time_zone="Europe/Berlin",
        start_date=now.date(),
        start_time=now.time(),
        rrule="FREQ=WEEKLY",
        created_by=facilitator,
    )
    meeting = Meeting.objects.create(
        community=community,
        series=series,
        original_start=now,
        title=f"Clinic {n}",
        starts_at=now,
        ends_at=now + timedelta(hours=1),
        time_zone="Europe/Berlin",
        note_taker=member,
        created_by=facilitator,
    )
    Rsvp.objects.create(meeting=meeting, user=member, status="going")
    ReminderPreference.objects.create(user=member, day_before=False)
    ReminderDelivery.objects.create(
        meeting=meeting, user=member, kind="hour_before", starts_at=meeting.starts_at
    )
    Insight.objects.create(
        meeting=meeting,
        person=member,
        kind="experience",
        title=f"Insight {n}",
        post=post,
        proposed_by=facilitator,
    )
    playbook_page = PlaybookPage.objects.create(
        community=community, title=f"Handover {n}", slug=f"handover-{n}", created_by=facilitator
    )
    PlaybookRevision.objects.create(
        page=playbook_page, number=1, title=playbook_page.title, author=facilitator
    )
    PlaybookProposal.objects.create(
        community=community, page=playbook_page, proposer=member, title=f"Handover {n}"
    )
    endpoint = WebhookEndpoint.objects.create(
        community=community,
        created_by=facilitator,
        url=f"https://hooks.example.org/{n}",
        events=["post.published"],
        secret="whsec_x",
    )
    webhook_events.event_record(
        type="post.published", community=community, data={}, endpoints=[endpoint]
    )
    FeedToken.objects.create(user=member, purpose="calendar", token=f"token-{n}")
    api_token_create(user=member, name=f"Script {n}", scope="read", lifetime_days=30)
    Group.objects.create(name=f"Group {n}")
    TOTP.activate(member, generate_totp_secret())
    interval, _created = IntervalSchedule.objects.get_or_create(every=n, period="days")
    PeriodicTask.objects.create(name=f"Task {n}", task="members.tasks.x", interval=interval)


def _queries(client, names: list[str]) -> dict[str, int]:
    counts = {}
    for name in names:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(name))
        assert response.status_code == 200, name
        counts[name] = len(queries)
    return counts


def test_every_changelist_renders_in_a_fixed_number_of_queries(staff_client):
    names = changelists()
    populate()
    small = _queries(staff_client, names)
    for _ in range(4):
        populate()

    large = _queries(staff_client, names)

    grew = {name: (small[name], large[name]) for name in names if large[name] != small[name]}
    assert not grew, f"Queries grew with the data (before, after): {grew}"
    over = {name: count for name, count in large.items() if count > CHANGELIST_QUERY_BUDGET}
    assert not over, f"Over the budget of {CHANGELIST_QUERY_BUDGET} queries: {over}"


def test_every_changelist_searches_without_error(staff_client):
    populate()
    for name in changelists():
        assert staff_client.get(reverse(name), {"q": "post"}).status_code == 200, name


def test_staff_without_an_authenticator_are_sent_to_set_one_up(client, staff_user):
    client.force_login(staff_user)

    for name in changelists():
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response.url == reverse("mfa_index"), name


def test_members_who_are_not_staff_never_see_a_changelist(client, user):
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)

    for name in changelists():
        assert client.get(reverse(name)).status_code == 302, name


# --- Actions through the services -----------------------------------------------------


def _act(client, model, action: str, *pks: int):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return client.post(
        url, {"action": action, ACTION_CHECKBOX_NAME: [str(pk) for pk in pks]}, follow=True
    )


def test_archiving_and_restoring_from_the_admin_is_logged(staff_client, staff_user):
    community = CommunityFactory()

    _act(staff_client, Community, "archive", community.pk)
    _act(staff_client, Community, "restore", community.pk)

    community.refresh_from_db()
    assert community.is_launched
    assert list(
        ModerationAction.objects.filter(community=community, actor=staff_user)
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["archived", "restored"]


def test_dismissing_reports_calls_the_review_service(staff_client, staff_user):
    from communities.admin import moderation

    if moderation is None:
        pytest.skip("The review queue's services are not there yet.")
    community = CommunityFactory()
    author = MembershipFactory(community=community).user
    post = Post.objects.create(
        community=community, author=author, kind="challenge", title="T", published_at=timezone.now()
    )
    reports = [
        Report.objects.create(community=community, reporter=reporter, post=post)
        for reporter in (
            MembershipFactory(community=community).user,
            MembershipFactory(community=community).user,
        )
    ]

    response = _act(staff_client, Report, "dismiss", *[r.pk for r in reports])

    assert "Reports on 1 item dismissed." in response.content.decode()
    assert set(Report.objects.values_list("status", flat=True)) == {"dismissed"}
    action = ModerationAction.objects.get(community=community)
    assert (action.action, action.actor, action.post) == ("dismissed", staff_user, post)


def test_the_community_list_links_to_each_health_dashboard(staff_client):
    community = CommunityFactory()

    page = staff_client.get(reverse("admin:communities_community_changelist")).content.decode()

    assert reverse("communities:manage_health", args=[community.slug]) in page


def test_user_model_is_the_one_the_admin_lists():
    assert User in admin.site._registry
