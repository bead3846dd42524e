"""The facilitators' settings pages: who may open them, what they change, what they refuse."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communities import services
from communities.models import Community, Invitation, Membership, MembershipEvent, Rule
from members.models import Notification, OutboundEmail
from members.notifications import send_notification_emails
from tests.builders import add_member, add_pending_request, make_ready_for_launch
from tests.factories import UserFactory

PAGES = [
    "manage",
    "manage_launch",
    "manage_charter",
    "manage_questions",
    "manage_onboarding",
    "manage_requests",
    "manage_invitations",
    "manage_members",
]


def url(name: str, community: Community, *args) -> str:
    return reverse(f"communities:{name}", args=[community.slug, *args])


def page_text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def a_day_ago(invitation: Invitation) -> None:
    """Every invitation to this address here was sent over a day ago (resend waits)."""
    Invitation.objects.filter(
        community=invitation.community, email__iexact=invitation.email
    ).update(created_at=timezone.now() - timedelta(days=1, minutes=1))


def htmx(**headers) -> dict:
    return {"HTTP_HX_REQUEST": "true", **headers}


def snapshot(community: Community) -> dict:
    """Everything the settings pages can change, to prove a refused write changed nothing."""
    community = Community.objects.get(pk=community.pk)
    return {
        "community": {
            f.attname: getattr(community, f.attname)
            for f in Community._meta.concrete_fields
            if f.attname != "last_activity_at"
        },
        "tags": sorted(community.tags.names()),
        "rules": list(community.rules.values_list("pk", "position", "title", "explanation")),
        "questions": list(community.questions.values_list("text", flat=True)),
        "versions": community.charter_versions.count(),
        "memberships": list(
            community.memberships.order_by("pk").values_list("pk", "role", "status")
        ),
        "invitations": list(
            community.invitations.order_by("pk").values_list("pk", "revoked_at", "accepted_at")
        ),
        "events": MembershipEvent.objects.filter(membership__community=community).count(),
    }


def post_actions(community: Community) -> list[tuple[str, dict]]:
    """One valid POST to every facilitator action of `community`."""
    rule = community.rules.first()
    pending = add_pending_request(community)
    invitation = community.invitations.first()
    member = community.memberships.active().exclude(role=Membership.Role.FACILITATOR).first()
    return [
        (
            url("manage", community),
            {
                "name": "Taken over",
                "kind": "interest",
                "challenge": "x",
                "language": "en",
                "cover_color": "teal",
                "visibility": "public",
                "join_policy": "open",
            },
        ),
        (url("manage_archive", community), {"note": "Bye", "confirm": "on"}),
        (url("manage_launch", community), {}),
        (url("manage_charter", community), {"form": "add_rule", "add-title": "Sneaky rule"}),
        (url("manage_charter", community), {"form": "expectations", "exp-expectations": "None"}),
        (url("manage_rule", community, rule.pk), {f"rule-{rule.pk}-title": "Changed"}),
        (url("manage_rule_move", community, rule.pk), {"direction": "1"}),
        (url("manage_rule_delete", community, rule.pk), {}),
        (url("manage_charter_publish", community), {"publish-is_material": "on"}),
        (url("manage_questions", community), {"question_1": "Who are you?"}),
        (url("manage_onboarding", community), {"welcome_message": "Hi"}),
        (url("manage_request_decide", community, pending.pk), {"action": "approve"}),
        (url("manage_invitations", community), {"emails": "new@example.org", "role": "core"}),
        (url("manage_invitation_revoke", community, invitation.pk), {}),
        (url("manage_invitation_resend", community, invitation.pk), {}),
        (url("manage_member", community, member.pk), {"action": "ban", "reason": "x"}),
    ]


# --- One door: who may open the settings --------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_facilitators_open_every_settings_page(client, launched, facilitator, name):
    client.force_login(facilitator)

    response = client.get(url(name, launched))

    assert response.status_code == 200
    assert 'aria-current="page"' in response.content.decode()


@pytest.mark.parametrize("name", PAGES)
def test_plain_members_are_refused_the_settings(client, launched, member, name):
    client.force_login(member)

    assert client.get(url(name, launched)).status_code == 403


@pytest.mark.parametrize("name", PAGES)
def test_a_hidden_community_does_not_exist_for_outsiders(client, hidden, user, name):
    client.force_login(user)

    assert client.get(url(name, hidden)).status_code == 404


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitors_are_asked_to_sign_in(client, launched, name):
    response = client.get(url(name, launched))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_a_core_member_of_a_planned_community_sees_it_but_cannot_manage_it(
    client, planned, facilitator
):
    services.charter_publish(community=planned, by=facilitator, is_material=True)
    core = add_member(planned, role=Membership.Role.CORE).user
    client.force_login(core)

    assert client.get(url("manage", planned)).status_code == 403


def test_every_write_by_a_plain_member_is_refused_and_changes_nothing(client, launched, member):
    actions = post_actions(launched)
    before = snapshot(launched)
    client.force_login(member)

    for action_url, data in actions:
        assert client.post(action_url, data).status_code == 403, action_url

    assert snapshot(launched) == before


def test_every_write_to_a_hidden_community_by_an_outsider_is_a_404(client, hidden, user):
    add_member(hidden)
    actions = post_actions(hidden)
    before = snapshot(hidden)
    client.force_login(user)

    for action_url, data in actions:
        assert client.post(action_url, data).status_code == 404, action_url

    assert snapshot(hidden) == before


def test_facilitators_cannot_reach_rules_or_members_of_another_community(
    client, launched, hidden, facilitator
):
    other = services.community_create(
        user=UserFactory(), name="Elsewhere", challenge="x", kind="practice"
    )
    foreign_rule = other.rules.first()
    foreign_member = other.memberships.first()
    client.force_login(facilitator)

    assert client.get(url("manage_rule", launched, foreign_rule.pk)).status_code == 404
    assert client.post(url("manage_rule_delete", launched, foreign_rule.pk)).status_code == 404
    response = client.post(
        url("manage_member", launched, foreign_member.pk), {"action": "ban", "reason": ""}
    )
    assert response.status_code == 404
    assert Rule.objects.filter(pk=foreign_rule.pk).exists()
    assert Membership.objects.get(pk=foreign_member.pk).is_active


def test_actions_only_accept_posts(client, launched, facilitator):
    client.force_login(facilitator)
    rule = launched.rules.first()

    order = list(launched.rules.values_list("pk", flat=True))

    assert client.get(url("manage_archive", launched)).status_code == 405
    assert client.get(url("manage_rule_move", launched, rule.pk)).status_code == 405
    assert client.get(url("manage_rule_delete", launched, rule.pk)).status_code == 405

    launched.refresh_from_db()
    assert not launched.is_archived
    assert list(launched.rules.values_list("pk", flat=True)) == order


# --- Details and archiving -------------------------------------------------------------


def details_data(**overrides) -> dict:
    data = {
        "name": "Safer handovers",
        "kind": "action",
        "challenge": "Handovers lose things; we change how our wards do them.",
        "purpose": "We try one change a month and report back what happened.",
        "audience": "Ward nurses",
        "meeting_rhythm": "Monthly case clinic",
        "language": "en",
        "cover_color": "plum",
        "tags": "handover, nursing",
        "visibility": "members",
        "join_policy": "request",
    }
    data.update(overrides)
    return data


def test_details_show_each_kind_visibility_and_join_policy_with_its_explanation(
    client, planned, facilitator
):
    client.force_login(facilitator)

    page = page_text(client.get(url("manage", planned)))

    for help_text in Community.KIND_HELP.values():
        assert str(help_text) in page
    assert "Only members and people holding an invitation can open it." in page
    assert "a facilitator approves or declines each request." in page
    assert "Archive this community" not in page  # only launched communities close


def test_facilitators_save_the_details_through_the_service(client, planned, facilitator):
    client.force_login(facilitator)

    response = client.post(url("manage", planned), details_data())

    assert response.status_code == 302
    planned.refresh_from_db()
    assert planned.name == "Safer handovers"
    assert planned.kind == "action"
    assert planned.visibility == "members"
    assert planned.join_policy == "request"
    assert planned.cover_color == "plum"
    assert sorted(planned.tags.names()) == ["handover", "nursing"]
    assert "saved" in page_text(client.get(response.url))


def test_invalid_details_keep_what_was_typed_and_change_nothing(client, planned, facilitator):
    client.force_login(facilitator)
    before = snapshot(planned)

    response = client.post(
        url("manage", planned),
        details_data(challenge="", audience="Ward nurses of the north"),
    )

    assert response.status_code == 200
    page = page_text(response)
    assert "This field is required." in page
    assert 'value="Ward nurses of the north"' in page
    assert "Safer handovers" in page
    # The header still shows the saved name, not the rejected one.
    assert (
        f'<h1 class="community-header__name"><a href="{planned.get_absolute_url()}">Safe handovers'
        in page
    )
    assert snapshot(planned) == before


def test_saving_details_does_not_overwrite_counters_changed_meanwhile(
    client, launched, facilitator
):
    client.force_login(facilitator)
    # Someone joins while the facilitator has the form open.
    Community.objects.filter(pk=launched.pk).update(member_count=42)

    client.post(url("manage", launched), details_data(join_policy="open"))

    launched.refresh_from_db()
    assert launched.member_count == 42
    assert launched.name == "Safer handovers"


def test_archiving_needs_a_confirmation_and_keeps_the_note(client, launched, facilitator):
    client.force_login(facilitator)

    response = client.post(url("manage_archive", launched), {"note": "We reached our goal."})

    assert response.status_code == 200
    page = page_text(response)
    assert "Tick the box to confirm that you want to archive." in page
    assert "We reached our goal." in page
    launched.refresh_from_db()
    assert launched.is_launched


def test_facilitators_archive_a_launched_community(client, launched, facilitator):
    client.force_login(facilitator)

    response = client.post(
        url("manage_archive", launched), {"note": "We reached our goal.", "confirm": "on"}
    )

    assert response.status_code == 302
    launched.refresh_from_db()
    assert launched.is_archived
    assert launched.closing_note == "We reached our goal."
    assert launched.stage_changes.filter(to_stage="archived", changed_by=facilitator).exists()


def test_a_planned_community_cannot_be_archived_from_its_settings(client, planned, facilitator):
    client.force_login(facilitator)

    client.post(url("manage_archive", planned), {"note": "x", "confirm": "on"})

    planned.refresh_from_db()
    assert planned.is_planning


def test_an_archived_community_shows_its_settings_read_only(client, launched, facilitator):
    services.community_archive(community=launched, by=facilitator, note="Closed.")
    client.force_login(facilitator)
    before = snapshot(launched)

    page = page_text(client.get(url("manage", launched)))
    client.post(url("manage", launched), details_data())
    client.post(url("manage_questions", launched), {"question_1": "New?"})
    client.post(url("manage_onboarding", launched), {"welcome_message": "Changed"})
    client.post(url("manage_charter", launched), {"form": "add_rule", "add-title": "Late rule"})
    client.post(url("manage_invitations", launched), {"emails": "x@example.org", "role": "member"})

    assert "can no longer be changed" in page
    assert "Save details" not in page
    assert snapshot(launched) == before


# --- Launch ------------------------------------------------------------------------------


def test_the_launch_checklist_shows_progress_and_links_to_each_fix(client, planned, facilitator):
    client.force_login(facilitator)

    response = client.get(url("manage_launch", planned))

    page = page_text(response)
    assert "1 of 7 done" in page
    assert "6 required items are still missing." in page
    assert re.search(r'<button type="submit" class="button button--large" disabled', page)
    assert f'href="{url("manage_onboarding", planned)}#id_welcome_message"' in page
    assert f'href="{url("manage_invitations", planned)}#id_emails"' in page
    assert f'href="{url("manage", planned)}#id_purpose"' in page
    assert f'href="/c/{planned.slug}/posts/"' in page


def test_launching_with_missing_items_is_refused_with_a_clear_message(client, planned, facilitator):
    client.force_login(facilitator)

    response = client.post(url("manage_launch", planned), follow=True)

    assert "Still missing:" in page_text(response)
    assert "Welcome message written" in page_text(response)
    planned.refresh_from_db()
    assert planned.is_planning


def test_facilitators_launch_a_ready_community(client, planned, facilitator):
    make_ready_for_launch(planned, facilitator)
    client.force_login(facilitator)
    page = page_text(client.get(url("manage_launch", planned)))
    assert "7 of 7 done" in page
    assert "Everything required is in place." in page

    response = client.post(url("manage_launch", planned))

    assert response.status_code == 302
    assert response.url == planned.get_absolute_url()
    planned.refresh_from_db()
    assert planned.is_launched


def test_the_launch_page_of_a_launched_community_says_when_it_opened(client, launched, facilitator):
    client.force_login(facilitator)

    page = page_text(client.get(url("manage_launch", launched)))

    assert "This community is launched: it opened on" in page
    assert "Launch the community" not in page


# --- Charter -----------------------------------------------------------------------------


def test_the_charter_editor_lists_rules_in_order_with_labelled_controls(
    client, launched, facilitator
):
    client.force_login(facilitator)

    page = page_text(client.get(url("manage_charter", launched)))

    titles = list(launched.rules.values_list("title", flat=True))
    positions = [page.index(title) for title in titles]
    assert positions == sorted(positions)
    assert f"Move rule “{titles[0]}” down" in page
    assert f"Move rule “{titles[1]}” up" in page
    assert "Up to date" in page
    assert "Published version: 1" in page


def test_adding_a_rule_without_htmx_redirects_and_marks_the_draft_changed(
    client, launched, facilitator
):
    client.force_login(facilitator)

    response = client.post(
        url("manage_charter", launched),
        {"form": "add_rule", "add-title": "Ask before you copy", "add-explanation": "Credit."},
    )

    assert response.status_code == 302
    assert launched.rules.last().title == "Ask before you copy"
    page = page_text(client.get(url("manage_charter", launched)))
    assert "Unpublished changes" in page
    assert "The draft differs from version 1." in page


def test_adding_a_rule_with_htmx_returns_a_fresh_form_and_the_new_list(
    client, launched, facilitator
):
    client.force_login(facilitator)

    response = client.post(
        url("manage_charter", launched),
        {"form": "add_rule", "add-title": "Ask before you copy"},
        **htmx(),
    )

    page = page_text(response)
    assert response.status_code == 200
    assert "<html" not in page
    assert 'id="add-rule"' in page
    assert 'id="rule-list" class="rule-list" hx-swap-oob="true"' in page
    assert "Ask before you copy" in page


def test_an_empty_rule_is_refused_and_the_explanation_is_kept(client, launched, facilitator):
    client.force_login(facilitator)
    count = launched.rules.count()

    response = client.post(
        url("manage_charter", launched),
        {"form": "add_rule", "add-title": "", "add-explanation": "Half typed"},
        **htmx(),
    )

    page = page_text(response)
    assert "This field is required." in page
    assert "Half typed" in page
    assert launched.rules.count() == count


def test_editing_a_rule_inline_with_htmx(client, launched, facilitator):
    rule = launched.rules.first()
    client.force_login(facilitator)

    form = client.get(url("manage_rule", launched, rule.pk), **htmx())
    saved = client.post(
        url("manage_rule", launched, rule.pk),
        {f"rule-{rule.pk}-title": "Nothing leaves the room", f"rule-{rule.pk}-explanation": "."},
        **htmx(),
    )

    assert "<html" not in form.content.decode()
    assert f'name="rule-{rule.pk}-title"' in form.content.decode()
    assert saved.status_code == 200
    assert "Nothing leaves the room" in saved.content.decode()
    assert f'name="rule-{rule.pk}-title"' not in saved.content.decode()
    rule.refresh_from_db()
    assert rule.title == "Nothing leaves the room"


def test_editing_a_rule_works_without_javascript(client, launched, facilitator):
    rule = launched.rules.first()
    client.force_login(facilitator)

    page = page_text(client.get(url("manage_rule", launched, rule.pk)))
    invalid = client.post(
        url("manage_rule", launched, rule.pk),
        {f"rule-{rule.pk}-title": "", f"rule-{rule.pk}-explanation": "Kept text"},
    )
    saved = client.post(
        url("manage_rule", launched, rule.pk),
        {f"rule-{rule.pk}-title": "Nothing leaves the room", f"rule-{rule.pk}-explanation": ""},
    )

    assert "Charter and rules" in page and f'name="rule-{rule.pk}-title"' in page
    assert invalid.status_code == 200 and "Kept text" in invalid.content.decode()
    assert saved.status_code == 302
    assert saved.url.endswith(f"#rule-{rule.pk}")
    rule.refresh_from_db()
    assert rule.title == "Nothing leaves the room"


def test_moving_a_rule_with_htmx_returns_the_reordered_list(client, launched, facilitator):
    first, second, third = launched.rules.all()
    client.force_login(facilitator)

    response = client.post(
        url("manage_rule_move", launched, first.pk), {"direction": "1"}, **htmx()
    )

    page = page_text(response)
    assert "<html" not in page
    assert page.index(second.title) < page.index(first.title) < page.index(third.title)
    assert list(launched.rules.values_list("pk", flat=True)) == [second.pk, first.pk, third.pk]


def test_moving_a_rule_without_htmx_redirects_to_it(client, launched, facilitator):
    first, second, third = launched.rules.all()
    client.force_login(facilitator)

    response = client.post(url("manage_rule_move", launched, third.pk), {"direction": "-1"})

    assert response.status_code == 302
    assert response.url.endswith(f"#rule-{third.pk}")
    assert list(launched.rules.values_list("pk", flat=True)) == [first.pk, third.pk, second.pk]


def test_a_nonsense_direction_is_a_bad_request(client, launched, facilitator):
    rule = launched.rules.first()
    client.force_login(facilitator)

    order = list(launched.rules.values_list("pk", flat=True))

    assert (
        client.post(url("manage_rule_move", launched, rule.pk), {"direction": "5"}).status_code
        == 400
    )
    assert list(launched.rules.values_list("pk", flat=True)) == order


def test_deleting_a_rule(client, launched, facilitator):
    first, second, third = launched.rules.all()
    client.force_login(facilitator)

    with_htmx = client.post(url("manage_rule_delete", launched, first.pk), **htmx())
    without = client.post(url("manage_rule_delete", launched, second.pk))

    assert first.title not in with_htmx.content.decode()
    assert without.status_code == 302
    assert list(launched.rules.values_list("pk", "position")) == [(third.pk, 0)]


def test_expectations_are_saved_in_the_draft(client, launched, facilitator):
    client.force_login(facilitator)

    response = client.post(
        url("manage_charter", launched),
        {"form": "expectations", "exp-expectations": "Answer within a week."},
    )

    assert response.status_code == 302
    launched.refresh_from_db()
    assert launched.expectations == "Answer within a week."


def test_publishing_a_material_change_asks_members_to_accept_again(client, launched, facilitator):
    member = add_member(launched)
    services.rule_add(community=launched, title="Ask before you copy")
    client.force_login(facilitator)

    response = client.post(
        url("manage_charter_publish", launched),
        {"publish-is_material": "on", "publish-summary": "A rule about credit."},
    )

    assert response.status_code == 302
    launched.refresh_from_db()
    assert launched.current_charter_number == 2
    assert launched.required_charter_number == 2
    version = launched.current_charter
    assert version.summary == "A rule about credit."
    assert version.rules[-1]["title"] == "Ask before you copy"
    assert Notification.objects.filter(recipient=member.user, kind="charter").exists()
    page = page_text(client.get(url("manage_charter", launched)))
    assert "A rule about credit." in page
    assert "Up to date" in page


def test_publishing_a_minor_change_keeps_members_accepted_version(client, launched, facilitator):
    member = add_member(launched)
    client.force_login(facilitator)

    client.post(url("manage_charter_publish", launched), {"publish-summary": "Typo."})

    launched.refresh_from_db()
    assert launched.current_charter_number == 2
    assert launched.required_charter_number == 1
    member.refresh_from_db()
    assert not member.needs_charter_acceptance


def test_publishing_without_rules_shows_the_error(client, planned, facilitator):
    planned.rules.all().delete()
    client.force_login(facilitator)

    response = client.post(url("manage_charter_publish", planned), {"publish-summary": "First"})

    assert response.status_code == 200
    page = page_text(response)
    assert "Add at least one rule before publishing the charter." in page
    assert "First</textarea>" in page
    assert planned.charter_versions.count() == 0


# --- Questions and onboarding -------------------------------------------------------------


def test_join_questions_are_saved_in_order_without_blanks(client, launched, facilitator):
    client.force_login(facilitator)

    response = client.post(
        url("manage_questions", launched),
        {"question_1": "What do you work on?", "question_2": "", "question_3": "Why now?"},
    )

    assert response.status_code == 302
    assert list(launched.questions.values_list("text", flat=True)) == [
        "What do you work on?",
        "Why now?",
    ]
    page = page_text(client.get(url("manage_questions", launched)))
    assert 'value="What do you work on?"' in page
    assert page.count('name="question_') == 5
    assert "nobody is asked these questions" in page  # the demo policy is open


def test_too_long_questions_are_refused_and_kept(client, launched, facilitator):
    client.force_login(facilitator)
    long_question = "Why? " * 80

    response = client.post(url("manage_questions", launched), {"question_1": long_question})

    assert response.status_code == 200
    assert "Ensure this value has at most 300 characters" in page_text(response)
    assert launched.questions.count() == 0


def test_onboarding_saves_the_welcome_and_the_steps(client, planned, facilitator):
    client.force_login(facilitator)

    response = client.post(
        url("manage_onboarding", planned),
        {"welcome_message": "Welcome **friend**", "onboarding_intro": "on"},
    )

    assert response.status_code == 302
    planned.refresh_from_db()
    assert planned.welcome_message == "Welcome **friend**"
    assert (planned.onboarding_profile, planned.onboarding_intro, planned.onboarding_pinned) == (
        False,
        True,
        False,
    )
    assert planned.onboarding_configured
    page = page_text(client.get(url("manage_onboarding", planned)))
    assert "Welcome <strong>friend</strong>" in page
    assert "Always applies" in page


# --- Requests ------------------------------------------------------------------------------


def test_pending_requests_show_the_applicant_and_their_answers(client, launched, facilitator):
    applicant = UserFactory(display_name="Ines Duarte")
    add_pending_request(
        launched,
        applicant,
        answers=[{"question": "What do you work on?", "answer": "Night shifts on a ward."}],
    )
    client.force_login(facilitator)

    response = client.get(url("manage_requests", launched))

    page = page_text(response)
    assert "Ines Duarte" in page
    assert "What do you work on?" in page
    assert "Night shifts on a ward." in page
    assert '<span class="badge badge--primary">1</span>' in page


def test_no_requests_shows_an_empty_state(client, launched, facilitator):
    client.force_login(facilitator)

    page = page_text(client.get(url("manage_requests", launched)))

    assert "No requests waiting" in page
    assert "No decisions yet." in page


def test_approving_a_request_makes_a_member_and_emails_them(client, launched, facilitator):
    pending = add_pending_request(launched)
    client.force_login(facilitator)

    response = client.post(
        url("manage_request_decide", launched, pending.pk),
        {"action": "approve", "message": "Welcome aboard!"},
    )

    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.is_active
    send_notification_emails(now=timezone.now() + timedelta(hours=1))
    email = OutboundEmail.objects.get(to=pending.user.email, kind="notification")
    assert "Welcome aboard!" in email.body_text
    page = page_text(client.get(url("manage_requests", launched)))
    assert "Recently decided" in page and "Approved" in page


def test_declining_a_request_with_htmx_returns_the_outcome(client, launched, facilitator):
    pending = add_pending_request(launched)
    client.force_login(facilitator)

    response = client.post(
        url("manage_request_decide", launched, pending.pk),
        {"action": "decline", "message": "Not this year."},
        **htmx(),
    )

    page = page_text(response)
    assert "<html" not in page
    assert f'id="request-{pending.pk}"' in page
    assert "declined" in page
    pending.refresh_from_db()
    assert pending.status == Membership.Status.DECLINED
    assert pending.decision_message == "Not this year."


def test_deciding_twice_says_it_was_already_decided(client, launched, facilitator):
    pending = add_pending_request(launched)
    client.force_login(facilitator)
    client.post(url("manage_request_decide", launched, pending.pk), {"action": "decline"})

    response = client.post(
        url("manage_request_decide", launched, pending.pk), {"action": "approve"}, follow=True
    )

    assert "This request has already been decided." in page_text(response)
    pending.refresh_from_db()
    assert pending.status == Membership.Status.DECLINED


def test_an_unknown_decision_is_a_bad_request(client, launched, facilitator):
    pending = add_pending_request(launched)
    client.force_login(facilitator)

    response = client.post(url("manage_request_decide", launched, pending.pk), {"action": "maybe"})

    assert response.status_code == 400
    pending.refresh_from_db()
    assert pending.status == Membership.Status.PENDING


# --- Invitations ---------------------------------------------------------------------------


def test_inviting_several_addresses_at_once(client, launched, facilitator):
    client.force_login(facilitator)

    response = client.post(
        url("manage_invitations", launched),
        {
            "emails": "a@example.org, b@example.org\nc@example.org  a@example.org",
            "role": "member",
            "message": "Join us!",
        },
        follow=True,
    )

    assert "3 invitations sent." in page_text(response)
    invitations = launched.invitations.filter(email__endswith="@example.org")
    assert sorted(invitations.values_list("email", flat=True)) == [
        "a@example.org",
        "b@example.org",
        "c@example.org",
    ]
    assert all(i.invited_by == facilitator and i.message == "Join us!" for i in invitations)
    assert OutboundEmail.objects.filter(to="b@example.org", kind="invitation").exists()


def test_invalid_addresses_are_named_and_the_text_is_kept(client, launched, facilitator):
    client.force_login(facilitator)
    typed = "good@example.org, not-an-email\nalso@bad"

    response = client.post(url("manage_invitations", launched), {"emails": typed, "role": "member"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "These addresses are not valid: not-an-email, also@bad." in page
    assert "good@example.org, not-an-email\nalso@bad</textarea>" in page
    assert not launched.invitations.filter(email="good@example.org").exists()


def test_members_and_the_banned_are_skipped_when_inviting(client, launched, facilitator):
    existing = add_member(launched).user
    client.force_login(facilitator)

    response = client.post(
        url("manage_invitations", launched),
        {"emails": f"{existing.email} new@example.org", "role": "member"},
        follow=True,
    )

    page = page_text(response)
    assert "1 invitation sent." in page
    assert "1 address belongs to a member or a banned person and was skipped." in page


def test_a_planned_community_invites_only_its_founding_team(client, planned, facilitator):
    client.force_login(facilitator)

    page = page_text(client.get(url("manage_invitations", planned)))
    response = client.post(
        url("manage_invitations", planned), {"emails": "x@example.org", "role": "member"}
    )

    assert 'value="member"' not in page
    assert 'value="core"' in page and 'value="facilitator"' in page
    assert response.status_code == 200
    assert "Select a valid choice." in page_text(response)
    assert not planned.invitations.filter(email="x@example.org").exists()


def test_the_invitation_list_shows_state_expiry_and_inviter(client, launched, facilitator):
    open_one, revoked = services.invitations_create(
        community=launched, by=facilitator, emails=["open@example.org", "gone@example.org"]
    )
    services.invitation_revoke(invitation=revoked)
    client.force_login(facilitator)

    page = page_text(client.get(url("manage_invitations", launched)))

    assert "open@example.org" in page and "Open" in page and "until " in page
    assert "Revoked" in page
    assert f"by {facilitator.display_name}" in page
    assert f'action="{url("manage_invitation_revoke", launched, open_one.pk)}"' in page
    assert f'action="{url("manage_invitation_revoke", launched, revoked.pk)}"' not in page


def test_revoking_and_resending_invitations(client, launched, facilitator):
    (invitation,) = services.invitations_create(
        community=launched, by=facilitator, emails=["open@example.org"]
    )
    client.force_login(facilitator)

    client.post(url("manage_invitation_revoke", launched, invitation.pk))
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None

    # Resent at most once a day: the same day, it says so and sends nothing.
    response = client.post(url("manage_invitation_resend", launched, invitation.pk), follow=True)
    assert "open@example.org was invited less than a day ago." in page_text(response)
    assert not launched.invitations.open().filter(email="open@example.org").exists()

    a_day_ago(invitation)
    response = client.post(url("manage_invitation_resend", launched, invitation.pk), follow=True)
    assert "A new invitation was sent to open@example.org" in page_text(response)
    assert launched.invitations.open().filter(email="open@example.org").count() == 1


def test_resending_to_someone_who_joined_meanwhile_says_so(client, launched, facilitator):
    joined = UserFactory(email="joined@example.org")
    (invitation,) = services.invitations_create(
        community=launched, by=facilitator, emails=[joined.email]
    )
    add_member(launched, joined)
    a_day_ago(invitation)
    client.force_login(facilitator)

    response = client.post(url("manage_invitation_resend", launched, invitation.pk), follow=True)

    assert response.status_code == 200
    assert "is already a member or is banned; no invitation was sent." in page_text(response)


# --- Members ---------------------------------------------------------------------------------


def test_the_member_list_shows_role_joining_rules_onboarding_and_history(
    client, launched, facilitator
):
    membership = add_member(launched, UserFactory(display_name="Grace Kim"))
    services.membership_set_role(membership=membership, by=facilitator, role="core")
    client.force_login(facilitator)

    page = page_text(client.get(url("manage_members", launched)))

    assert "Grace Kim" in page
    assert '<option value="core" selected>Core member</option>' in page
    assert "version 1" in page
    assert "In progress" in page
    assert "Role changed (Member → Core member)" in page
    assert f"by {facilitator.display_name}" in page
    assert "Accepted an invitation" in page
    # Facilitators leave through "leave", so their own row has no remove or ban.
    assert f"Remove {facilitator.display_name}" not in page
    assert "Remove Grace Kim" in page


def test_members_who_must_accept_new_rules_are_marked(client, launched, facilitator):
    add_member(launched)
    services.charter_publish(community=launched, by=facilitator, is_material=True)
    client.force_login(facilitator)

    page = page_text(client.get(url("manage_members", launched)))

    assert "must accept version 2" in page


def test_changing_a_role(client, launched, facilitator):
    membership = add_member(launched)
    client.force_login(facilitator)

    response = client.post(
        url("manage_member", launched, membership.pk),
        {"action": "role", "role": "facilitator"},
        follow=True,
    )

    membership.refresh_from_db()
    assert membership.role == "facilitator"
    assert f"{membership.user.display_name} is now: Facilitator." in page_text(response)


def test_the_last_facilitator_cannot_step_down(client, launched, facilitator):
    own = launched.memberships.get(user=facilitator)
    client.force_login(facilitator)

    response = client.post(
        url("manage_member", launched, own.pk), {"action": "role", "role": "member"}, follow=True
    )

    assert "make someone else facilitator first" in page_text(response)
    own.refresh_from_db()
    assert own.role == "facilitator"


def test_removing_banning_and_unbanning(client, launched, facilitator):
    removed = add_member(launched)
    banned = add_member(launched)
    client.force_login(facilitator)

    client.post(
        url("manage_member", launched, removed.pk), {"action": "remove", "reason": "Inactive"}
    )
    client.post(url("manage_member", launched, banned.pk), {"action": "ban", "reason": "Spam"})
    page = page_text(client.get(url("manage_members", launched)))

    removed.refresh_from_db()
    banned.refresh_from_db()
    assert removed.status == Membership.Status.REMOVED
    assert banned.status == Membership.Status.BANNED
    assert banned.events.filter(action="banned", detail="Spam", actor=facilitator).exists()
    assert "Lift the ban" in page
    assert ": Spam" in page

    client.post(url("manage_member", launched, banned.pk), {"action": "unban"})
    banned.refresh_from_db()
    assert banned.status == Membership.Status.REMOVED


def test_facilitators_cannot_ban_themselves(client, launched, facilitator):
    other = add_member(launched)
    services.membership_set_role(membership=other, by=facilitator, role="facilitator")
    own = launched.memberships.get(user=facilitator)
    client.force_login(facilitator)

    response = client.post(
        url("manage_member", launched, own.pk), {"action": "ban", "reason": ""}, follow=True
    )

    assert "You cannot ban yourself." in page_text(response)
    own.refresh_from_db()
    assert own.is_active


def test_member_actions_return_to_the_same_page(client, launched, facilitator):
    membership = add_member(launched)
    client.force_login(facilitator)

    response = client.post(
        url("manage_member", launched, membership.pk),
        {"action": "role", "role": "core", "page": "2"},
    )

    assert response.url == url("manage_members", launched) + "?page=2"


def test_members_can_be_searched(client, launched, facilitator):
    add_member(launched, UserFactory(display_name="Zora Neale"))
    add_member(launched, UserFactory(display_name="Other Person"))
    client.force_login(facilitator)

    page = page_text(client.get(url("manage_members", launched), {"q": "zora"}))

    assert "Zora Neale" in page
    assert "Other Person" not in page
    assert "1 active member found." in page


def test_the_member_list_is_paginated(client, launched, facilitator):
    for _ in range(26):
        add_member(launched)
    client.force_login(facilitator)

    first = page_text(client.get(url("manage_members", launched)))
    second = page_text(client.get(url("manage_members", launched), {"page": 2}))

    assert '<a href="?page=2" rel="next">' in first
    assert '<span aria-current="page"><span class="visually-hidden">Page </span>1</span>' in first
    assert first.count('class="member-row"') == 25
    assert second.count('class="member-row"') == 2


@pytest.mark.parametrize("members", [3, 30])
def test_the_member_page_needs_the_same_queries_at_any_size(
    client, launched, facilitator, django_assert_max_num_queries, members
):
    for i in range(members):
        membership = add_member(launched)
        if i % 2:
            services.membership_set_role(membership=membership, by=facilitator, role="core")
    for _ in range(min(members, 5)):
        banned = add_member(launched)
        services.membership_ban(membership=banned, by=facilitator, reason="Spam")
    client.force_login(facilitator)

    with django_assert_max_num_queries(11):
        response = client.get(url("manage_members", launched))

    assert response.status_code == 200


@pytest.mark.parametrize("invitations", [2, 40])
def test_the_invitation_page_needs_the_same_queries_at_any_size(
    client, launched, facilitator, django_assert_max_num_queries, invitations
):
    services.invitations_create(
        community=launched,
        by=facilitator,
        emails=[f"person{i}@example.org" for i in range(invitations)],
    )
    client.force_login(facilitator)

    with django_assert_max_num_queries(8):
        response = client.get(url("manage_invitations", launched))

    assert response.status_code == 200


@pytest.mark.parametrize("requests", [2, 20])
def test_the_request_page_needs_the_same_queries_at_any_size(
    client, launched, facilitator, django_assert_max_num_queries, requests
):
    for _ in range(requests):
        pending = add_pending_request(launched)
    services.membership_decline(membership=pending, by=facilitator, message="Not now")
    client.force_login(facilitator)

    with django_assert_max_num_queries(8):
        response = client.get(url("manage_requests", launched))

    assert response.status_code == 200


def test_invitation_ids_from_other_communities_are_not_found(client, launched, facilitator):
    other = services.community_create(
        user=UserFactory(), name="Elsewhere", challenge="x", kind="practice"
    )
    (foreign,) = services.invitations_create(
        community=other, by=other.created_by, emails=["x@example.org"], role="core"
    )
    client.force_login(facilitator)

    assert client.post(url("manage_invitation_revoke", launched, foreign.pk)).status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None
    assert Invitation.objects.filter(email="x@example.org").count() == 1


# --- In a browser -------------------------------------------------------------------------


@pytest.mark.browser
def test_a_facilitator_edits_the_charter_in_place_and_publishes_it(
    transactional_db, live_server, page, facilitator, planned
):
    from playwright.sync_api import expect

    from tests.conftest import ARTIFACTS
    from tests.factories import KNOWN_PASSWORD

    page.goto(live_server.url + reverse("account_login"))
    page.get_by_label("Email").fill(facilitator.email)
    page.get_by_label("Password").fill(KNOWN_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.goto(live_server.url + url("manage_charter", planned))
    first, second, third = (rule.title for rule in planned.rules.all())

    # Edit the first rule in place; a blank title is refused without losing the row.
    page.get_by_role("link", name=f"Edit rule “{first}”").click()
    title = page.locator(".rule-item--editing").get_by_label("Rule")
    title.fill("")
    page.get_by_role("button", name="Save rule").click()
    expect(page.locator(".rule-item--editing .field__error")).to_have_text(
        "This field is required."
    )
    title.fill("Nothing leaves the room")
    page.get_by_role("button", name="Save rule").click()
    expect(page.locator(".rule-item__title").first).to_contain_text("Nothing leaves the room")

    # Move it down, add a rule, delete the second one, all without reloading the page.
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="Move rule “Nothing leaves the room” down").click()
    expect(page.locator(".rule-item__title").nth(1)).to_contain_text("Nothing leaves the room")
    page.locator("#id_add-title").fill("Ask before you copy")
    page.get_by_role("button", name="Add rule").click()
    expect(page.locator(".rule-item__title").nth(3)).to_contain_text("Ask before you copy")
    expect(page.locator("#id_add-title")).to_have_value("")
    page.locator(".rule-item").nth(3).locator("summary").click()
    page.get_by_role("button", name="Yes, delete this rule").click()
    expect(page.locator(".rule-item")).to_have_count(3)
    assert page.evaluate("window.notReloaded") is True
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "manage-charter-edited.png"), full_page=True)

    page.get_by_label("What changed").fill("First rules.")
    page.get_by_role("button", name="Publish the charter").click()
    expect(page.locator(".alert--success")).to_contain_text("Version 1 published.")
    expect(page.locator(".draft-status")).to_contain_text("Up to date")
    assert [r["title"] for r in planned.charter_versions.get().rules] == [
        second,
        "Nothing leaves the room",
        third,
    ]


def test_facilitators_still_see_the_join_answers_after_approving_a_request(
    client, facilitator, community
):
    pending = add_pending_request(
        community, answers=[{"question": "Why join?", "answer": "Our ward lost two handovers."}]
    )
    services.membership_approve(membership=pending, by=facilitator)
    client.force_login(facilitator)
    html = client.get(reverse("communities:manage_members", args=[community.slug])).content.decode()
    assert "Answers to the join questions" in html
    assert html.count("Our ward lost two handovers.") == 2  # the members page and the history
