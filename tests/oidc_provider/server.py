"""Run the tests' identity provider: `python -m tests.oidc_provider.server ADDRESS:PORT`.

Migrates its SQLite database, registers Practica as a confidential client and creates
the people listed in the JSON file named by `IDP_SETUP`, then serves until stopped.
"""

import json
import os
import sys
from pathlib import Path

import django
from django.core.management import call_command


def prepare(setup: dict) -> None:
    from django.contrib.auth.models import Group, User
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0)
    client = setup["client"]
    Application.objects.update_or_create(
        client_id=client["client_id"],
        defaults={
            "name": "Practica",
            "client_secret": client["secret"],
            "client_type": Application.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
            "redirect_uris": " ".join(client["redirect_uris"]),
            "algorithm": Application.RS256_ALGORITHM,
            "skip_authorization": False,
        },
    )
    for person in setup["people"]:
        user = User.objects.create_user(
            username=person["username"],
            email=person["email"],
            password=person["password"],
            first_name=person.get("name", ""),
        )
        for name in person.get("groups", []):
            user.groups.add(Group.objects.get_or_create(name=name)[0])


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.oidc_provider.settings")
    django.setup()
    prepare(json.loads(Path(os.environ["IDP_SETUP"]).read_text()))
    call_command("runserver", sys.argv[1], use_reloader=False, use_threading=True)


if __name__ == "__main__":
    main()
