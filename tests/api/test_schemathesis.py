"""The API against its own OpenAPI schema: generated requests, real data, no 500s.

Schemathesis reads the schema the site serves, generates requests for every operation
(valid and invalid ones) and calls the WSGI application in this process, so the test
database seeded here is what it reads and writes. Every answer must match the schema:
status codes, content types and bodies, errors included. Run apart with
`-m schemathesis`; it also runs with the suite.
"""

from datetime import date, datetime, time, timedelta

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from communities.meetings import services as meeting_services
from config.wsgi import application
from practices import services
from tests import builders
from tests.api.conftest import bearer
from tests.factories import UserFactory

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db]


@pytest.fixture
def world(in_test_transaction, django_settings_rates):
    facilitator = UserFactory(display_name="Fay Facilitator")
    community = builders.launch_community(facilitator, without_posts=True)
    member = builders.add_member(community, UserFactory(display_name="Mia Member")).user
    post = builders.share(community, facilitator, "Bedside handover", tags=["handover"])
    services.comment_create(post=post, author=member, body="We do this too")
    first = datetime.combine(date.today() + timedelta(days=5), time(18, 0))
    meeting = meeting_services.meeting_schedule(
        community=community,
        by=facilitator,
        data={"title": "Case clinic", "place": "Room 4", "duration_minutes": 60},
        starts_local=first,
        time_zone="Europe/Berlin",
        rule="",
        invite=False,
    )
    return {
        "slug": community.slug,
        "post": post.pk,
        "meeting": meeting.pk,
        "authorization": bearer(member, scope="write"),
    }


@pytest.fixture
def django_settings_rates(settings):
    """Generated requests come by the hundred: rate limits are tested elsewhere."""
    rates = {"token": "100000/hour", "member": "100000/hour", "anonymous": "100000/hour"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


@pytest.fixture
def in_test_transaction(db):
    """As Django's test client does: the test's transaction holds the seeded rows, so a
    finished request must not close the database connection under it."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# The schema as the site serves it (it reads no database).
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)


def _is_negative(case) -> bool:
    meta = case.meta
    return meta is not None and meta.generation.mode == GenerationMode.NEGATIVE


def _with_real_ids(case, world) -> None:
    """Point path parameters at the seeded rows, so operations reach real data (not in
    a negative case, whose broken parameters are the point)."""
    if _is_negative(case):
        return
    parameters = case.path_parameters or {}
    if "slug" in parameters:
        parameters["slug"] = world["slug"]
    if "id" in parameters:
        parameters["id"] = world["meeting"] if "/meetings/" in case.path else world["post"]


# Writes whose refusals follow the services' rules, which a schema cannot state: what
# publishing requires of each kind of post, that nobody reacts to their own post, that
# only the author of a post shared without name reveals it, the rate limits for new
# members, who may answer for a meeting. Their 400s and 403s are
# still checked against the error schema; only "valid per schema, so must succeed" is off.
RULES_BEYOND_THE_SCHEMA = {
    ("POST", "/api/v1/communities/{slug}/posts/"),
    ("PATCH", "/api/v1/communities/{slug}/posts/{id}/"),
    ("POST", "/api/v1/communities/{slug}/posts/{id}/comments/"),
    ("POST", "/api/v1/communities/{slug}/posts/{id}/reveal/"),
    ("POST", "/api/v1/communities/{slug}/posts/{id}/reactions/"),
    ("POST", "/api/v1/communities/{slug}/meetings/{id}/rsvp/"),
}


def _rules_beyond(case) -> list:
    if (case.method.upper(), case.path) in RULES_BEYOND_THE_SCHEMA:
        return [positive_data_acceptance]
    return []


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_answers_match_the_schema_with_a_token(case, world):
    _with_real_ids(case, world)
    headers = {"Authorization": world["authorization"]}
    if _is_negative(case) and "Authorization" in (case.headers or {}):
        headers = {}  # the generated, broken header is what is being tried
    case.call_and_validate(headers=headers, excluded_checks=_rules_beyond(case))


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_answers_match_the_schema_signed_out(case, world):
    case.call_and_validate(excluded_checks=_rules_beyond(case))
