"""SVG charts drawn on the server, for the dashboards and (the same functions) the PDFs.

Why our own small module rather than pygal: pygal's SVG carries a ``<style>`` element and
``<script>`` hooks for its tooltips, which our Content-Security-Policy (no inline style or
script) blocks in the browser; its output would have to be post-processed for every page and
again for WeasyPrint. Two chart kinds are all we need (bars against a marker, lines against
a target), and 200 lines we control give stable, testable SVG with nothing to configure.

Every chart is ``role="img"`` with a ``<title>`` and ``<desc>`` (referenced by
``aria-labelledby``), uses only SVG presentation attributes (``fill=``, ``stroke=``…, never
``style=``), scales with its ``viewBox``, inherits the page's font, and is meant to sit next to
a table with the same figures. Text is escaped here; callers pass plain strings.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.numbers import figure

Number = int | float | Decimal

STATUS_FILLS = {
    "on_track": "#16632f",
    "at_risk": "#b35c00",
    "behind": "#a40000",
    "no_target": "#767676",
    "": "#0b4f8a",
}
SERIES_COLOURS = ("#0b4f8a", "#a40000", "#16632f", "#6b3fa0")
INK = "#1a1a1a"
GRID = "#ccd3da"


@dataclass(frozen=True)
class Bar:
    """One bar: ``value`` (None draws no bar and says "no data"), an optional ``marker`` (for
    instance the expected value) drawn as a vertical tick, a ``status`` that picks the colour,
    and optional preformatted ``value_text``."""

    label: str
    value: Number | None
    marker: Number | None = None
    status: str = ""
    value_text: str | None = None


@dataclass(frozen=True)
class Series:
    """A line. ``values`` align with the chart's labels; None leaves a gap. ``dashed`` lines
    (targets) have no point markers."""

    label: str
    values: Sequence[Number | None]
    dashed: bool = False
    colour: str | None = None


def fmt(value: Number | None, decimals: int = 0) -> str:
    """A number the Vietnamese way (1.800; 45,03), or an em dash: the portal's one formatter
    (core.numbers.figure), so the home page, dashboards and PDFs print a figure alike."""
    return figure(value, decimals)


def _id(*parts: str) -> str:
    return "chart-" + hashlib.sha1("|".join(parts).encode(), usedforsecurity=False).hexdigest()[:10]


def _open(width: int, height: int, title: str, description: str, css_class: str) -> list[str]:
    chart_id = _id(title, description, css_class)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class={quoteattr(css_class)} '
        f'viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" font-size="13" fill="{INK}">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(description)}</desc>',
    ]


def _nice_max(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × a power of
    ten), so the data fill most of the height."""
    if value <= 0:
        return 1.0
    power = 10 ** (len(str(int(value))) - 1) if value >= 1 else 1.0
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)


