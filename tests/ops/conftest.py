import io
import json
import logging

import pytest
from django.conf import settings


class JsonLines:
    """Log lines as the production formatter writes them, parsed back."""

    def __init__(self, stream: io.StringIO):
        self.stream = stream

    def all(self) -> list[dict]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines() if line]

    def events(self, event: str) -> list[dict]:
        return [line for line in self.all() if line.get("event") == event]


@pytest.fixture
def json_logs():
    """Capture what the root logger writes, through the JSON formatter of the settings."""
    from config.logs import logging_config

    formatter_config = dict(
        logging_config(log_format="json", level="INFO")["formatters"]["structured"]
    )
    factory = formatter_config.pop("()")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(factory(**formatter_config))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield JsonLines(stream)
    finally:
        root.removeHandler(handler)
        assert settings.LOG_FORMAT == "json"
