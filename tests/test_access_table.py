"""The access table: every URL of the project, every kind of visitor, every visibility.

The test enumerates the URL patterns and fails when one has no entry here, so a new
page cannot ship without someone deciding who may see it. For each page it checks the
status each role gets on a public, a members-only and a hidden community; for each
write endpoint it checks that a refused POST (with data that would succeed for an
allowed person) changes nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from allauth.socialaccount.models import SocialAccount
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from PIL import Image

from communities.meetings import services as meeting_services
from communities.models import Community, Membership, Rule
from communities.services import invitation_stop_token
from communities.webhooks import events as webhook_events
from communities.webhooks import services as webhook_services
from communities.webhooks.models import WebhookDelivery
from members.api_tokens import ApiToken, api_token_create
from members.digests import unsubscribe_token
from members.feed_tokens import FeedPurpose, feed_token_for
from members.models import Notification, NotificationKind
from practices import attachments
from practices.models import Comment, Post
from practices.playbook import services as playbook_services
from tests.factories import (
    CommunityFactory,
    InvitationFactory,
    MembershipFactory,
    StaffFactory,
    UserFactory,
)
from tests.staff import login_with_mfa

ROLES = [
    "anonymous",
    "outsider",
    "pending",
    "invited",
    "member",
    "core",
    "facilitator",
    "other_facilitator",
    "banned",
    "staff",
]
VISIBILITIES = ["public", "members", "hidden"]
ACTIVE = {"member", "core", "facilitator"}

# Namespaces and names served by well-kept libraries, tested by their own suites and
# by ours where we configure them (tests/members/test_admin.py, test_accounts.py).
EXTERNAL_NAMESPACES = {"admin"}
EXTERNAL_PREFIXES = ("account_", "mfa_", "set_language")


def visible(role: str, vis: str) -> bool:
    """Who may open a community's home page (Community.objects.visible_to)."""
    if vis in ("public", "members"):
        return True
    return role in ACTIVE | {"invited", "staff"}


def readable(role: str, vis: str) -> bool:
    """Who may read a community's content (Community.objects.readable_by)."""
    return vis == "public" or role in ACTIVE | {"staff"}


def can_join_page(role: str, vis: str) -> bool:
    return vis in ("public", "members") and role in {"outsider", "other_facilitator", "staff"}


# --- GET expectations ----------------------------------------------------------------


def everyone(role, vis):
    return 200


def public_only(role, vis):
    return 200 if vis == "public" else 404


def signed_in(role, vis):
    return 302 if role == "anonymous" else 200


def community_page(role, vis):
    return 200 if visible(role, vis) else 404


def member_directory(role, vis):
    return 200 if visible(role, vis) and role in ACTIVE | {"staff"} else 404


def join_page(role, vis):
    if role == "anonymous":
        return 302
    if not visible(role, vis):
        return 404
    return 200 if can_join_page(role, vis) else 302


def member_only_page(role, vis):
    """Pages for active members; others who can see the community are sent back to it."""
    if role == "anonymous":
        return 302
    if not visible(role, vis):
        return 404
    return 200 if role in ACTIVE else 302


def post_only(role, vis):
    return 302 if role == "anonymous" else 405


def manage_page(role, vis):
    if role == "anonymous":
        return 302
    if not visible(role, vis):
        return 404
    return 200 if role == "facilitator" else 403


def health_page(role, vis):
    """The health dashboard: the community's facilitators and site staff."""
    if role == "anonymous":
        return 302
    if not visible(role, vis):
        return 404
    return 200 if role in ("facilitator", "staff") else 403


def metrics_scraper_only(role, vis):
    """/metrics answers only a scraper sending METRICS_TOKEN (tests/ops/test_metrics.py);
    without a token, in production, it does not exist for anyone, staff included."""
    return 404


def content_page(role, vis):
    return 200 if readable(role, vis) else 404


def post_page(role, vis):
    """Signed out, a post in a members-only community asks for signing in (its community
    is public knowledge); a hidden one stays a 404."""
    if role == "anonymous" and vis == "members":
        return 302
    return content_page(role, vis)


def contribute_page(role, vis):
    """Forms to write in a community: active members; readers are sent back to the
    community (which says how to join), others get 404."""
    if role == "anonymous":
        return 302
    if not readable(role, vis):
        return 404
    return 200 if role in ACTIVE else 302


def post_method_only(role, vis):
    return 405


def author_page(author: str):
    def policy(role, vis):
        if role == "anonymous":
            return 302
        if not readable(role, vis):
            return 404
        return 200 if role == author else 403

    return policy


@dataclass(frozen=True)
class Entry:
    get: object  # (role, vis) -> expected status
    # (role, vis) -> may this person change something with a POST here?
    may_write: object | None = None
    # POST data that would succeed for someone allowed
    data: dict | None = None
    # how a refusal may answer; pages that explain the refusal in place answer 200
    refused: tuple = (302, 403, 404, 405)
    # the endpoint reads JSON (the API), not a form
    json: bool = False


