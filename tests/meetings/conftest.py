from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from communities.meetings import services
from communities.meetings.models import Meeting
from tests.factories import CommunityFactory, MembershipFactory

BERLIN = "Europe/Berlin"


def meeting_data(**overrides) -> dict:
    return {
        "title": "Case clinic",
        "agenda": "Bring **one** case.",
        "place": "https://video.example/clinic",
        "capacity": None,
        "audience": "members",
        "duration_minutes": 90,
        **overrides,
    }


def next_local(days: int = 7, hour: int = 19) -> datetime:
    """A naive local wall time `days` ahead at `hour`:00."""
    day = (timezone.now() + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, hour, 0)


@pytest.fixture
def community(db):
    return CommunityFactory(name="Night shift circle")


@pytest.fixture
def facilitator(community):
    return MembershipFactory(community=community, facilitator=True).user


@pytest.fixture
def member(community):
    return MembershipFactory(community=community).user


@pytest.fixture
def schedule(community, facilitator):
    def schedule(*, rule: str = "", starts_local=None, invite=False, **data):
        return services.meeting_schedule(
            community=community,
            by=facilitator,
            data=meeting_data(**data),
            starts_local=starts_local or next_local(),
            time_zone=BERLIN,
            rule=rule,
            invite=invite,
        )

    return schedule


@pytest.fixture
def past_meeting(schedule):
    """A meeting that ended yesterday: its notes may be written."""
    meeting = schedule()
    start = timezone.now() - timedelta(days=1)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=start, ends_at=start + timedelta(hours=1)
    )
    meeting.refresh_from_db()
    return meeting
