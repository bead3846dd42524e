"""Topic tags are case-insensitive and normalised: lower case, single spaces, no '#'."""

import re

from taggit.utils import _parse_tags

MAX_TAG_LENGTH = 50


def normalise_tag(name: str) -> str:
    name = re.sub(r"\s+", " ", name.strip().lstrip("#")).lower()
    return name[:MAX_TAG_LENGTH]


def parse_tags(tagstring: str) -> list[str]:
    """Taggit's parser (commas, quotes), then our normalisation, without duplicates."""
    return list(dict.fromkeys(t for t in map(normalise_tag, _parse_tags(tagstring)) if t))