def nobody(role, vis):
    return False


def only(*roles):
    return lambda role, vis: role in roles


def active_members(role, vis):
    return role in ACTIVE and visible(role, vis)


def signed_in_readers(role, vis):
    return role != "anonymous" and readable(role, vis)


TABLE: dict[str, Entry] = {
    "home": Entry(everyone),
    "metrics": Entry(metrics_scraper_only),
    "members:profile_edit": Entry(
        signed_in,
        may_write=lambda role, vis: role != "anonymous",
        data={"display_name": "Changed", "time_zone": "UTC", "language": "en"},
    ),
    # "member"'s profile: for people who share a community with them, and staff.
    "members:profile": Entry(
        lambda role, vis: 302 if role == "anonymous" else 200 if role in ACTIVE | {"staff"} else 404
    ),
    "communities:directory": Entry(everyone),
    "communities:mine": Entry(signed_in),
    "communities:create": Entry(
        signed_in,
        may_write=lambda role, vis: role != "anonymous",
        data={
            "name": "New",
            "kind": "practice",
            "challenge": "A challenge",
            "language": "en",
            "cover_color": "teal",
        },
    ),
    "communities:invitation": Entry(
        everyone,
        may_write=only("invited"),
        data={"accept_rules": "on", "accepted_rules": "on"},
        refused=(200, 302, 403, 404, 405),
    ),
    # The signed link in every invitation email: whoever holds it may stop invitations
    # to its address (a capability, like the invitation link itself).
    "communities:invitations_stop": Entry(everyone, may_write=lambda role, vis: True, data={}),
    "communities:detail": Entry(community_page),
    # Served through the door: the cover only where the home page opens.
    "communities:cover": Entry(community_page),
    # The avatar of someone who belongs to this community only: where they are shown.
    "members:avatar": Entry(community_page),
    "communities:join": Entry(
        join_page,
        may_write=lambda role, vis: can_join_page(role, vis),
        data={"accept_rules": "on", "accepted_rules": "on", "answer_0": "Yes", "answer_1": "Yes"},
    ),
    "communities:leave": Entry(member_only_page, may_write=active_members, data={}),
    "communities:charter": Entry(community_page),
    "communities:charter_accept": Entry(
        post_only, may_write=active_members, data={"accept": "on", "accept_rules": "on"}
    ),
    "communities:members": Entry(member_directory),
    "communities:onboarding_profile": Entry(
        member_only_page,
        may_write=active_members,
        data={"can_help_with": "sbar", "wants_to_learn": "rotas"},
    ),
    "communities:onboarding_intro": Entry(
        member_only_page, may_write=active_members, data={"intro": "Hello"}
    ),
    "communities:onboarding_pinned": Entry(post_only, may_write=active_members, data={}),
}

FACILITATOR_WRITES = {
    "communities:manage": {"name": "Renamed", "kind": "practice", "challenge": "Changed"},
    "communities:manage_launch": {},
    "communities:manage_charter": {"title": "A new rule", "explanation": "Why"},
    "communities:manage_questions": {"question_0": "Why?", "question_1": "Role?"},
    "communities:manage_onboarding": {"welcome_message": "Hi", "profile": "on"},
    "communities:manage_requests": {},
    "communities:manage_invitations": {"emails": "new@practica.test", "role": "member"},
    "communities:manage_members": {},
    "communities:manage_rule": {"title": "Edited", "explanation": "Edited"},
}
FACILITATOR_POSTS = {
    "communities:manage_rule_move": {"direction": "1"},
    "communities:manage_rule_delete": {},
    "communities:manage_charter_publish": {"is_material": "on", "summary": "Changed"},
    "communities:manage_request_decide": {"action": "approve", "message": "Welcome"},
    "communities:manage_invitation_revoke": {},
    "communities:manage_invitation_resend": {},
    "communities:manage_member": {"action": "ban", "reason": "Spam"},
    "communities:manage_archive": {"closing_note": "Done", "confirm": "on"},
}
TABLE.update(
    {
        "communities:manage_health": Entry(health_page),
        "communities:manage_health_export": Entry(health_page),
        "communities:restore": Entry(post_only, may_write=only("staff"), data={}),
    }
)
for _name, _data in FACILITATOR_WRITES.items():
    TABLE[_name] = Entry(manage_page, may_write=only("facilitator"), data=_data)
for _name, _data in FACILITATOR_POSTS.items():
    TABLE[_name] = Entry(post_only, may_write=only("facilitator"), data=_data)


def readers_who(*roles):
    return lambda role, vis: role in roles and readable(role, vis)


