import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from demo.people import DEMO_MEMBERS
from members.models import User

pytestmark = pytest.mark.django_db


def seed_demo() -> str:
    """The test settings have DEBUG off, where seeding needs --force."""
    out = StringIO()
    call_command("seed_demo", force=True, stdout=out)
    return out.getvalue()


def test_seed_demo_refuses_to_run_with_debug_off_unless_forced(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="published password.*--force"):
        call_command("seed_demo", stdout=StringIO())

    assert not User.objects.exists()


def test_seed_demo_runs_without_force_in_development(settings):
    settings.DEBUG = True

    call_command("seed_demo", stdout=StringIO())

    assert User.objects.filter(is_staff=True, email="staff@practica.test").exists()


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
