import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from demo.people import DEMO_MEMBERS
from members.models import User

pytestmark = pytest.mark.django_db


def seed_demo() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_can_run_twice_without_duplicating_members():
    seed_demo()
    count = User.objects.count()

    seed_demo()

    assert count > 0
    assert User.objects.count() == count


def test_demo_members_sign_in_with_the_printed_password(client):
    output = seed_demo()

    accounts = re.findall(r"^\s+(\S+@\S+)\s+password: (\S+)", output, re.MULTILINE)
    assert {email for _key, email, *_rest in DEMO_MEMBERS} <= {email for email, _ in accounts}
    for email, password in accounts:
        client.logout()
        response = client.post(reverse("account_login"), {"login": email, "password": password})
        assert response.status_code == 302, email
        assert client.session["_auth_user_id"] == str(User.objects.get(email=email).pk)


def test_seed_demo_creates_exactly_one_staff_member():
    seed_demo()
    seed_demo()

    staff = User.objects.filter(is_staff=True)
    assert staff.count() == 1
    assert staff.get().emailaddress_set.get().verified