POST_DATA = {"title": "Changed", "tried": "x", "happened": "y", "learned": "z", "publish": "1"}
TABLE.update(
    {
        "practices:feed": Entry(content_page),
        # "Mark all as read": a watermark for the member's own read markers.
        "practices:mark_read": Entry(post_only, may_write=active_members, data={}),
        "practices:detail": Entry(post_page),
        "practices:history": Entry(content_page),
        "practices:community_tag": Entry(content_page),
        "practices:create": Entry(
            contribute_page,
            may_write=lambda role, vis: role in ACTIVE,
            data={**POST_DATA, "outcome": "worked"},
        ),
        "practices:edit": Entry(author_page("member"), may_write=only("member"), data=POST_DATA),
        "practices:delete": Entry(author_page("member"), may_write=only("member"), data={}),
        # The world's posts carry their author's name: there is nothing to reveal, so
        # the author too is refused (tests/practices/test_shared_without_name.py).
        "practices:reveal": Entry(author_page("nobody"), may_write=nobody, data={}),
        "practices:preview": Entry(post_only),
        # A post's files (an image here, so both the file and its thumbnail exist):
        # whoever may read the post; signed out too a 404 (nothing to sign in for).
        "practices:attachment": Entry(content_page),
        "practices:attachment_thumbnail": Entry(content_page),
        "practices:bookmarks": Entry(signed_in),
        "practices:drafts": Entry(signed_in),
        "practices:search": Entry(everyone),
        "practices:lessons": Entry(everyone),
        "practices:similar": Entry(everyone),
        "practices:tag": Entry(everyone),
        "practices:tag_follow": Entry(
            post_method_only,
            may_write=lambda role, vis: role != "anonymous",
            data={"follow": "1"},
        ),
        "practices:bookmark": Entry(
            post_only, may_write=signed_in_readers, data={"active": "1", "bookmark": "1"}
        ),
        "practices:follow": Entry(
            post_only, may_write=signed_in_readers, data={"active": "1", "follow": "1"}
        ),
        "practices:react": Entry(
            post_only,
            may_write=readers_who("core", "facilitator"),
            data={"kind": "helpful", "active": "1", "note": "Worked"},
        ),
        "practices:hide": Entry(
            post_only,
            may_write=only("facilitator", "staff"),
            data={"hide": "1", "reason": "Off topic"},
        ),
        "practices:pin": Entry(post_only, may_write=only("facilitator"), data={"pin": "1"}),
        "practices:comment_create": Entry(
            post_only, may_write=lambda role, vis: role in ACTIVE, data={"body": "Me too"}
        ),
        "practices:comment_edit": Entry(
            author_page("core"), may_write=only("core"), data={"body": "Edited"}
        ),
        "practices:comment_delete": Entry(author_page("core"), may_write=only("core"), data={}),
        "practices:comment_helpful": Entry(
            post_only, may_write=only("member", "facilitator"), data={"helpful": "1"}
        ),
        "practices:comment_hide": Entry(
            post_only, may_write=only("facilitator", "staff"), data={"hide": "1", "reason": "Rude"}
        ),
    }
)


def digest_email_frame(role, vis):
    """The next digest's HTML for the preview page: there is one for active members
    (the world's posts and new members are news to them); nothing to show otherwise."""
    if role == "anonymous":
        return 302
    return 200 if role in ACTIVE else 404


TABLE.update(
    {
        "members:digest_preview": Entry(signed_in),
        "members:digest_preview_email": Entry(digest_email_frame),
        # The signed token (for "member") is the authorisation: anyone holding the
        # link may unsubscribe that member, signed in or not.
        "members:digest_unsubscribe": Entry(
            everyone, may_write=lambda role, vis: True, data={"List-Unsubscribe": "One-Click"}
        ),
    }
)


def report_page(role, vis):
    """Reporting a post or comment: active members (the author is told they cannot)."""
    if role == "anonymous":
        return 302
    if not readable(role, vis):
        return 404
    return 200 if role in ACTIVE else 403


REPORT_DATA = {"rule": "other", "note": "Spam"}
SAFEGUARDS_DATA = {
    "report_threshold": "5",
    "premoderation_posts": "2",
    "new_member_days": "7",
    "new_member_posts_per_day": "1",
    "new_member_comments_per_day": "3",
    "new_member_links_per_post": "0",
}
TABLE.update(
    {
        # The post's author is "member", the comment's author is "core"; an author's
        # report is refused in the form (200), which stores nothing.
        "communities:report_post": Entry(
            report_page,
            may_write=only("core", "facilitator"),
            data=REPORT_DATA,
            refused=(200, 302, 403, 404, 405),
        ),
        "communities:report_comment": Entry(
            report_page,
            may_write=only("member", "facilitator"),
            data=REPORT_DATA,
            refused=(200, 302, 403, 404, 405),
        ),
        "communities:request_review_post": Entry(
            post_only, may_write=only("member"), data={"note": "Please look again"}
        ),
        "communities:request_review_comment": Entry(
            post_only, may_write=only("core"), data={"note": "Please look again"}
        ),
        "communities:manage_reports": Entry(manage_page),
        "communities:manage_log": Entry(manage_page),
        "communities:manage_safeguards": Entry(
            manage_page, may_write=only("facilitator"), data=SAFEGUARDS_DATA
        ),
        "communities:manage_review_post": Entry(
            post_only, may_write=only("facilitator"), data={"action": "hide", "reason": "Rude"}
        ),
        "communities:manage_review_comment": Entry(
            post_only, may_write=only("facilitator"), data={"action": "hide", "reason": "Rude"}
        ),
        "communities:manage_approve_post": Entry(
            post_only, may_write=only("facilitator"), data={"action": "approve"}
        ),
    }
)


