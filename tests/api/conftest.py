import pytest
from rest_framework.test import APIClient

from members.api_tokens import api_token_create


@pytest.fixture
def api():
    return APIClient()


def bearer(user, scope="read", days=30):
    """A fresh personal access token of `user`, as an Authorization header value."""
    issued = api_token_create(user=user, name="Test", scope=scope, lifetime_days=days)
    return f"Bearer {issued.secret}"


@pytest.fixture
def as_token(api):
    def sign_in(user, scope="read"):
        api.credentials(HTTP_AUTHORIZATION=bearer(user, scope))
        return api

    return sign_in
