"""Template helpers for the dashboards."""

import functools

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from reports.charts import fmt
from reports.results import CELL_LABELS

register = template.Library()

# Sentinels reversed once per grid and replaced per cell: a grid of 210 districts × 32
# months would otherwise resolve 6.720 URLs (about 25 µs each) on every page view.
_PK, _MONTH = 987654321, "2099-12"


@register.filter
def num(value, decimals: int = 0) -> str:
    """Numbers the Vietnamese way: ``{{ value|num }}``, ``{{ value|num:1 }}``."""
    return fmt(value, int(decimals))


@register.filter
def indicator_name(indicator) -> str:
    """The indicator's name in the page's language (English when it has one)."""
    return indicator.display_name(get_language())


@register.filter
def index(sequence, position):
    return sequence[position]


@functools.lru_cache(maxsize=8)
def _cell_labels(language: str) -> dict[str, str]:
    """The month states' labels, translated once per language (they are lazy strings: a
    grid rendering ``str()`` on each cell translated every one of them again)."""
    return {state: str(label) for state, label in CELL_LABELS.items()}


@register.simple_tag
def grid_cells(row) -> SafeString:
    """The month cells of one completeness-grid row: a mark for sighted users, the month and
    state for screen readers, a link to the month's report (or its entry page if none)."""
    report_url = reverse("activities:report_detail", args=[_PK])
    entry_url = reverse("activities:month_entry", args=[_PK, _MONTH])
    sub_id = str(row.sub_agreement.pk)
    labels = _cell_labels(get_language())
    cells = []
    for cell in row.cells:
        if cell.report_id:
            href = report_url.replace(str(_PK), str(cell.report_id))
        elif cell.deadline:
            href = entry_url.replace(str(_PK), sub_id).replace(_MONTH, f"{cell.month:%Y-%m}")
        else:
            href = ""
        cells.append((cell.state, href, f"{cell.month:%m/%Y}", labels[cell.state]))
    return format_html_join(
        "",
        '<td class="cell cell-{}">{}</td>',
        (
            (
                state,
                format_html(
                    '<a href="{}"><span aria-hidden="true" class="mark"></span>'
                    '<span class="visually-hidden">{}: {}</span></a>',
                    href,
                    month,
                    label,
                )
                if href
                else format_html(
                    '<span aria-hidden="true" class="mark"></span>'
                    '<span class="visually-hidden">{}: {}</span>',
                    month,
                    label,
                ),
            )
            for state, href, month, label in cells
        ),
    )