def own_notification(role, vis):
    """Opening a notification: its recipient ("member") is sent on to what it is about;
    for everyone else it does not exist."""
    return 302 if role in ("anonymous", "member") else 404


NOTIFICATION_SETTINGS_DATA = {
    **{f"kind_{kind}": "off" for kind in NotificationKind.values},
    "digest_cadence": "off",
}
TABLE.update(
    {
        "members:notifications": Entry(signed_in),
        "members:notifications_read": Entry(
            post_only, may_write=lambda role, vis: role != "anonymous", data={"all": "1"}
        ),
        "members:notification_open": Entry(own_notification),
        "members:notification_settings": Entry(
            signed_in,
            may_write=lambda role, vis: role != "anonymous",
            data=NOTIFICATION_SETTINGS_DATA,
        ),
    }
)


# Single sign-on (allauth's social accounts and OpenID Connect provider), checked with a
# provider configured: without one the provider's pages are a 404 for everyone.
SSO_NAMES = ("socialaccount_", "openid_connect_")
TABLE.update(
    {
        # "Continue with Corp?": for anyone (signed-in members connect a provider).
        "openid_connect_login": Entry(everyone),
        # An answer from the provider without a sign-in started here: refused (401).
        "openid_connect_callback": Entry(lambda role, vis: 401),
        "socialaccount_login_cancelled": Entry(everyone),
        "socialaccount_login_error": Entry(lambda role, vis: 401),
        # Only in the middle of a sign-up through a provider; otherwise back to sign-in.
        "socialaccount_signup": Entry(lambda role, vis: 302),
        # Disconnecting a provider: the member's own connection only; for anyone else
        # the connection is not a choice, and the form says so (200).
        "socialaccount_connections": Entry(
            signed_in,
            may_write=only("member"),
            data={"account": "__member_connection__"},
            refused=(200, 302, 403, 404, 405),
        ),
    }
)


def team_page(role, vis):
    """Scheduling, editing and notes: facilitators and core members of the community;
    other readers are refused, the rest get 404."""
    if role == "anonymous":
        return 302
    if not readable(role, vis):
        return 404
    return 200 if role in ("facilitator", "core") else 403


def own_insight(role, vis):
    """An insight waits for the consent of the person it is attributed to ("member");
    for everyone else it does not exist."""
    if role == "anonymous":
        return 302
    return 200 if role == "member" else 404


MEETING_DAY = (date.today() + timedelta(days=10)).isoformat()
MEETING_FORM = {
    "title": "Case clinic",
    "date": MEETING_DAY,
    "time": "19:00",
    "duration_minutes": "60",
    "audience": "members",
}
TABLE.update(
    {
        "meetings:community_list": Entry(content_page),
        "meetings:detail": Entry(content_page),
        "meetings:ics": Entry(content_page),
        "meetings:series_ics": Entry(content_page),
        "meetings:schedule": Entry(
            team_page,
            may_write=only("facilitator", "core"),
            data={**MEETING_FORM, "time_zone": "Europe/Berlin", "repeat": "once"},
        ),
        "meetings:edit": Entry(
            team_page,
            may_write=only("facilitator", "core"),
            data={**MEETING_FORM, "title": "Moved", "scope": "this"},
        ),
        "meetings:cancel": Entry(post_only, may_write=only("facilitator", "core"), data={}),
        "meetings:rsvp": Entry(post_only, may_write=active_members, data={"answer": "yes"}),
        "meetings:notes": Entry(
            team_page, may_write=only("facilitator", "core"), data={"notes": "We met."}
        ),
        "meetings:mine": Entry(signed_in),
        "meetings:insight": Entry(
            own_insight, may_write=only("member"), data={"action": "decline"}
        ),
        "meetings:settings": Entry(
            signed_in,
            may_write=lambda role, vis: role != "anonymous",
            data={"action": "reminders", "hour_before": "on"},
        ),
        # The secret address (of "member") is the authorisation, like the unsubscribe link:
        # whoever holds it gets that member's calendar, signed in or not.
        "meetings:feed_mine": Entry(everyone),
        "meetings:feed_community": Entry(everyone),
        # News feeds: public ones only for communities a signed-out visitor may read;
        # the member's secret address works like the calendar's.
        "practices:community_feed": Entry(public_only),
        "practices:community_tag_feed": Entry(public_only),
        "practices:member_feed": Entry(everyone),
    }
)


