"""Demo members: the accounts every other part of the demo data is written by."""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.utils import timezone

from members.models import User

# Published on purpose: seed_demo prints it and refuses to run with DEBUG off.
DEMO_PASSWORD = "practica-demo"  # nosec B105

DEMO_MEMBERS = [
    # key, email, display name, bio, staff
    (
        "ada",
        "ada@practica.test",
        "Ada Osei",
        "Ward nurse for twelve years, now leading our unit's handover improvement work.",
        False,
    ),
    (
        "ben",
        "ben@practica.test",
        "Ben Hartmann",
        "Site reliability engineer. Runs our blameless post-incident reviews.",
        False,
    ),
    (
        "chloe",
        "chloe@practica.test",
        "Chloé Martin",
        "Secondary-school maths teacher trying out peer instruction.",
        False,
    ),
    (
        "dev",
        "dev@practica.test",
        "Dev Raman",
        "Product manager in a logistics start-up; new to facilitation.",
        False,
    ),
    (
        "erin",
        "erin@practica.test",
        "Erin Walsh",
        "Community organiser for local energy co-operatives.",
        False,
    ),
    ("staff", "staff@practica.test", "Sam Staff", "Runs the Practica site.", True),
]


def seed() -> dict[str, User]:
    """Create or update the demo members, each with a verified primary email."""
    users: dict[str, User] = {}
    for key, email, name, bio, staff in DEMO_MEMBERS:
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            # Members of three months' standing, as the demo's activity shows them.
            user = User(email=email, date_joined=timezone.now() - timedelta(days=100))
        user.display_name = name
        user.bio = bio
        user.is_staff = staff
        user.is_superuser = staff
        user.is_active = True
        if not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
        user.save()
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        users[key] = user
    return users
