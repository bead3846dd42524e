"""Logging: one JSON object per line in production, readable lines in development.

Both Django's and Celery's standard-library loggers and structlog's go through the same
formatter, so every line carries the context bound for the current request or task
(`request_id`, `task_id`). `LOG_FORMAT` is `json` or `console`; by default `console`
with DEBUG on and `json` otherwise.
"""

from __future__ import annotations

import re
import uuid

import structlog

REQUEST_ID_HEADER = "X-Request-ID"
# A request id from a proxy is kept when it looks like one; anything else is replaced,
# so a client cannot inject text into the logs.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def request_id_from(value: str | None) -> str:
    if value and _VALID_REQUEST_ID.match(value):
        return value
    return uuid.uuid4().hex


def _shared_processors() -> list:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.ExtraAdder(),
    ]


def logging_config(*, log_format: str, level: str) -> dict:
    """The LOGGING dict for settings.py; also configures structlog itself."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_shared_processors(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    if log_format == "json":
        renderer = [
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ]
    else:
        renderer = [structlog.dev.ConsoleRenderer(colors=False)]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    *renderer,
                ],
                "foreign_pre_chain": _shared_processors(),
            },
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "structured"},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            # Our middleware writes one line per request; Django's own would repeat it.
            "django.server": {"level": "WARNING"},
            "django.request": {"level": "ERROR"},
            # gunicorn's access log is off (gunicorn.conf.py); its error log stays.
            "gunicorn.error": {"level": level, "propagate": True},
        },
    }
