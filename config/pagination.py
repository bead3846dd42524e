"""Keyset ("older posts") pagination for feeds: no COUNT(*), no OFFSET.

A cursor holds the sort values of the last row shown; the next page starts strictly
after it, so PostgreSQL walks the feed index from that point instead of counting or
skipping every row before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Q, QuerySet

SEPARATOR = "_"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


class OffsetNavigation:
    """Previous/next links for a page of `limit` rows starting at `offset`."""

    offset: int
    limit: int

    @property
    def has_previous(self) -> bool:
        return self.offset > 0

    @property
    def previous_offset(self) -> int:
        return max(self.offset - self.limit, 0)

    @property
    def next_offset(self) -> int:
        return self.offset + self.limit


@dataclass
class OffsetPage(OffsetNavigation):
    """Previous/next paging without counting every row: `has_more` comes from limit + 1."""

    items: list
    offset: int
    limit: int
    has_more: bool

    @classmethod
    def from_rows(cls, rows: list, *, offset: int, limit: int) -> OffsetPage:
        return cls(items=rows[:limit], offset=offset, limit=limit, has_more=len(rows) > limit)


@dataclass
class KeysetPage:
    object_list: list
    next_cursor: str | None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


def _encode(value: datetime | int) -> str:
    if isinstance(value, datetime):
        # Microseconds since the epoch: exact (integer arithmetic), URL-safe and short.
        return str((value - EPOCH) // MICROSECOND)
    return str(int(value))


def _decode(text: str, sample_is_datetime: bool) -> datetime | int:
    number = int(text)
    if sample_is_datetime:
        return EPOCH + number * MICROSECOND
    return number


def _field(order: str) -> str:
    return order.lstrip("-")


def _parse(cursor: str, ordering: tuple[str, ...], datetime_fields: set[str]) -> list | None:
    parts = cursor.split(SEPARATOR)
    if len(parts) != len(ordering):
        return None
    try:
        return [
            _decode(part, _field(order) in datetime_fields)
            for part, order in zip(parts, ordering, strict=True)
        ]
    except (ValueError, OverflowError, OSError):
        return None


def _after(ordering: tuple[str, ...], values: list) -> Q:
    """Rows after `values` in a descending `ordering`: (a < x) or (a = x and b < y) ..."""
    condition = Q()
    equal = Q()
    for order, value in zip(ordering, values, strict=True):
        name = _field(order)
        condition |= equal & Q(**{f"{name}__lt": value})
        equal &= Q(**{name: value})
    # The leading bound lets PostgreSQL start the index scan at the cursor.
    return Q(**{f"{_field(ordering[0])}__lte": values[0]}) & condition


def keyset_page(
    queryset: QuerySet, *, ordering: tuple[str, ...], cursor: str | None, size: int
) -> KeysetPage:
    """One page of `queryset` (already ordered by `ordering`, all descending) after `cursor`.

    An unreadable cursor starts from the beginning rather than failing.
    """
    if any(not order.startswith("-") for order in ordering):
        raise ValueError("keyset_page supports descending orderings only")
    model = queryset.model
    datetime_fields = {
        _field(order)
        for order in ordering
        if _field(order) != "pk"
        and model._meta.get_field(_field(order)).get_internal_type() == "DateTimeField"
    }
    if cursor and (values := _parse(cursor, ordering, datetime_fields)) is not None:
        queryset = queryset.filter(_after(ordering, values))
    rows = list(queryset[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = SEPARATOR.join(_encode(getattr(last, _field(o))) for o in ordering)
    return KeysetPage(object_list=rows, next_cursor=next_cursor)
