"""The test settings with a view that fails, for the Sentry test (SENTRY_DSN from the
environment, as in production)."""

from config.test_settings import *  # noqa: F403

ROOT_URLCONF = "tests.ops.sentry_urls"
