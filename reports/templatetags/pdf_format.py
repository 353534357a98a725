"""Number formats for official documents: the dashboards' own (``reports.charts.fmt``:
1.234.567 and 45,3), so a PDF prints a figure exactly as the dashboard shows it."""

import re

from django import template

from reports.charts import fmt

register = template.Library()


@register.filter
def vn_number(value, places=0):
    return fmt(value, int(places or 0))


@register.filter
def decimals(indicator) -> int:
    """Ratios (percentages) print with one decimal, counts as whole numbers (as on the
    dashboards)."""
    return 1 if indicator.is_ratio else 0


@register.filter
def month_year(day):
    return f"{day.month:02d}/{day.year}"


@register.filter
def upper_vi(text):
    return (text or "").upper()


@register.filter
def at(sequence, position):
    return sequence[position]


@register.filter
def nobreak(text, places):
    """Spaces inside place names made non-breaking ("NGHỆ AN" never splits across lines)."""
    from reports.pdf import keep_places_together

    return keep_places_together(text or "", tuple(places or ()))


@register.filter
def keep_years(text):
    """ "giai đoạn 2023 – 2025" kept on one line (a title would otherwise end "giai đoạn"
    and begin the next line "2023 – 2025")."""
    return re.sub(
        r"(?:giai đoạn )?\d{4} – \d{4}", lambda m: m.group(0).replace(" ", "\u00a0"), text or ""
    )
