"""Synthetic post and comment text with a realistic word distribution.

Word frequencies follow Zipf's law (the r-th word is about 1/r as frequent as the
first), so a dataset has a few very common words, a long tail of rare ones, and
everything between. A handful of "era" words (the tools of a few years ago) appear
often in old posts and never in recent ones: searching for them is the case where a
newest-first plan must walk far back to find anything.
"""

from __future__ import annotations

import itertools
import random
from bisect import bisect_left

# The most frequent words: what people in these communities actually write about.
# None are English stop words, so full-text search indexes every one of them.
COMMON = [
    "team",
    "patient",
    "handover",
    "checklist",
    "shift",
    "meeting",
    "client",
    "project",
    "feedback",
    "process",
    "change",
    "training",
    "review",
    "plan",
    "school",
    "student",
    "teacher",
    "nurse",
    "ward",
    "manager",
    "colleague",
    "workshop",
    "session",
    "report",
    "problem",
    "routine",
    "time",
    "week",
    "month",
    "practice",
    "method",
    "tool",
    "conversation",
    "question",
    "result",
    "family",
    "volunteer",
    "budget",
    "support",
    "community",
    "staff",
    "morning",
    "evening",
    "schedule",
    "template",
    "board",
    "risk",
    "safety",
    "quality",
    "story",
    "pilot",
]
# Frequent in posts older than ERA_DAYS, absent from newer ones.
ERA = ["pager", "fax", "binder", "whiteboard"]
ERA_DAYS = 365
# The rare end of the vocabulary is made of pronounceable invented words: distinct
# after stemming, never stop words, and as many as the dataset needs.
_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]

TOPICS = [
    "handover",
    "patient safety",
    "onboarding",
    "feedback",
    "retrospectives",
    "classroom management",
    "remote teams",
    "volunteering",
    "fundraising",
    "conflict",
    "mentoring",
    "scheduling",
    "checklists",
    "night shift",
    "parents",
    "budgets",
    "pilots",
    "workshops",
    "burnout",
    "documentation",
]


def invented_word(n: int) -> str:
    """The n-th invented word: three or four syllables, unique per n."""
    k = len(_SYLLABLES)
    parts = [_SYLLABLES[n % k], _SYLLABLES[(n // k) % k], _SYLLABLES[(n // k // k) % k]]
    if n >= k**3:
        parts.append(_SYLLABLES[(n // k**3) % k])
    return "".join(parts) + "n"


def vocabulary(size: int) -> list[str]:
    return COMMON + [invented_word(i) for i in range(size - len(COMMON))]


class Writer:
    """Draws Zipf-distributed words from a vocabulary, reproducibly from a seed."""

    def __init__(self, size: int = 30_000, seed: int = 1):
        self.words = vocabulary(size)
        self.random = random.Random(seed)
        self.cumulative = list(itertools.accumulate(1 / r for r in range(1, size + 1)))
        self.total = self.cumulative[-1]

    def words_of(self, count: int) -> list[str]:
        draw = self.random.random
        total, cumulative, words = self.total, self.cumulative, self.words
        return [words[bisect_left(cumulative, draw() * total)] for _ in range(count)]

    def sentence(self, count: int, *, old: bool = False) -> str:
        words = self.words_of(count)
        if old and self.random.random() < 0.4:
            words[self.random.randrange(count)] = self.random.choice(ERA)
        return " ".join(words).capitalize() + "."

    def title(self) -> str:
        return " ".join(self.words_of(self.random.randint(4, 8))).capitalize()

    def rare_word(self) -> str:
        """A word from far down the tail: a handful of posts in a big dataset."""
        return self.words[len(self.words) * 2 // 3]

    def common_words(self) -> str:
        return " ".join(COMMON[:3])

    def two_words(self) -> str:
        """Two words of middling frequency: each in about a sixth of the posts."""
        return f"{COMMON[30]} {COMMON[41]}"
