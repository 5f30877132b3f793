"""Charts as inline SVG drawn on the server: no script, readable by screen readers (each chart
has a title and a table of its numbers beside it)."""

from __future__ import annotations

from html import escape

from markupsafe import Markup

BAR_HEIGHT = 22
LABEL_WIDTH = 110
WIDTH = 560


def bar_chart(values: dict[str, int], title: str) -> Markup:
    if not values:
        return Markup(f'<p class="muted">{escape(title)}: none yet.</p>')
    top = max(values.values()) or 1
    rows = []
    for i, (label, n) in enumerate(values.items()):
        y = i * BAR_HEIGHT
        w = max(1, round((WIDTH - LABEL_WIDTH - 60) * n / top))
        rows.append(
            f'<text x="0" y="{y + 15}" class="chart-label">{escape(label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{w}" height="{BAR_HEIGHT - 6}" '
            f'class="chart-bar"/>'
            f'<text x="{LABEL_WIDTH + w + 6}" y="{y + 15}" class="chart-value">{n}</text>')
    height = len(values) * BAR_HEIGHT
    return Markup(f'<svg role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {height}" '
                  f'width="{WIDTH}" height="{height}"><title>{escape(title)}</title>'
                  + "".join(rows) + "</svg>")
