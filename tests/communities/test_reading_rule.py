"""The reading rule, written once (`reads_content_as`), as a table: who reads the content
of a community at each stage and visibility. The queryset and the door derive from it."""

import pytest

from communities.models import Community
from communities.querysets import Standing, reads_content_as

P, M, H = (Community.Visibility.PUBLIC, Community.Visibility.MEMBERS, Community.Visibility.HIDDEN)
PLANNING, LAUNCHED, ARCHIVED = (
    Community.Stage.PLANNING,
    Community.Stage.LAUNCHED,
    Community.Stage.ARCHIVED,
)
READS = {
    Standing.OUTSIDER: {(LAUNCHED, P), (ARCHIVED, P)},
    Standing.MEMBER: {(s, v) for s in (LAUNCHED, ARCHIVED) for v in (P, M, H)},
    Standing.TEAM: {(s, v) for s in (PLANNING, LAUNCHED, ARCHIVED) for v in (P, M, H)},
}


@pytest.mark.parametrize("standing", list(Standing))
@pytest.mark.parametrize("stage", Community.Stage.values)
@pytest.mark.parametrize("visibility", Community.Visibility.values)
def test_the_reading_rule(standing, stage, visibility):
    assert reads_content_as(standing, stage, visibility) == ((stage, visibility) in READS[standing])
