"""Bar charts drawn on the server: the geometry here, the SVG markup in the template."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

WIDTH = 560
HEIGHT = 200
LEFT = 44  # room for the value labels
RIGHT = 24  # room for the last day's label
TOP = 12
BOTTOM = 34  # room for the day labels
X_LABEL_EVERY = 7


@dataclass
class Bar:
    """One day's bar."""

    x: float
    y: float
    width: float
    height: float
    day: date
    value: int


@dataclass
class Tick:
    """A labelled line across the chart."""

    y: float
    label: str


@dataclass
class Chart:
    """A bar chart ready to draw, with what a screen reader needs to say about it."""

    key: str
    title: str
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    bottom: float = HEIGHT - BOTTOM
    bars: list[Bar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    x_labels: list[tuple[float, date]] = field(default_factory=list)
    total: int = 0
    peak: int = 0
    peak_day: date | None = None


def nice_max(value: int) -> int:
    """Round a maximum up to 1, 2 or 5 times a power of ten (at least 4, for four even ticks)."""
    if value <= 4:
        return 4
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            top = step * power
            return top if top % 4 == 0 else math.ceil(value / 4) * 4
    return value  # pragma: no cover - the loop always returns


def bar_chart(key: str, title: str, days: list[date], values: list[int]) -> Chart:
    """Lay out one bar per day on a shared scale, with four value ticks and weekly day labels."""
    chart = Chart(key=key, title=title, total=sum(values))
    top = nice_max(max(values, default=0))
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = chart.bottom - TOP
    slot = plot_width / max(len(days), 1)
    for i, (day, value) in enumerate(zip(days, values, strict=True)):
        height = plot_height * value / top
        chart.bars.append(
            Bar(
                x=round(LEFT + i * slot + slot * 0.15, 2),
                y=round(chart.bottom - height, 2),
                width=round(slot * 0.7, 2),
                height=round(height, 2),
                day=day,
                value=value,
            )
        )
        # Weekly labels counted back from today, so the newest day always has one.
        if (len(days) - 1 - i) % X_LABEL_EVERY == 0:
            chart.x_labels.append((round(LEFT + i * slot + slot / 2, 2), day))
    for step in range(5):
        value = top * step // 4
        chart.ticks.append(Tick(round(chart.bottom - plot_height * step / 4, 2), str(value)))
    if values and max(values) > 0:
        chart.peak = max(values)
        chart.peak_day = days[values.index(chart.peak)]
    return chart
