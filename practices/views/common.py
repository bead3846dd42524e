"""What several post pages share: section labels and the reading order of a post."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from ..models import Post

SECTION_LABELS = {
    Post.Kind.EXPERIENCE: {
        "situation": gettext_lazy("Situation"),
        "tried": gettext_lazy("What I tried"),
        "happened": gettext_lazy("What happened"),
        "learned": gettext_lazy("What I learned"),
        "recommend": gettext_lazy("What I would recommend"),
    },
    Post.Kind.CHALLENGE: {
        "situation": gettext_lazy("The situation"),
        "tried": gettext_lazy("What I already tried"),
        "help_wanted": gettext_lazy("What would help"),
    },
}


def sections(kind: str, values: dict) -> list[dict]:
    """The filled-in sections of a post (or a revision, or a preview), in reading order."""
    return [
        {"key": key, "label": label, "text": values.get(key) or ""}
        for key, label in SECTION_LABELS[kind].items()
        if (values.get(key) or "").strip()
    ]


def flag_from_post(request, name: str = "active") -> bool:
    """A yes/no sent by an action button (missing means yes)."""
    return request.POST.get(name, "1") in ("1", "true", "on")
