"""Settings for the worker processes that tests start: the real settings, plus a short
broker visibility timeout when a test asks for one, so that a message held by a killed
worker is handed out again within the test instead of after an hour."""

import os

from config.settings import *  # noqa: F403
from config.settings import CELERY_BROKER_TRANSPORT_OPTIONS

if os.environ.get("WORKER_VISIBILITY_TIMEOUT"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,
        "visibility_timeout": int(os.environ["WORKER_VISIBILITY_TIMEOUT"]),
        # Look for abandoned messages every second rather than every 100 seconds.
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }
