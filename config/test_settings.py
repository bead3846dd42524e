"""Settings for the test suite: the real settings, with a few test-only speed-ups.

PostgreSQL and Redis stay real. Celery runs tasks eagerly by default so that a
request's email is observable in `mail.outbox`; tests marked `worker` switch that
off and start a real worker process.
"""

import os
import tempfile

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-use-0123456789abcdef")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from .settings import *  # noqa: E402,F403
from .settings import CACHES, STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CACHES["default"]["KEY_PREFIX"] = f"practica-test-{os.getpid()}"
# Uploads of each test run go to a folder of its own, not the checkout's media/, unless
# the environment names one (the backup drill's restore process does).
MEDIA_ROOT = os.environ.get("MEDIA_ROOT") or os.path.join(
    tempfile.gettempdir(), f"practica-test-media-{os.getpid()}"
)
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
# Serve static files from the app and project directories: tests never run collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The webhook tests' receiver listens on http://127.0.0.1.
WEBHOOKS_ALLOW_HTTP = True
WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
