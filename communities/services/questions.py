"""The questions a community asks people who request to join."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import (
    MAX_JOIN_QUESTIONS,
    Community,
    JoinQuestion,
)
from .lifecycle import check_editable


@transaction.atomic
def questions_set(*, community: Community, texts: Iterable[str]) -> list[JoinQuestion]:
    """Replace the applicants' questions (at most five, blanks dropped)."""
    check_editable(community)
    cleaned = [t.strip() for t in texts if t and t.strip()]
    if len(cleaned) > MAX_JOIN_QUESTIONS:
        raise ValidationError(_("Ask at most %(n)d questions.") % {"n": MAX_JOIN_QUESTIONS})
    community.questions.all().delete()
    return JoinQuestion.objects.bulk_create(
        JoinQuestion(community=community, position=i, text=text) for i, text in enumerate(cleaned)
    )