# --- The REST API: its JSON answers for the same roles ---------------------------------
# Signed-in roles call it with their session here (the canary adds each outsider's
# token). Signed out, a write is a 401 rather than a redirect to the sign-in page, and a
# members-only post is a 404, not a sign-in page: the API has no page to send people to.
API_REFUSED = (400, 401, 403, 404, 405)


def api_signed_in(role, vis):
    return 401 if role == "anonymous" else 200


def api_post_only(role, vis):
    """GET on a write-only endpoint: not allowed (405), or first say who you are (401)."""
    return 405


def api_member_post_only(role, vis):
    return 401 if role == "anonymous" else 405


def api_write(may_write, data):
    return Entry(post_method_only, may_write=may_write, data=data, refused=API_REFUSED, json=True)


TABLE.update(
    {
        "api:schema": Entry(everyone),
        # Any other address under /api/v1/: the API's JSON 404 (the pattern is a catch-all).
        "api:not_found": Entry(lambda role, vis: 404),
        "api:docs": Entry(everyone),
        "api:community_list": Entry(everyone),
        "api:community_detail": Entry(community_page),
        "api:post_list": Entry(
            content_page,
            may_write=lambda role, vis: role in ACTIVE,
            data={**POST_DATA, "kind": "experience", "outcome": "worked", "publish": True},
            refused=API_REFUSED,
            json=True,
        ),
        "api:post_detail": Entry(content_page),
        "api:comment_list": Entry(
            content_page,
            may_write=lambda role, vis: role in ACTIVE,
            data={"body": "Me too"},
            refused=API_REFUSED,
            json=True,
        ),
        # As on the site: the world's posts carry their author's name, so there is
        # nothing to reveal and the author too is refused (tests/api/test_files_and_reveal.py).
        "api:post_reveal": api_write(nobody, {}),
        "api:reaction_set": Entry(
            api_post_only,
            may_write=readers_who("core", "facilitator"),
            data={"kind": "helpful", "active": True},
            refused=API_REFUSED,
            json=True,
        ),
        "api:meeting_list": Entry(content_page),
        "api:meeting_detail": Entry(content_page),
        "api:meeting_rsvp": Entry(
            api_post_only,
            may_write=active_members,
            data={"answer": "yes"},
            refused=API_REFUSED,
            json=True,
        ),
        "api:search": Entry(everyone),
        "api:notification_list": Entry(api_signed_in),
        "api:notifications_read": Entry(
            api_member_post_only,
            may_write=lambda role, vis: role != "anonymous",
            data={"all": True},
            refused=API_REFUSED,
            json=True,
        ),
        "members:api_tokens": Entry(
            signed_in,
            may_write=lambda role, vis: role != "anonymous",
            data={"name": "Script", "scope": "read", "lifetime_days": "30"},
        ),
        # Revoking "member"'s token: only "member"; for anyone else it is already gone.
        "members:api_token_revoke": Entry(post_only, may_write=only("member"), data={}),
    }
)


# Webhooks: the community's facilitators register, test and redeliver (staff run the
# site-wide ones in the admin). The receiver address is never contacted here.
WEBHOOK_FORM = {"url": "http://127.0.0.1:9/hook", "events": ["post.published"], "is_active": "on"}
TABLE.update(
    {
        "webhooks:list": Entry(manage_page, may_write=only("facilitator"), data=WEBHOOK_FORM),
        "webhooks:detail": Entry(
            manage_page,
            may_write=only("facilitator"),
            data={**WEBHOOK_FORM, "description": "Changed"},
        ),
        "webhooks:test": Entry(post_only, may_write=only("facilitator"), data={}),
        "webhooks:redeliver": Entry(
            post_only, may_write=only("facilitator"), data={"delivery": "__webhook_delivery__"}
        ),
        "webhooks:rotate": Entry(post_only, may_write=only("facilitator"), data={}),
        "webhooks:delete": Entry(post_only, may_write=only("facilitator"), data={}),
    }
)


@pytest.fixture
def configured_provider(settings):
    from config.sso import oidc_apps, socialaccount_providers

    entry = {
        "id": "corp",
        "name": "Corp",
        "server_url": "https://login.corp.example",
        "client_id": "practica",
        "secret": "s3cret",
    }
    settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers(oidc_apps(json.dumps([entry])))


# --- The world -----------------------------------------------------------------------


def proposer_page(role, vis):
    """Proposing a playbook change: members who are not on the team (the team edits);
    other readers are refused, the rest get 404."""
    if role == "anonymous":
        return 302
    if not readable(role, vis):
        return 404
    return 200 if role == "member" else 403


def signed_in_content(role, vis):
    if role == "anonymous":
        return 302
    return 200 if readable(role, vis) else 404


def own_proposal(role, vis):
    """A proposal: its proposer ("member") and the community's facilitators; for
    everyone else it does not exist."""
    if role == "anonymous":
        return 302
    return 200 if readable(role, vis) and role in ("member", "facilitator") else 404


