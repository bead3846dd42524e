"""The public and member pages of a community: who sees what, and what each form does."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communities.models import Community, Membership
from tests.factories import (
    CommunityFactory,
    InvitationFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def page_of(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def community():
    return CommunityFactory(name="Safe handovers", tags=["handover", "nursing"])


@pytest.fixture
def facilitator(community):
    return MembershipFactory(community=community, facilitator=True).user


@pytest.fixture
def member(community):
    return MembershipFactory(community=community).user


# --- Directory -----------------------------------------------------------------------


def test_directory_lists_launched_listed_communities_with_their_topics(client, community):
    members_only = CommunityFactory(name="Blameless reviews", members_only=True)
    hidden = CommunityFactory(name="Secret co-op", hidden=True)
    planned = CommunityFactory(name="Not yet open", planning=True)

    response = client.get(reverse("communities:directory"))

    page = page_of(response)
    assert response.status_code == 200
    assert community.name in page and members_only.name in page
    assert hidden.name not in page and planned.name not in page
    assert f"{reverse('communities:directory')}?tag=nursing" in page
    assert "Community of practice" in page


def test_directory_filters_by_kind_topic_and_search(client, community):
    CommunityFactory(name="Peer instruction", kind=Community.Kind.INTEREST, tags=["teaching"])
    CommunityFactory(name="Energy co-ops", kind=Community.Kind.ACTION, challenge="Own the roofs")
    url = reverse("communities:directory")

    by_kind = page_of(client.get(url, {"kind": "interest"}))
    by_tag = page_of(client.get(url, {"tag": "handover"}))
    by_query = page_of(client.get(url, {"q": "roofs"}))

    assert "Peer instruction" in by_kind and "Safe handovers" not in by_kind
    assert "Safe handovers" in by_tag and "Peer instruction" not in by_tag
    assert "Energy co-ops" in by_query and "Safe handovers" not in by_query


def test_directory_shows_twelve_communities_per_page(client):
    CommunityFactory.create_batch(13)
    url = reverse("communities:directory")

    first = client.get(url)
    second = client.get(url, {"page": 2})

    assert len(first.context["page"].object_list) == 12
    assert len(second.context["page"].object_list) == 1
    assert 'class="pagination"' in page_of(first)


def test_directory_explains_when_nothing_matches(client, community):
    response = client.get(reverse("communities:directory"), {"q": "nothing like this"})

    assert "No community matches your search" in page_of(response)


def test_only_signed_in_members_are_offered_to_start_a_community(client, user):
    url = reverse("communities:directory")
    create_url = reverse("communities:create")

    assert create_url not in page_of(client.get(url))
    client.force_login(user)
    assert create_url in page_of(client.get(url))


def test_directory_htmx_request_gets_only_the_results(client, community):
    response = client.get(reverse("communities:directory"), {"q": "safe"}, HTTP_HX_REQUEST="true")

    page = page_of(response)
    assert 'id="directory-results"' in page
    assert "<html" not in page and community.name in page


@pytest.mark.parametrize("size", [3, 30])
def test_directory_query_count_does_not_grow_with_communities(
    client, user, size, django_assert_max_num_queries
):
    for i in range(size):
        CommunityFactory(tags=[f"topic {i}", "shared"])
    url = reverse("communities:directory")

    with django_assert_max_num_queries(5):
        assert client.get(url).status_code == 200
    client.force_login(user)
    with django_assert_max_num_queries(7):
        assert client.get(url, {"tag": "shared"}).status_code == 200


# --- My communities and the home page ------------------------------------------------


def test_my_communities_require_sign_in(client):
    response = client.get(reverse("communities:mine"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_my_communities_show_roles_requests_and_invitations(client, user, community):
    MembershipFactory(community=community, user=user, facilitator=True)
    newcomer_in = MembershipFactory(user=user, newcomer=True).community
    asked = MembershipFactory(user=user, pending=True, community__on_request=True).community
    invited_to = InvitationFactory(email=user.email).community
    someone_elses = InvitationFactory(email="someone@practica.test").community
    client.force_login(user)

    page = page_of(client.get(reverse("communities:mine")))

    assert "Facilitator" in page and community.name in page
    assert reverse("communities:manage", args=[community.slug]) in page
    assert newcomer_in.name in page and "Getting started" in page
    assert asked.name in page and "Request pending" in page
    assert invited_to.name in page
    assert someone_elses.name not in page


def test_my_communities_explain_the_empty_state(client, user):
    client.force_login(user)

    page = page_of(client.get(reverse("communities:mine")))

    assert "You have not joined a community yet" in page
    assert reverse("communities:directory") in page


def test_home_lists_the_members_communities(client, member, community):
    other = CommunityFactory(name="Not mine")
    client.force_login(member)

    page = page_of(client.get(reverse("home")))

    assert community.name in page and other.name not in page
    assert "You have not joined a community yet" not in page


def test_home_keeps_the_empty_state_with_a_link_to_the_directory(client, user):
    client.force_login(user)

    page = page_of(client.get(reverse("home")))

    assert "You have not joined a community yet" in page
    assert reverse("communities:directory") in page


# --- Starting a community ------------------------------------------------------------


def test_starting_a_community_requires_sign_in(client):
    response = client.get(reverse("communities:create"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_the_form_explains_each_kind(client, user):
    client.force_login(user)

    page = page_of(client.get(reverse("communities:create")))

    for help_text in Community.KIND_HELP.values():
        assert str(help_text) in page
    assert 'type="radio" name="kind"' in page


def test_starting_a_community_makes_the_member_its_facilitator(client, user):
    client.force_login(user)

    response = client.post(
        reverse("communities:create"),
        {
            "name": "Safe night shifts",
            "kind": "practice",
            "challenge": "Night shifts are lonely.",
            "purpose": "We share what helps.",
            "language": "en",
            "cover_color": "ocean",
            "tags": "nights, nursing",
        },
    )

    community = Community.objects.get(name="Safe night shifts")
    assert response.status_code == 302
    assert response.url == reverse("communities:manage_launch", args=[community.slug])
    assert community.is_planning and community.cover_color == "ocean"
    assert sorted(community.tags.names()) == ["nights", "nursing"]
    assert Membership.objects.get(community=community, user=user).is_facilitator


def test_starting_a_community_keeps_what_was_typed_when_the_challenge_is_missing(client, user):
    client.force_login(user)

    response = client.post(
        reverse("communities:create"),
        {"name": "Safe night shifts", "kind": "action", "challenge": "", "language": "en"},
    )

    page = page_of(response)
    assert response.status_code == 200
    assert 'value="Safe night shifts"' in page
    assert 'value="action" id="id_kind_2" required checked' in page
    assert 'class="field__error"' in page
    assert not Community.objects.filter(name="Safe night shifts").exists()


# --- A community's home page ---------------------------------------------------------


def test_visitors_see_a_public_community_and_are_asked_to_sign_in_to_join(
    client, community, facilitator
):
    url = reverse("communities:detail", args=[community.slug])

    page = page_of(client.get(url))

    assert community.purpose in page
    assert "Sign in to join" in page
    assert f"{reverse('account_login')}?next={url.replace('/', '%2F')}" in page
    assert facilitator.display_name in page
    assert "What is shared here stays here" in page


@pytest.mark.parametrize("traits", [{"hidden": True}, {"planning": True}])
def test_hidden_and_planned_communities_are_the_same_404_as_nothing(client, user, traits):
    community = CommunityFactory(**traits)
    client.force_login(user)

    hidden = client.get(reverse("communities:detail", args=[community.slug]))
    missing = client.get(reverse("communities:detail", args=["no-such-community"]))

    assert hidden.status_code == missing.status_code == 404


def test_hidden_community_is_visible_to_its_members(client):
    membership = MembershipFactory(community__hidden=True)
    client.force_login(membership.user)

    response = client.get(reverse("communities:detail", args=[membership.community.slug]))

    assert response.status_code == 200


def test_members_only_community_hides_its_people_from_non_members(client, user):
    community = CommunityFactory(members_only=True, on_request=True)
    facilitator = MembershipFactory(community=community, facilitator=True).user
    url = reverse("communities:detail", args=[community.slug])
    client.force_login(user)

    outsider_page = page_of(client.get(url))
    client.force_login(facilitator)
    member_page = page_of(client.get(url))

    assert community.purpose in outsider_page
    assert "Ask to join" in outsider_page
    assert facilitator.display_name not in outsider_page
    assert reverse("communities:members", args=[community.slug]) not in outsider_page
    assert facilitator.display_name in member_page
    assert reverse("communities:members", args=[community.slug]) in member_page


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("open", "Join this community"),
        ("request", "Ask to join"),
        ("pending", "Request pending"),
        ("invited", "See your invitation"),
        ("member", "Leave this community"),
        ("banned", "You can no longer take part in this community"),
        ("invitation_only", "New members join by invitation"),
        ("archived", "This community is archived"),
    ],
)
def test_the_join_button_follows_the_members_state(client, user, setup, expected):
    traits = {
        "request": {"on_request": True},
        "pending": {"on_request": True},
        "invitation_only": {"invitation_only": True},
        "archived": {"archived": True},
    }.get(setup, {})
    community = CommunityFactory(**traits)
    if setup == "pending":
        MembershipFactory(community=community, user=user, pending=True)
    elif setup == "member":
        MembershipFactory(community=community, user=user)
    elif setup == "banned":
        MembershipFactory(community=community, user=user, banned=True)
    elif setup == "invited":
        InvitationFactory(community=community, email=user.email)
    client.force_login(user)

    page = page_of(client.get(reverse("communities:detail", args=[community.slug])))

    assert expected in page


def test_new_members_see_the_welcome_and_their_onboarding_checklist(client, community):
    newcomer = MembershipFactory(community=community, newcomer=True).user
    veteran = MembershipFactory(community=community).user
    url = reverse("communities:detail", args=[community.slug])

    client.force_login(newcomer)
    newcomer_page = page_of(client.get(url))
    client.force_login(veteran)
    veteran_page = page_of(client.get(url))

    assert "Welcome! Start with the <strong>rules</strong>." in newcomer_page
    assert "Getting started" in newcomer_page
    assert reverse("communities:onboarding_profile", args=[community.slug]) in newcomer_page
    assert "I have read the starter posts" in newcomer_page
    assert "Getting started" not in veteran_page


# --- Joining -------------------------------------------------------------------------


def test_joining_requires_sign_in(client, community):
    response = client.get(reverse("communities:join", args=[community.slug]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_join_page_shows_the_rules_and_a_required_checkbox(client, user, community):
    client.force_login(user)

    page = page_of(client.get(reverse("communities:join", args=[community.slug])))

    assert "Ask before you pass it on." in page
    assert "Share concrete experience." in page
    assert 'name="accepted_rules"' in page and "I have read and accept the rules" in page


def test_joining_without_accepting_the_rules_is_refused(client, user, community):
    client.force_login(user)

    response = client.post(reverse("communities:join", args=[community.slug]), {})

    assert response.status_code == 200
    assert "Please read and accept the community&#x27;s rules." in page_of(response)
    assert not Membership.objects.filter(community=community, user=user).exists()


def test_joining_an_open_community_after_accepting_the_rules(client, user, community):
    client.force_login(user)

    response = client.post(
        reverse("communities:join", args=[community.slug]), {"accepted_rules": "on"}, follow=True
    )

    membership = Membership.objects.get(community=community, user=user)
    assert membership.is_active and membership.accepted_charter_number == 1
    assert response.redirect_chain[-1][0] == community.get_absolute_url()
    assert "Welcome to Safe handovers!" in page_of(response)
    assert "Getting started" in page_of(response)


def test_asking_to_join_keeps_the_answers_when_one_is_missing(client, user):
    community = CommunityFactory(on_request=True, questions=["Your role?", "Why join?"])
    client.force_login(user)
    url = reverse("communities:join", args=[community.slug])

    response = client.post(url, {"answer_0": "Ward nurse", "answer_1": "", "accepted_rules": "on"})

    page = page_of(response)
    assert "Ward nurse</textarea>" in page
    assert "Please answer this question." in page
    assert not Membership.objects.filter(community=community, user=user).exists()


def test_asking_to_join_leaves_a_pending_request(client, user):
    community = CommunityFactory(on_request=True, questions=["Your role?"])
    MembershipFactory(community=community, facilitator=True)
    client.force_login(user)

    response = client.post(
        reverse("communities:join", args=[community.slug]),
        {"answer_0": "Ward nurse", "accepted_rules": "on"},
        follow=True,
    )

    membership = Membership.objects.get(community=community, user=user)
    assert membership.status == Membership.Status.PENDING
    assert membership.answers == [{"question": "Your role?", "answer": "Ward nurse"}]
    assert "Your request was sent to the facilitators" in page_of(response)


@pytest.mark.parametrize(
    ("traits", "message"),
    [
        ({"banned": True}, "You cannot join this community."),
        ({}, "You are already a member of this community."),
        ({"pending": True}, "Your request is waiting for the facilitators"),
    ],
)
def test_people_who_cannot_join_are_sent_back_with_a_message(client, user, traits, message):
    membership = MembershipFactory(user=user, community__on_request=True, **traits)
    community, status_before = membership.community, membership.status
    client.force_login(user)

    response = client.post(
        reverse("communities:join", args=[community.slug]), {"accepted_rules": "on"}, follow=True
    )

    assert response.redirect_chain[0][0] == community.get_absolute_url()
    assert any(message in m for m in messages_of(response))
    membership.refresh_from_db()
    assert membership.status == status_before


def test_invited_people_are_sent_to_their_invitation(client, user):
    invitation = InvitationFactory(community__hidden=True, email=user.email)
    client.force_login(user)

    response = client.get(reverse("communities:join", args=[invitation.community.slug]))

    assert response.status_code == 302
    assert response.url == invitation.get_absolute_url()


def test_hidden_communities_cannot_be_joined_without_an_invitation(client, user):
    community = CommunityFactory(hidden=True)
    client.force_login(user)

    response = client.post(
        reverse("communities:join", args=[community.slug]), {"accepted_rules": "on"}
    )

    assert response.status_code == 404
    assert not Membership.objects.filter(community=community, user=user).exists()


# --- Leaving -------------------------------------------------------------------------


def test_leaving_asks_first_then_ends_the_membership(client, member, community):
    client.force_login(member)
    url = reverse("communities:leave", args=[community.slug])

    confirm = client.get(url)
    response = client.post(url)

    assert "Leave Safe handovers?" in page_of(confirm)
    assert response.status_code == 302 and response.url == reverse("communities:mine")
    assert Membership.objects.get(community=community, user=member).status == "left"


def test_the_last_facilitator_is_told_to_hand_over_first(client, facilitator, community):
    client.force_login(facilitator)

    response = client.post(reverse("communities:leave", args=[community.slug]), follow=True)

    assert any("A community needs a facilitator" in m for m in messages_of(response))
    assert Membership.objects.get(community=community, user=facilitator).is_active


def test_non_members_have_nothing_to_leave(client, user, community):
    client.force_login(user)

    response = client.post(reverse("communities:leave", args=[community.slug]))

    assert response.status_code == 302
    assert response.url == community.get_absolute_url()


# --- Charter -------------------------------------------------------------------------


def _publish_second_version(community: Community, *, material: bool = True) -> None:
    community.charter_versions.create(
        number=2,
        rules=[{"title": "Name no patients", "explanation": "Not even initials."}],
        is_material=material,
        summary="Added a privacy rule",
    )
    Community.objects.filter(pk=community.pk).update(
        current_charter_number=2, required_charter_number=2 if material else 1
    )


def test_charter_page_shows_the_current_rules_and_the_history(client, community):
    _publish_second_version(community)

    page = page_of(client.get(reverse("communities:charter", args=[community.slug])))

    assert "Name no patients" in page and "Not even initials." in page
    assert "Version 2" in page and "Version 1" in page
    assert "<details>" in page and "Material change" in page
    assert "Added a privacy rule" in page
    assert "Accept the rules" not in page


def test_members_accept_a_material_change(client, member, community):
    _publish_second_version(community)
    client.force_login(member)

    page = page_of(client.get(reverse("communities:charter", args=[community.slug])))
    response = client.post(
        reverse("communities:charter_accept", args=[community.slug]), {"accepted_rules": "on"}
    )

    assert "Please accept the updated rules" in page
    assert response.status_code == 302
    membership = Membership.objects.get(community=community, user=member)
    assert membership.accepted_charter_number == 2


def test_accepting_the_charter_needs_the_checkbox_and_membership(client, user, member, community):
    _publish_second_version(community)
    url = reverse("communities:charter_accept", args=[community.slug])

    client.force_login(member)
    unticked = client.post(url, {})
    client.force_login(user)
    outsider = client.post(url, {"accepted_rules": "on"})

    assert unticked.status_code == 200
    assert "Please read and accept" in page_of(unticked)
    assert Membership.objects.get(community=community, user=member).accepted_charter_number == 1
    assert outsider.status_code == 302
    assert not Membership.objects.filter(community=community, user=user).exists()
    assert client.get(url).status_code == 405


# --- Members: who knows what ---------------------------------------------------------


def _member_with_topics(community, *, helps=(), learns=()) -> Membership:
    membership = MembershipFactory(community=community, intro="Ward nurse.")
    membership.can_help_with.set(list(helps))
    membership.wants_to_learn.set(list(learns))
    return membership


def test_members_see_who_knows_what(client, member, community):
    helper = _member_with_topics(community, helps=["sbar"], learns=["rota planning"])
    client.force_login(member)

    page = page_of(client.get(reverse("communities:members", args=[community.slug])))

    assert helper.user.display_name in page
    assert "Ward nurse." in page and "sbar" in page and "rota planning" in page
    assert "Can help with" in page and "Wants to learn" in page


def test_members_filter_by_a_topic_they_know_or_want_to_learn(client, member, community):
    helper = _member_with_topics(community, helps=["sbar"])
    learner = _member_with_topics(community, learns=["sbar"])
    neither = _member_with_topics(community, helps=["rotas"])
    client.force_login(member)

    response = client.get(reverse("communities:members", args=[community.slug]), {"tag": "sbar"})

    shown = {m.user for m in response.context["page"].object_list}
    assert shown == {helper.user, learner.user}
    assert neither.user not in shown
    typed = client.get(reverse("communities:members", args=[community.slug]), {"tag": "SBAR"})
    assert {m.user for m in typed.context["page"].object_list} == shown


@pytest.mark.parametrize("signed_in", [False, True])
def test_non_members_get_a_404_for_the_member_list(client, user, community, signed_in):
    if signed_in:
        client.force_login(user)

    response = client.get(reverse("communities:members", args=[community.slug]))

    assert response.status_code == 404


@pytest.mark.parametrize("size", [3, 40])
def test_member_list_query_count_does_not_grow_with_members(
    client, member, community, size, django_assert_max_num_queries
):
    for i in range(size):
        _member_with_topics(community, helps=[f"topic {i}", "sbar"], learns=["rotas"])
    client.force_login(member)
    url = reverse("communities:members", args=[community.slug])

    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(url, {"tag": "sbar"}).status_code == 200


# --- Onboarding ----------------------------------------------------------------------


@pytest.fixture
def newcomer(community):
    return MembershipFactory(community=community, newcomer=True)


def test_newcomers_say_what_they_can_help_with(client, newcomer, community):
    client.force_login(newcomer.user)

    response = client.post(
        reverse("communities:onboarding_profile", args=[community.slug]),
        {"profile-can_help_with": "sbar, night shifts", "profile-wants_to_learn": "rotas"},
    )

    assert response.status_code == 302 and response.url == community.get_absolute_url()
    newcomer.refresh_from_db()
    assert sorted(newcomer.can_help_with.names()) == ["night shifts", "sbar"]
    assert newcomer.profile_completed_at is not None


def test_htmx_onboarding_gets_the_updated_checklist(client, newcomer, community):
    client.force_login(newcomer.user)

    response = client.post(
        reverse("communities:onboarding_intro", args=[community.slug]),
        {"intro-intro": "Night nurse on a surgical ward."},
        HTTP_HX_REQUEST="true",
    )

    page = page_of(response)
    assert response.status_code == 200
    assert page.lstrip().startswith('<section id="onboarding"')
    assert "Thanks for introducing yourself." in page
    newcomer.refresh_from_db()
    assert newcomer.intro == "Night nurse on a surgical ward."


def test_an_empty_profile_step_shows_the_error_and_keeps_the_page(client, newcomer, community):
    client.force_login(newcomer.user)

    response = client.post(
        reverse("communities:onboarding_profile", args=[community.slug]),
        {"profile-can_help_with": "", "profile-wants_to_learn": ""},
    )

    assert response.status_code == 200
    assert "Name at least one topic" in page_of(response)


def test_reading_the_starter_posts_completes_onboarding(client, newcomer, community):
    newcomer.profile_completed_at = newcomer.introduced_at = timezone.now()
    newcomer.save()
    client.force_login(newcomer.user)
    url = reverse("communities:onboarding_pinned", args=[community.slug])

    assert client.get(url).status_code == 405
    response = client.post(url)

    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.pinned_read_at is not None
    assert newcomer.onboarding_completed_at is not None


@pytest.mark.parametrize("step", ["onboarding_profile", "onboarding_intro", "onboarding_pinned"])
def test_onboarding_steps_are_for_members_only(client, user, community, step):
    client.force_login(user)

    response = client.post(reverse(f"communities:{step}", args=[community.slug]), {})

    assert response.status_code == 302
    assert response.url == community.get_absolute_url()
    assert not Membership.objects.filter(community=community, user=user).exists()


# --- Invitations ---------------------------------------------------------------------


def test_unknown_invitation_is_a_404(client, user):
    client.force_login(user)

    assert client.get(reverse("communities:invitation", args=["no-such-token"])).status_code == 404


def test_visitors_are_offered_to_sign_up_or_sign_in_to_accept(client):
    invitation = InvitationFactory(community__hidden=True, email="new@practica.test")
    url = invitation.get_absolute_url()

    page = page_of(client.get(url))

    assert invitation.community.name in page and invitation.community.challenge in page
    next_param = url.replace("/", "%2F")
    assert f"{reverse('account_signup')}?next={next_param}" in page
    assert "new@practica.test" not in page and "new%40practica.test" not in page
    assert f"{reverse('account_login')}?next={next_param}" in page


def test_the_invitation_page_explains_a_wrong_account(client, user):
    invitation = InvitationFactory(email="someone-else@practica.test")
    client.force_login(user)

    response = client.post(invitation.get_absolute_url(), {"accepted_rules": "on"})

    assert "This invitation was sent to s***@p***.test" in page_of(response)
    assert "someone-else@practica.test" not in page_of(response)
    assert not Membership.objects.filter(community=invitation.community, user=user).exists()


@pytest.mark.parametrize(
    "change",
    [{"expires_at": timezone.now() - timedelta(days=1)}, {"revoked_at": timezone.now()}],
)
def test_expired_and_withdrawn_invitations_are_explained(client, user, change):
    invitation = InvitationFactory(email=user.email, **change)
    client.force_login(user)

    response = client.get(invitation.get_absolute_url())

    assert response.status_code == 404
    assert "This invitation is no longer valid" in page_of(response)
    assert invitation.community.name not in page_of(response)
    assert 'name="accepted_rules"' not in page_of(response)


def test_accepting_an_invitation_needs_the_rules_then_welcomes_the_member(client, user):
    invitation = InvitationFactory(community__hidden=True, email=user.email.upper())
    community = invitation.community
    client.force_login(user)

    unticked = client.post(invitation.get_absolute_url(), {})
    response = client.post(invitation.get_absolute_url(), {"accepted_rules": "on"}, follow=True)

    assert "Please read and accept" in page_of(unticked)
    assert response.redirect_chain[-1][0] == community.get_absolute_url()
    assert f"Welcome to {community.name}!" in page_of(response)
    assert Membership.objects.get(community=community, user=user).is_active
    invitation.refresh_from_db()
    assert invitation.accepted_by == user


def test_another_member_cannot_use_an_accepted_invitation(client, user):
    invitation = InvitationFactory(email=user.email)
    client.force_login(user)
    client.post(invitation.get_absolute_url(), {"accepted_rules": "on"})
    stranger = UserFactory()
    client.force_login(stranger)

    page = page_of(client.get(invitation.get_absolute_url()))

    assert "This invitation is no longer valid" in page


@pytest.mark.parametrize("size", [2, 25])
def test_community_page_shows_recent_and_starter_posts_in_a_fixed_number_of_queries(
    client, size, django_assert_max_num_queries, settings
):
    from practices import services as practices_services

    # One member writes every post: a member of long standing, and no daily limit in
    # the way (communities.moderation).
    settings.POSTS_PER_DAY_LIMIT = size + 1
    community = CommunityFactory(tags=["handover"])
    facilitator = MembershipFactory(community=community, facilitator=True).user
    member = MembershipFactory(
        community=community, joined_at=timezone.now() - timedelta(days=60)
    ).user
    for number in range(size):
        post = practices_services.post_create(
            community=community,
            author=member,
            kind="experience",
            data={"title": f"Lesson {number}", "tried": "t", "happened": "h", "learned": "l"},
            tags=["handover", f"topic {number}"],
        )
    practices_services.post_set_pinned(post=post, by=facilitator, pinned=True)
    url = community.get_absolute_url()

    with django_assert_max_num_queries(9):
        page = client.get(url).content.decode()
    assert "Start here" in page and f"Lesson {size - 1}" in page
    assert page.count('class="card post-item') == min(size - 1, 5) + 1  # pinned not repeated

    client.force_login(member)
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200
