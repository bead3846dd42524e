"""A readable diff between two versions of a page: lines added and removed, and within
a changed line the words that changed, for `<ins>` and `<del>` in the templates."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

SAME, ADDED, REMOVED, CHANGED, SKIPPED = "same", "added", "removed", "changed", "skipped"
# Unchanged lines shown around a change; longer unchanged runs are folded.
CONTEXT = 2
_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass(frozen=True)
class Part:
    kind: str  # SAME, ADDED or REMOVED
    text: str


@dataclass
class Line:
    kind: str  # SAME, ADDED, REMOVED, CHANGED, or SKIPPED (with `skipped` lines folded)
    parts: list[Part] = field(default_factory=list)
    skipped: int = 0


@dataclass
class Diff:
    lines: list[Line]
    added: int
    removed: int

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.removed)


def _words(old: str, new: str) -> list[Part]:
    """One changed line: the words kept, removed and added, in reading order."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    parts: list[Part] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            parts.append(Part(SAME, "".join(a[i1:i2])))
            continue
        if i2 > i1:
            parts.append(Part(REMOVED, "".join(a[i1:i2])))
        if j2 > j1:
            parts.append(Part(ADDED, "".join(b[j1:j2])))
    return parts


def _fold(lines: list[str]) -> list[Line]:
    """An unchanged run: its first and last CONTEXT lines, the middle folded."""
    if len(lines) <= 2 * CONTEXT + 1:
        return [Line(SAME, [Part(SAME, text)]) for text in lines]
    return [
        *(Line(SAME, [Part(SAME, text)]) for text in lines[:CONTEXT]),
        Line(SKIPPED, skipped=len(lines) - 2 * CONTEXT),
        *(Line(SAME, [Part(SAME, text)]) for text in lines[-CONTEXT:]),
    ]


def text_diff(old: str, new: str) -> Diff:
    """What changed from `old` to `new`, line by line; a line changed in place shows
    its changed words."""
    a, b = old.splitlines(), new.splitlines()
    lines: list[Line] = []
    added = removed = 0
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            lines += _fold(a[i1:i2])
            continue
        olds, news = a[i1:i2], b[j1:j2]
        paired = min(len(olds), len(news)) if tag == "replace" else 0
        for old_line, new_line in zip(olds[:paired], news[:paired], strict=True):
            lines.append(Line(CHANGED, _words(old_line, new_line)))
        for text in olds[paired:]:
            lines.append(Line(REMOVED, [Part(REMOVED, text)]))
        for text in news[paired:]:
            lines.append(Line(ADDED, [Part(ADDED, text)]))
        removed += len(olds)
        added += len(news)
    return Diff(lines=lines, added=added, removed=removed)