TEAM = only("facilitator", "core")
TABLE.update(
    {
        "playbook:index": Entry(content_page),
        "playbook:page": Entry(content_page),
        "playbook:history": Entry(content_page),
        "playbook:revision": Entry(content_page),
        "playbook:create": Entry(team_page, may_write=TEAM, data={"title": "New", "body": "x"}),
        "playbook:edit": Entry(team_page, may_write=TEAM, data={"title": "Changed", "body": "y"}),
        "playbook:evidence": Entry(team_page),
        "playbook:move": Entry(post_only, may_write=TEAM, data={"direction": "-1"}),
        "playbook:restore": Entry(post_only, may_write=TEAM, data={}),
        "playbook:preview": Entry(post_only),
        "playbook:propose": Entry(
            proposer_page, may_write=only("member"), data={"title": "Mine", "body": "Better"}
        ),
        "playbook:propose_new": Entry(
            proposer_page, may_write=only("member"), data={"title": "Mine", "body": "New"}
        ),
        "playbook:proposals": Entry(signed_in_content),
        "playbook:proposal": Entry(own_proposal),
        "playbook:proposal_decide": Entry(
            post_only, may_write=only("facilitator"), data={"action": "accept"}
        ),
        # Promoting the world's post (an experience with a lesson) to the playbook.
        "playbook:promote": Entry(post_only, may_write=TEAM, data={}),
    }
)


def image_bytes(extra: bytes = b"") -> bytes:
    """A small WebP image, as uploads are stored (`extra` rides along after its data)."""
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (20, 90, 80)).save(out, format="WEBP")
    return out.getvalue() + extra


@dataclass
class World:
    users: dict
    communities: dict  # vis -> Community
    objects: dict  # vis -> {"rule", "invitation", "pending", "membership", "post", "comment"}


def build_world() -> World:
    users = {role: UserFactory() for role in ROLES if role not in ("anonymous", "staff")}
    users["staff"] = StaffFactory()
    other = CommunityFactory()
    MembershipFactory(community=other, user=users["other_facilitator"], facilitator=True)
    communities, objects = {}, {}
    for vis, policy in (("public", "open"), ("members", "request"), ("hidden", "invitation")):
        community = CommunityFactory(
            visibility=vis, join_policy=policy, tags=["handover"], questions=["Why?", "Role?"]
        )
        MembershipFactory(community=community, user=users["facilitator"], facilitator=True)
        MembershipFactory(community=community, user=users["core"], core=True)
        membership = MembershipFactory(community=community, user=users["member"])
        pending = MembershipFactory(community=community, user=users["pending"], pending=True)
        MembershipFactory(community=community, user=users["banned"], banned=True)
        invitation = InvitationFactory(community=community, email=users["invited"].email)
        Rule.objects.create(community=community, position=0, title="Be kind")
        post = Post.objects.create(
            community=community,
            author=users["member"],
            kind=Post.Kind.EXPERIENCE,
            title="Bedside handover",
            tried="We tried it",
            happened="It worked",
            learned="Do it again",
            published_at=community.launched_at,
        )
        post.tags.set(["handover"])
        comment = Comment.objects.create(post=post, author=users["core"], body="Thanks!")
        attachment = attachments.attachment_add(
            post=post,
            uploader=users["member"],
            checked=attachments.check_file(
                SimpleUploadedFile("board.webp", image_bytes(), content_type="image/webp")
            ),
        )
        community.cover_image.save("cover.webp", ContentFile(image_bytes()), save=True)
        avatar_owner = UserFactory()
        avatar_owner.avatar.save("avatar.webp", ContentFile(image_bytes()), save=True)
        MembershipFactory(community=community, user=avatar_owner)
        first = datetime.combine(date.today() + timedelta(days=7), time(19, 0))
        meeting = meeting_services.meeting_schedule(
            community=community,
            by=users["facilitator"],
            data={"title": "Case clinic", "place": "Room 4", "duration_minutes": 60},
            starts_local=first,
            time_zone="Europe/Berlin",
            rule=f"FREQ=WEEKLY;UNTIL={first + timedelta(days=21):%Y%m%d}T235959",
            invite=False,
        )
        insight = meeting_services.insight_propose(
            meeting=meeting,
            by=users["facilitator"],
            person=users["member"],
            kind="challenge",
            data={"title": "Night staffing", "situation": "Two nurses, thirty beds."},
        )
        webhook = webhook_services.endpoint_create(
            community=community,
            by=users["facilitator"],
            url="http://127.0.0.1:9/hook",
            events=["post.published"],
        )
        webhook_events.ping(webhook)  # a delivery in its log (never sent: not committed)
        playbook_page = playbook_services.page_create(
            community=community,
            by=users["facilitator"],
            title="Handover checklist",
            body="Count the beds.",
            evidence=[post],
        )
        playbook_services.page_edit(
            page=playbook_page, by=users["core"], title="Handover checklist", body="Count twice."
        )
        playbook_services.page_create(
            community=community, by=users["facilitator"], title="Night shift", body="Sleep."
        )
        proposal = playbook_services.proposal_create(
            community=community,
            by=users["member"],
            page=playbook_page,
            title="Handover checklist",
            body="Count three times.",
        )
        communities[vis] = community
        objects[vis] = {
            "webhook": webhook,
            "playbook_page": playbook_page,
            "proposal": proposal,
            "rule": community.rules.first(),
            "invitation": invitation,
            "pending": pending,
            "membership": membership,
            "post": post,
            "comment": comment,
            "attachment": attachment,
            "meeting": meeting,
            "insight": insight,
            "avatar_owner": avatar_owner,
        }
    # "member" signs in through the provider too (and has a password, so may disconnect).
    SocialAccount.objects.create(user=users["member"], provider="corp", uid="member-at-corp")
    return World(users=users, communities=communities, objects=objects)


