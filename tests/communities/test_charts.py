"""The dashboard's SVG charts: geometry, accessibility and locale-proof numbers."""

import re
from datetime import date, timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from communities import charts

WEEKS = [date(2026, 1, 5) + timedelta(weeks=i) for i in range(14)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, 1), (1, 1), (3, 3), (7, 8), (11, 15), (23, 25), (31, 40), (99, 100), (101, 150)],
)
def test_axes_end_on_a_round_number(value, expected):
    assert charts.nice_ceiling(value) == expected


def test_bars_are_scaled_to_the_largest_value_or_to_a_given_total():
    chart = charts.bar_chart(
        id="c",
        title="T",
        description="D",
        items=[("A", 10, "10", "x"), ("B", 5, "5", "x"), ("C", 0, "0", "x")],
    )
    funnel = charts.bar_chart(
        id="f", title="T", description="D", items=[("A", 5, "5", "x")], scale_to=20
    )

    assert [bar.width for bar in chart.bars] == ["100", "50", "0"]
    assert funnel.bars[0].width == "25"
    assert chart.height == str(3 * charts.BAR_ROW + 2)


def test_a_tiny_value_still_shows_a_bar():
    chart = charts.bar_chart(
        id="c", title="T", description="D", items=[("A", 1000, "", "x"), ("B", 1, "", "x")]
    )

    assert chart.bars[1].width == "0.8"


def test_joined_rise_above_the_baseline_and_left_hang_below_on_one_scale():
    chart = charts.diverging_columns(
        id="c",
        title="T",
        description="D",
        starts=WEEKS[:2],
        up=[4, 0],
        down=[0, 2],
    )

    up, down = chart.columns
    assert (up.variant, down.variant) == ("up", "down")
    assert float(up.y) + float(up.height) == pytest.approx(float(chart.baseline_y))
    assert float(down.y) == pytest.approx(float(chart.baseline_y))
    assert float(up.height) == pytest.approx(2 * float(down.height))
    assert [g.text for g in chart.grid] == ["4", "0", "−2"]


def test_week_labels_fit_and_start_and_end_inside_the_chart():
    chart = charts.diverging_columns(
        id="c", title="T", description="D", starts=WEEKS, up=[1] * 14, down=[0] * 14
    )

    labels = chart.x_labels
    assert len(labels) <= charts.MAX_X_LABELS
    assert (labels[0].anchor, labels[-1].anchor) == ("start", "end")
    assert not labels[0].minor and not labels[-1].minor
    assert 2 <= len([label for label in labels if not label.minor]) <= 4


def test_a_line_over_one_week_is_drawn_across_the_chart():
    chart = charts.line_chart(id="c", title="T", description="D", starts=WEEKS[:1], values=[7])

    assert chart.points.startswith("0,") and " 1000," in chart.points


@pytest.mark.parametrize("language", ["en", "de"])
def test_charts_are_accessible_and_their_numbers_ignore_the_locale(language):
    chart = charts.bar_chart(
        id="tiers",
        title="Members by contributions",
        description="Core: 1; active: 2.",
        items=[("Core", 1, "1", "core"), ("Active", 2, "2", "active"), ("Rest", 3, "3", "x")],
    )
    line = charts.line_chart(
        id="line", title="Members", description="D", starts=WEEKS, values=list(range(14))
    )
    with translation.override(language):
        svg = render_to_string("charts/bars.svg.html", {"chart": chart})
        svg += render_to_string("charts/line.svg.html", {"chart": line})

    assert 'role="img" aria-labelledby="tiers-title tiers-desc"' in svg
    assert '<title id="tiers-title">Members by contributions</title>' in svg
    assert '<desc id="tiers-desc">Core: 1; active: 2.</desc>' in svg
    assert "style=" not in svg
    numbers = re.findall(r'(?:x|y|width|height|points)="([^"]*)"', svg)
    assert numbers and not any("," in n for n in numbers if " " not in n)
    assert re.search(r'width="33.33%"', svg)