def _short(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut between words ("…tuyên truyền pháp luật…", never
    "…tại khối, x…"), the full text being in the chart's table alternative and title."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:(–-") + "…"


def bar_chart(
    *,
    title: str,
    description: str,
    bars: Sequence[Bar],
    unit: str = "%",
    max_value: Number | None = None,
    marker_label: str = "",
    width: int = 420,
    decimals: int = 0,
) -> SafeString:
    """Horizontal bars, one per item, label above its bar (so it reads on a phone), value at
    the end, optional marker tick. Returns SVG markup safe to insert in HTML or a PDF."""
    row, top, left, right = 44, 8, 4, 70
    height = top + row * max(len(bars), 1) + (24 if marker_label else 8)
    numbers = [float(b.value) for b in bars if b.value is not None]
    numbers += [float(b.marker) for b in bars if b.marker is not None]
    scale_max = float(max_value) if max_value is not None else _nice_max(max(numbers or [1]))
    scale_max = max(scale_max, *numbers) if numbers else scale_max
    span = width - left - right
    parts = _open(width, height, title, description, "chart chart-bars")
    for index, bar in enumerate(bars):
        y = top + index * row
        label = escape(_short(bar.label, 58))
        parts.append(f"<g><title>{escape(bar.label)}</title>")
        parts.append(f'<text x="{left}" y="{y + 13}">{label}</text>')
        parts.append(f'<rect x="{left}" y="{y + 18}" width="{span}" height="16" fill="#eef1f4"/>')
        if bar.value is not None:
            length = max(0.0, min(float(bar.value), scale_max)) / scale_max * span
            fill = STATUS_FILLS.get(bar.status, STATUS_FILLS[""])
            parts.append(
                f'<rect x="{left}" y="{y + 18}" width="{length:.1f}" height="16" fill="{fill}"/>'
            )
        text = bar.value_text if bar.value_text is not None else fmt(bar.value, decimals)
        if bar.value is not None and unit:
            text = f"{text} {unit}" if bar.value_text is None else text
        parts.append(f'<text x="{left + span + 6}" y="{y + 31}">{escape(text)}</text>')
        if bar.marker is not None:
            x = left + min(float(bar.marker), scale_max) / scale_max * span
            parts.append(
                f'<line x1="{x:.1f}" y1="{y + 14}" x2="{x:.1f}" y2="{y + 38}" '
                f'stroke="{INK}" stroke-width="2" stroke-dasharray="3 2"/>'
            )
        parts.append("</g>")
    if marker_label:
        y = height - 8
        parts.append(
            f'<line x1="{left}" y1="{y - 4}" x2="{left + 18}" y2="{y - 4}" stroke="{INK}" '
            f'stroke-width="2" stroke-dasharray="3 2"/>'
            f'<text x="{left + 24}" y="{y}">{escape(marker_label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped


def line_chart(
    *,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    width: int = 420,
    height: int = 240,
    decimals: int = 0,
) -> SafeString:
    """Lines over shared x labels (months), y axis from zero with four grid lines and a legend
    below. Gaps where a value is None."""
    left, right, top, bottom = 62, 12, 26, 50
    plot_w, plot_h = width - left - right, height - top - bottom
    numbers = [float(v) for s in series for v in s.values if v is not None]
    y_max = _nice_max(max(numbers or [1]))
    count = max(len(labels), 1)
    step = plot_w / max(count - 1, 1)

    def x_at(i: int) -> float:
        return left + (i * step if count > 1 else plot_w / 2)

    def y_at(v: float) -> float:
        return top + plot_h - v / y_max * plot_h

    parts = _open(width, height, title, description, "chart chart-lines")
    for tick in range(5):
        value = y_max * tick / 4
        y = y_at(value)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">'
            f"{escape(fmt(value, 0 if y_max >= 10 else 1))}</text>"
        )
    if unit:
        parts.append(f'<text x="4" y="12" font-size="11">{escape(unit)}</text>')
    every = max(1, -(-count // 6))  # at most about six month labels
    for i, label in enumerate(labels):
        if i % every == 0 or i == count - 1:
            # The last label ends at the plot's edge instead of running off the chart.
            anchor = "end" if i == count - 1 and count > 1 else "middle"
            parts.append(
                f'<text x="{x_at(i):.1f}" y="{top + plot_h + 16}" text-anchor="{anchor}" '
                f'font-size="11">{escape(label)}</text>'
            )
    for n, line in enumerate(series):
        colour = line.colour or SERIES_COLOURS[n % len(SERIES_COLOURS)]
        segments: list[list[tuple[float, float]]] = [[]]
        for i, value in enumerate(line.values):
            if value is None:
                segments.append([])
            else:
                segments[-1].append((x_at(i), y_at(float(value))))
        dash = ' stroke-dasharray="6 4"' if line.dashed else ""
        parts.append(f"<g><title>{escape(line.label)}</title>")
        for segment in segments:
            if len(segment) > 1:
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y in segment)
                parts.append(
                    f'<polyline points="{points}" fill="none" stroke="{colour}" '
                    f'stroke-width="2"{dash}/>'
                )
            if not line.dashed:
                for x, y in segment:
                    parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
        parts.append("</g>")
        legend_x = left + n * (plot_w / max(len(series), 1))
        legend_y = height - 12
        parts.append(
            f'<line x1="{legend_x:.1f}" y1="{legend_y - 4}" x2="{legend_x + 20:.1f}" '
            f'y2="{legend_y - 4}" stroke="{colour}" stroke-width="2"{dash}/>'
            f'<text x="{legend_x + 26:.1f}" y="{legend_y}" font-size="12">'
            f"{escape(_short(line.label, 24))}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped


# --- Figures for selector results (the dashboards and the PDFs draw the same ones) -------


def progress_chart(*, title: str, rows: Sequence) -> SafeString:
    """Bars of achieved as % of the period's target, coloured by status, with the expected
    value (also as % of the target) as a tick. ``rows``: ``IndicatorProgress`` items."""
    bars = []
    lines = []
    for row in rows:
        expected = None
        if row.expected is not None and row.target_period:
            expected = row.expected / row.target_period * 100
        bars.append(
            Bar(
                label=row.indicator.display_name(get_language()),
                value=row.percent,
                marker=expected,
                status=row.status,
                value_text=f"{fmt(row.percent, 1)} %" if row.percent is not None else "—",
            )
        )
        lines.append(
            _("%(name)s: %(percent)s %% of target, expected %(expected)s %%, %(status)s")
            % {
                "name": row.indicator.display_name(get_language()),
                "percent": fmt(row.percent, 1),
                "expected": fmt(expected, 1),
                "status": row.status_label,
            }
        )
    return bar_chart(
        title=title,
        description="; ".join(lines),
        bars=bars,
        max_value=100,
        marker_label=_("Expected by now"),
    )


def trend_chart(*, title: str, trend) -> SafeString:
    """The indicator month by month against its target line. ``trend``: a ``Trend``."""
    decimals = 1 if trend.indicator.is_ratio else 0
    points = trend.points
    latest = trend.latest
    description = _("%(name)s by month, %(first)s to %(last)s. Latest: %(value)s %(unit)s.") % {
        "name": trend.indicator.display_name(get_language()),
        "first": points[0].month.strftime("%m/%Y") if points else "—",
        "last": points[-1].month.strftime("%m/%Y") if points else "—",
        "value": fmt(latest.value if latest else None, decimals),
        "unit": trend.indicator.unit,
    }
    return line_chart(
        title=title,
        description=description,
        labels=[p.month.strftime("%m/%y") for p in points],
        series=[
            Series(label=_("Achieved"), values=[p.value for p in points]),
            Series(
                label=_("Target"), values=[p.target for p in points], dashed=True, colour="#767676"
            ),
        ],
        unit=trend.indicator.unit,
        decimals=decimals,
    )
