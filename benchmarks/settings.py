"""The real settings, served the way production serves them, plus the bench's reference view.

`DEBUG` is off; HTTPS redirects are off because the load generator speaks plain HTTP
on 127.0.0.1. Everything else (middleware, templates, database pool, cache) is the
product's own configuration.
"""

from config.settings import *  # noqa: F403
from config.settings import BASE_DIR, MIDDLEWARE, TEMPLATES

ROOT_URLCONF = "benchmarks.urls"
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Counts the queries of each request into a response header; the bench reads it from
# one request per page. Outermost, so it sees every query the stack makes.
MIDDLEWARE = ["benchmarks.reference.QueryCountMiddleware", *MIDDLEWARE]
BENCH_TEMPLATES = BASE_DIR / "benchmarks" / "templates"
TEMPLATES = [{**TEMPLATES[0], "DIRS": [*TEMPLATES[0]["DIRS"], BENCH_TEMPLATES]}]
