"""Server-rendered SVG bar chart geometry (no script, no inline style: CSP-safe)."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT, GAP = 600, 160, 2


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    day: str
    count: int


def bars(series: list[tuple[str, int]]) -> list[Bar]:
    """One bar per (day, count), scaled to the chart's box."""
    if not series:
        return []
    top = max(count for _, count in series) or 1
    width = WIDTH / len(series)
    return [
        Bar(
            x=i * width + GAP / 2,
            y=HEIGHT - count / top * HEIGHT,
            width=max(width - GAP, 1),
            height=count / top * HEIGHT,
            day=day,
            count=count,
        )
        for i, (day, count) in enumerate(series)
    ]
