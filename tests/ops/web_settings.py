"""Settings for the gunicorn servers the scale-out test starts: production settings
(DEBUG off, HTTPS redirect, secure cookies, Redis cache and sessions in the database),
except that static files come from the source folders (tests never run collectstatic)
and passwords use the test suite's fast hasher."""

from config.settings import *  # noqa: F403
from config.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
