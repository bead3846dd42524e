"""Signing staff in with or without a second factor, as allauth records it."""

import time

from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY

from config.privilege import mark_mfa_session

USER_SESSION_KEY = "account_authentication_methods_user"


def login_with_mfa(client, user) -> None:
    """Sign `user` in as if with their password and then their authenticator app."""
    client.force_login(user)
    session = client.session
    now = time.time()
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": now, "email": user.email},
        {"method": "mfa", "at": now, "type": "totp"},
    ]
    session[USER_SESSION_KEY] = str(user.pk)
    session.save()


def privileged(user):
    """`user` as a request with a two-factor session sees them (for service tests)."""
    mark_mfa_session(user, True)
    return user
