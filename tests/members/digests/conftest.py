"""Fixtures for the digest tests."""

import pytest

from tests import digest_builders as build


@pytest.fixture
def community():
    community = build.community()
    build.experience(community, title="Bedside handover", learned="Ask the patient first.")
    return community