def url_for(name: str, pattern_params: list[str], world: World, vis: str) -> str:
    community = world.communities[vis]
    obj = world.objects[vis]
    kwargs = {}
    for param in pattern_params:
        if param == "slug":
            kwargs["slug"] = community.slug
        elif param == "token" and name == "members:digest_unsubscribe":
            kwargs["token"] = unsubscribe_token(world.users["member"].pk)
        elif param == "token" and name.startswith("meetings:feed_"):
            member = world.users["member"]
            kwargs["token"] = feed_token_for(user=member, purpose=FeedPurpose.CALENDAR).token
        elif param == "token" and name == "communities:invitations_stop":
            kwargs["token"] = invitation_stop_token(obj["invitation"].email)
        elif param == "token" and name == "practices:member_feed":
            member = world.users["member"]
            kwargs["token"] = feed_token_for(user=member, purpose=FeedPurpose.POSTS).token
        elif param == "token":
            kwargs["token"] = obj["invitation"].token
        elif param == "stream":
            kwargs["stream"] = "experiences"
        elif param == "fmt":
            kwargs["fmt"] = "atom"
        elif param == "tag":
            kwargs["tag"] = "handover"
        elif param == "kind":
            kwargs["kind"] = "experience"
        elif param == "rest":
            kwargs["rest"] = "nothing-here/"
        elif param == "provider_id":
            kwargs["provider_id"] = "corp"
        elif param == "page":
            kwargs["page"] = obj["playbook_page"].slug
        elif param == "number":
            kwargs["number"] = 1
        elif param == "pk":
            kwargs["pk"] = _pk_for(name, world, vis)
        else:
            raise AssertionError(f"No value for URL parameter {param!r} of {name}")
    url = reverse(name, kwargs=kwargs)
    if name == "api:search":
        url += "?q=handover"
    return url


def _pk_for(name: str, world: World, vis: str) -> int:
    obj = world.objects[vis]
    if name.startswith("playbook:proposal"):
        return obj["proposal"].pk
    if name == "playbook:promote":
        return obj["post"].pk
    if name.startswith("communities:manage_rule"):
        return obj["rule"].pk
    if name == "communities:manage_request_decide":
        return obj["pending"].pk
    if name.startswith("communities:manage_invitation"):
        return obj["invitation"].pk
    if name == "communities:manage_member":
        return obj["membership"].pk
    if name.startswith("practices:attachment"):
        return obj["attachment"].pk
    if name.startswith("practices:comment_") or name in (
        "communities:report_comment",
        "communities:request_review_comment",
        "communities:manage_review_comment",
    ):
        return obj["comment"].pk
    if name in (
        "communities:report_post",
        "communities:request_review_post",
        "communities:manage_review_post",
        "communities:manage_approve_post",
    ):
        return obj["post"].pk
    if name.startswith("practices:"):
        return obj["post"].pk
    if name == "members:notification_open":
        notification, _created = Notification.objects.get_or_create(
            recipient=world.users["member"],
            kind=NotificationKind.REPLY,
            post=obj["post"],
            defaults={"url": obj["post"].get_absolute_url()},
        )
        return notification.pk
    if name == "members:profile":
        return world.users["member"].pk
    if name == "members:avatar":
        return obj["avatar_owner"].pk
    if name == "meetings:insight":
        return obj["insight"].pk
    if name.startswith("api:meeting"):
        return obj["meeting"].pk
    if name.startswith("api:"):
        return obj["post"].pk
    if name == "members:api_token_revoke":
        token = ApiToken.objects.filter(user=world.users["member"]).first()
        if token is None:
            token = api_token_create(
                user=world.users["member"], name="Script", scope="read", lifetime_days=30
            ).token
        return token.pk
    if name.startswith("meetings:"):
        return obj["meeting"].pk
    if name.startswith("webhooks:"):
        return obj["webhook"].pk
    raise AssertionError(f"No object for {name}")


