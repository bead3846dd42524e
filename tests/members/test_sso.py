"""Single sign-on against the real OpenID provider of tests/oidc_provider/, without a
browser: Django's test client plays Practica's side, `identity_provider.consent` the
person at the provider."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.socialaccount.models import SocialAccount
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from config.sso import oidc_apps, provider_origins, socialaccount_providers, sso_only_domains
from members.models import User
from tests.factories import KNOWN_PASSWORD, StaffFactory, UserFactory

LOGIN = reverse("openid_connect_login", kwargs={"provider_id": "corp"})


def start_sign_in(client) -> str:
    """Press "Continue" on Practica's confirmation page; returns the provider's URL."""
    response = client.post(LOGIN, {"process": "login"})
    assert response.status_code == 302, response.content.decode()
    return response.url


def come_back(client, callback_url: str):
    parts = urlsplit(callback_url)
    assert parts.path == reverse("openid_connect_callback", kwargs={"provider_id": "corp"})
    return client.get(f"{parts.path}?{parts.query}", follow=True)


def sign_in(client, identity_provider, username: str):
    return come_back(client, identity_provider.consent(start_sign_in(client), username))


def with_param(url: str, **params) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(params)
    return urlunsplit(parts._replace(query=urlencode(query)))


def signed_in_as(response):
    user = response.wsgi_request.user
    return user if user.is_authenticated else None


# --- Configuration -------------------------------------------------------------------

ENTRY = {
    "id": "corp",
    "name": "Corp",
    "server_url": "https://login.corp.example/realms/staff/",
    "client_id": "practica",
    "secret": "s3cret",
}


def test_a_provider_entry_becomes_an_allauth_app_with_pkce_and_safe_defaults():
    [app] = oidc_apps(json.dumps([ENTRY]))
    assert app["provider_id"] == "corp" and app["name"] == "Corp"
    assert app["settings"]["server_url"] == "https://login.corp.example/realms/staff"
    assert app["settings"]["oauth_pkce_enabled"] is True
    assert app["settings"]["verified_email"] is False
    assert app["settings"]["mfa"] == "enforce"
    providers = socialaccount_providers([app])
    assert providers["openid_connect"]["provider_class"] == "members.sso.OpenIDConnectProvider"
    assert provider_origins([app]) == ["https://login.corp.example"]


def test_the_secret_can_come_from_a_variable_of_its_own():
    entry = {**ENTRY, "secret_env": "CORP_OIDC_SECRET"}
    del entry["secret"]
    [app] = oidc_apps(json.dumps([entry]), environ={"CORP_OIDC_SECRET": "from-env"})
    assert app["secret"] == "from-env"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({**ENTRY, "server_url": "http://login.corp.example"}, "must be https"),
        ({**ENTRY, "id": "Corp/Staff"}, "'id' is lowercase"),
        ({**ENTRY, "mfa": "sometimes"}, "'mfa' is one of"),
        ({**ENTRY, "secret": ""}, "'secret'"),
        ({**ENTRY, "clientid": "typo"}, "unknown keys"),
        ({**ENTRY, "scope": ["email"]}, 'includes "openid"'),
        ({**ENTRY, "token_auth_method": "private_key_jwt"}, "'token_auth_method' is one of"),
        ({k: v for k, v in ENTRY.items() if k != "client_id"}, "'client_id' is required"),
    ],
)
def test_a_wrong_provider_entry_stops_start_up_with_a_clear_message(entry, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        oidc_apps(json.dumps([entry]))


def test_no_providers_and_duplicate_ids():
    assert oidc_apps("") == []
    with pytest.raises(ImproperlyConfigured, match="duplicate ids"):
        oidc_apps(json.dumps([ENTRY, ENTRY]))
    with pytest.raises(ImproperlyConfigured, match="not valid JSON"):
        oidc_apps("[{")
    assert sso_only_domains([" Corp.Example ", "@staff.example", ""]) == {
        "corp.example",
        "staff.example",
    }


def test_without_providers_the_sign_in_page_has_no_single_sign_on(client, db, user):
    page = client.get(reverse("account_login")).content.decode()
    assert "Continue with" not in page
    assert "sso-providers" not in page
    client.force_login(user)
    settings_page = client.get(reverse("account_email")).content.decode()
    assert reverse("socialaccount_connections") not in settings_page


# --- The sign-in against the real provider ------------------------------------------


def test_the_authorization_request_carries_a_nonce_pkce_and_the_state(client, sso):
    url = start_sign_in(client)
    query = parse_qs(urlsplit(url).query)
    assert query["response_type"] == ["code"]
    assert len(query["nonce"][0]) >= 32
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"][0]
    assert set(query["scope"][0].split()) == {"openid", "profile", "email"}


def test_an_id_token_minted_for_another_nonce_is_refused(client, sso, identity_provider):
    authorize = start_sign_in(client)
    # Same client, same PKCE challenge, same state: only the nonce differs, so the
    # provider's ID token answers someone else's sign-in.
    forged = with_param(authorize, nonce="someone-elses-nonce")

    response = come_back(client, identity_provider.consent(forged, "ada"))

    assert "Single sign-on failed" in response.content.decode()
    assert signed_in_as(response) is None
    assert not User.objects.filter(email="ada@corp.test").exists()
    assert not SocialAccount.objects.exists()


def test_the_same_request_with_its_own_nonce_signs_in(client, sso, identity_provider):
    response = sign_in(client, identity_provider, "ada")
    assert signed_in_as(response).email == "ada@corp.test"


def test_an_answer_with_an_unknown_state_is_refused(client, sso, identity_provider):
    callback = identity_provider.consent(start_sign_in(client), "ada")
    response = come_back(client, with_param(callback, state="made-up-state"))
    assert "Single sign-on failed" in response.content.decode()
    assert signed_in_as(response) is None
    assert not User.objects.filter(email="ada@corp.test").exists()


def test_an_address_the_provider_does_not_vouch_for_links_to_nobody(client, sso, identity_provider):
    victim = UserFactory(email="victim@corp.test")

    response = sign_in(client, identity_provider, "mallory")

    assert signed_in_as(response) is None
    assert not SocialAccount.objects.exists()
    victim.refresh_from_db()
    assert victim.check_password(KNOWN_PASSWORD)
    assert User.objects.filter(email__iexact="victim@corp.test").count() == 1


def test_a_provider_configured_without_email_authentication_links_nobody(
    client, sso, identity_provider
):
    sso(email_authentication=False)
    grace = UserFactory(email="grace@corp.test")

    response = sign_in(client, identity_provider, "grace")

    assert signed_in_as(response) is None
    assert not SocialAccount.objects.filter(user=grace).exists()


def test_a_vouched_address_never_links_to_an_account_that_did_not_verify_it_here(
    client, sso, identity_provider
):
    squatter = UserFactory(email="grace@corp.test")
    EmailAddress.objects.filter(user=squatter).update(verified=False)

    response = sign_in(client, identity_provider, "grace")

    assert signed_in_as(response) != squatter
    assert not SocialAccount.objects.filter(user=squatter).exists()
    squatter.refresh_from_db()
    # allauth's default would have signed in to it and wiped its password.
    assert squatter.check_password(KNOWN_PASSWORD)


def test_a_new_person_whose_address_is_not_vouched_for_verifies_it_with_us(
    client, sso, identity_provider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_in(client, identity_provider, "mallory")

    member = User.objects.get(email="victim@corp.test")
    assert not EmailAddress.objects.get(user=member).verified
    assert signed_in_as(response) is None
    assert response.redirect_chain[-1][0] == reverse("account_email_verification_sent")
    [message] = mail.outbox
    assert message.to == ["victim@corp.test"]
    assert "/accounts/confirm-email/" in message.body


def test_without_a_name_from_the_provider_the_sign_up_form_asks_for_one(
    client, sso, identity_provider
):
    response = sign_in(client, identity_provider, "nameless")
    assert response.redirect_chain[-1][0] == reverse("socialaccount_signup")
    page = response.content.decode()
    assert "Display name" in page and "You signed in with Corp" in page

    response = client.post(
        reverse("socialaccount_signup"),
        {"display_name": "No Name", "email": "nameless@corp.test"},
        follow=True,
    )

    member = signed_in_as(response)
    assert member.display_name == "No Name"
    assert EmailAddress.objects.get(user=member).verified
    assert SocialAccount.objects.get(user=member).provider == "corp"


# --- Staff and the second factor -----------------------------------------------------


def test_staff_with_an_authenticator_app_still_enter_its_code_after_single_sign_on(
    client, sso, identity_provider
):
    staff = StaffFactory(email="boss@corp.test")
    TOTP.activate(staff, generate_totp_secret())

    response = sign_in(client, identity_provider, "boss")

    assert response.redirect_chain[-1][0] == reverse("mfa_authenticate")
    assert signed_in_as(response) is None


def test_staff_who_only_ever_used_single_sign_on_can_still_set_up_an_authenticator(
    client, sso, identity_provider
):
    sign_in(client, identity_provider, "root")
    staff = User.objects.get(email="root@corp.test")
    assert not staff.has_usable_password()
    User.objects.filter(pk=staff.pk).update(is_staff=True)

    response = client.get(reverse("admin:index"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("mfa_index")
    assert "Your staff account has no second factor" in response.content.decode()
    response = client.get(reverse("mfa_activate_totp"), follow=True)

    # No password to confirm access with: allauth emails a code instead.
    code_page = reverse("account_request_reauthentication_code")
    assert response.redirect_chain[-1][0].startswith(code_page)
    assert "Request code" in response.content.decode()


def test_a_delegating_provider_that_vouches_stands_in_for_the_authenticator_app(
    client, sso, identity_provider
):
    sso(mfa="idp")
    staff = StaffFactory(email="boss@corp.test")
    TOTP.activate(staff, generate_totp_secret())

    response = sign_in(client, identity_provider, "boss")

    assert signed_in_as(response) == staff
    assert client.get(reverse("admin:index")).status_code == 200


def test_amr_is_not_trusted_unless_the_provider_is_configured_to_delegate(
    client, sso, identity_provider
):
    staff = StaffFactory(email="boss@corp.test")

    assert signed_in_as(sign_in(client, identity_provider, "boss")) == staff
    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response.url == reverse("mfa_index")
    assert not Authenticator.objects.filter(user=staff).exists()


def test_a_delegating_provider_without_a_second_factor_does_not_open_the_admin(
    client, sso, identity_provider
):
    sso(mfa="idp")
    staff = StaffFactory(email="root@corp.test")

    assert signed_in_as(sign_in(client, identity_provider, "root")) == staff
    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response.url == reverse("mfa_index")


def test_a_documented_acr_value_counts_as_a_second_factor(client, sso, identity_provider):
    sso(mfa="idp", mfa_acr_values=["gold"])
    StaffFactory(email="gold@corp.test")

    sign_in(client, identity_provider, "gold")

    assert client.get(reverse("admin:index")).status_code == 200


def test_the_vouched_second_factor_ends_with_the_session(client, sso, identity_provider):
    sso(mfa="idp")
    staff = StaffFactory(email="boss@corp.test")
    sign_in(client, identity_provider, "boss")
    client.post(reverse("account_logout"))

    client.force_login(staff)
    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response.url == reverse("mfa_index")


# --- Addresses that sign in only through single sign-on ------------------------------


@pytest.fixture
def corp_only(settings):
    """corp.test is SSO-only; its provider is configured (and never contacted here)."""
    settings.SSO_ONLY_DOMAINS = sso_only_domains(["corp.test"])
    settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers(oidc_apps(json.dumps([ENTRY])))


POINTER = "use the “Continue with Corp” button on the sign-in page"


def test_password_sign_in_is_refused_for_an_sso_only_address_with_a_pointer(client, db, corp_only):
    UserFactory(email="lin@corp.test")

    response = client.post(
        reverse("account_login"), {"login": "lin@corp.test", "password": KNOWN_PASSWORD}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Addresses at corp.test sign in with single sign-on" in page
    assert POINTER in page
    assert "Continue with Corp" in page  # the button itself, under the form
    assert signed_in_as(response) is None


def test_the_refusal_comes_before_the_password_and_says_nothing_about_the_account(
    client, db, corp_only
):
    known = client.post(
        reverse("account_login"), {"login": "nobody@corp.test", "password": "wrong"}
    ).content.decode()
    assert POINTER in known


def test_an_account_reached_through_another_address_is_still_sso_only(client, db, corp_only):
    lin = UserFactory(email="lin@corp.test")
    EmailAddress.objects.create(user=lin, email="lin@home.test", verified=True)

    response = client.post(
        reverse("account_login"), {"login": "lin@home.test", "password": KNOWN_PASSWORD}
    )

    assert POINTER in response.content.decode()
    assert signed_in_as(response) is None


def test_other_addresses_still_sign_in_with_their_password(client, db, corp_only):
    UserFactory(email="someone@elsewhere.test")
    response = client.post(
        reverse("account_login"),
        {"login": "someone@elsewhere.test", "password": KNOWN_PASSWORD},
        follow=True,
    )
    assert signed_in_as(response).email == "someone@elsewhere.test"


def test_password_sign_up_is_refused_for_an_sso_only_address(client, db, corp_only):
    password = "a-fresh-and-long-passphrase"
    response = client.post(
        reverse("account_signup"),
        {
            "display_name": "New",
            "email": "new@corp.test",
            "password1": password,
            "password2": password,
        },
    )
    assert response.status_code == 200
    assert POINTER in response.content.decode()
    assert not User.objects.filter(email="new@corp.test").exists()
    assert mail.outbox == []


def test_password_reset_is_refused_for_an_sso_only_address(
    client, db, corp_only, django_capture_on_commit_callbacks
):
    UserFactory(email="lin@corp.test")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "lin@corp.test"})
    assert response.status_code == 200
    assert POINTER in response.content.decode()
    assert mail.outbox == []


def test_a_reset_link_from_before_the_rule_sets_no_password(
    client, db, settings, django_capture_on_commit_callbacks
):
    lin = UserFactory(email="lin@corp.test")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "lin@corp.test"})
    [message] = mail.outbox
    link = next(word for word in message.body.split() if "/accounts/password/reset/key/" in word)
    settings.SSO_ONLY_DOMAINS = sso_only_domains(["corp.test"])

    form_page = client.get(urlsplit(link).path, follow=True)
    new_password = "a-fresh-and-long-passphrase"
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else urlsplit(link).path,
        {"password1": new_password, "password2": new_password},
    )

    assert response.status_code == 200
    assert "sign in with single sign-on" in response.content.decode()
    lin.refresh_from_db()
    assert lin.check_password(KNOWN_PASSWORD)


def test_a_member_disconnects_their_provider_and_keeps_their_password(client, db, corp_only):
    member = UserFactory(email="member@elsewhere.test")
    connection = SocialAccount.objects.create(user=member, provider="corp", uid="42")
    other = SocialAccount.objects.create(user=UserFactory(), provider="corp", uid="43")
    client.force_login(member)

    page = client.get(reverse("socialaccount_connections")).content.decode()
    assert "Connected accounts" in page and "Connect Corp" in page
    client.post(reverse("socialaccount_connections"), {"account": other.pk})
    response = client.post(reverse("socialaccount_connections"), {"account": connection.pk})

    assert response.status_code == 302
    assert list(SocialAccount.objects.all()) == [other]
    member.refresh_from_db()
    assert member.check_password(KNOWN_PASSWORD)


def test_a_signed_in_member_connects_the_provider_to_their_own_account(
    client, sso, identity_provider
):
    member = UserFactory(email="ada.private@home.test")
    client.force_login(member)

    confirm = client.get(LOGIN, {"process": "connect"})
    assert "Connect Corp" in confirm.content.decode()
    authorize = client.post(LOGIN, {"process": "connect"})
    response = come_back(client, identity_provider.consent(authorize.url, "ada"))

    assert response.redirect_chain[-1][0] == reverse("socialaccount_connections")
    assert SocialAccount.objects.get().user == member
    assert not User.objects.filter(email="ada@corp.test").exists()
    assert signed_in_as(response) == member