def _patterns(resolver=None, namespace="", params=()):
    """(name, URL parameters) of every named pattern, with the parameters of the
    includes it sits in (allauth's `oidc/<provider_id>/...`)."""
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or ""
            full = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            if ns in EXTERNAL_NAMESPACES:
                continue
            yield from _patterns(p, full, (*params, *p.pattern.regex.groupindex))
        elif isinstance(p, URLPattern) and p.name:
            name = f"{namespace}:{p.name}" if namespace else p.name
            if name.startswith(EXTERNAL_PREFIXES):
                continue
            yield name, [*params, *p.pattern.regex.groupindex]


ROUTES = sorted(dict(_patterns()).items())


def test_every_url_pattern_has_an_entry_in_the_access_table():
    missing = [name for name, _params in ROUTES if name not in TABLE]
    assert not missing, f"Decide who may see these pages, then add them to TABLE: {missing}"


def _fingerprint() -> str:
    """A digest of every row the site's writes could touch."""
    digest = hashlib.sha256()
    apps_written = (
        "communities",
        "meetings",
        "webhooks",
        "practices",
        "playbook",
        "members",
        "taggit",
        "socialaccount",
    )
    for app in apps_written:
        for model in apps.get_app_config(app).get_models():
            rows = model.objects.order_by("pk").values()
            for row in rows:
                row.pop("last_login", None)
                digest.update(json.dumps(row, default=str, sort_keys=True).encode())
    return digest.hexdigest()


def _client_for(client, world: World, role: str):
    client.logout()
    if role == "staff":
        login_with_mfa(client, world.users[role])  # staff powers need a second factor
    elif role != "anonymous":
        client.force_login(world.users[role])
    return client


def _data_for(entry: Entry) -> dict:
    data = dict(entry.data or {})
    if data.get("account") == "__member_connection__":
        data["account"] = str(SocialAccount.objects.get(uid="member-at-corp").pk)
    if data.get("delivery") == "__webhook_delivery__":
        data["delivery"] = str(WebhookDelivery.objects.order_by("pk").first().pk)
    return data


@pytest.mark.parametrize(("name", "params"), ROUTES, ids=[r[0] for r in ROUTES])
def test_access(client, db, request, name, params):
    entry = TABLE.get(name)
    if entry is None:
        pytest.fail(f"{name} has no entry in the access table")
    if name.startswith(SSO_NAMES):
        request.getfixturevalue("configured_provider")
    world = build_world()
    mismatches = []
    for vis in VISIBILITIES:
        url = url_for(name, params, world, vis)
        for role in ROLES:
            expected = entry.get(role, vis)
            status = _client_for(client, world, role).get(url).status_code
            if status != expected:
                mismatches.append(f"GET {vis:<8} {role:<18} expected {expected}, got {status}")
    assert not mismatches, f"{name}:\n" + "\n".join(mismatches)


WRITE_ROUTES = [(n, p) for n, p in ROUTES if TABLE.get(n) and TABLE[n].may_write]


@pytest.mark.parametrize(("name", "params"), WRITE_ROUTES, ids=[r[0] for r in WRITE_ROUTES])
def test_refused_writes_change_nothing(client, db, request, name, params):
    entry = TABLE[name]
    if name.startswith(SSO_NAMES):
        request.getfixturevalue("configured_provider")
    world = build_world()
    failures = []
    for vis in VISIBILITIES:
        url = url_for(name, params, world, vis)
        for role in ROLES:
            if entry.may_write(role, vis):
                continue
            before = _fingerprint()
            signed_in_client = _client_for(client, world, role)
            if entry.json:
                response = signed_in_client.post(
                    url, _data_for(entry), content_type="application/json"
                )
            else:
                response = signed_in_client.post(url, _data_for(entry))
            after = _fingerprint()
            if after != before:
                failures.append(f"POST {vis:<8} {role:<18} changed data ({response.status_code})")
            elif response.status_code not in entry.refused:
                failures.append(f"POST {vis:<8} {role:<18} answered {response.status_code}")
    assert not failures, f"{name}:\n" + "\n".join(failures)


def _without_csrf(html: bytes) -> str:
    """The page without what differs per request: CSRF tokens and the current path."""
    pattern = (
        r'(csrfmiddlewaretoken" value="|X-CSRFToken": "|name="next" type="hidden" value=")[^"]+'
    )
    return re.sub(pattern, r"\1", html.decode())


def test_private_community_is_the_same_404_as_a_missing_one(client, db):
    world = build_world()
    client.force_login(world.users["outsider"])
    hidden = client.get(reverse("communities:detail", args=[world.communities["hidden"].slug]))
    missing = client.get(reverse("communities:detail", args=["no-such-community"]))
    assert hidden.status_code == missing.status_code == 404
    assert _without_csrf(hidden.content) == _without_csrf(missing.content)
    assert Community.objects.filter(pk=world.communities["hidden"].pk).exists()
    assert Membership.objects.count() > 0
