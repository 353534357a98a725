"""Number formats for official documents (1.234.567 and 45,3), independent of the locale."""

from django import template

from reports.pdf_data import format_number

register = template.Library()


@register.filter
def vn_number(value, places=None):
    return format_number(value, None if places in (None, "") else int(places))


@register.filter
def cell(district, code):
    """(achieved, target, percent) of one indicator in a district row."""
    return district.cells.get(code, (None, None, None))


@register.filter
def month_year(day):
    return f"{day.month:02d}/{day.year}"


@register.filter
def upper_vi(text):
    return (text or "").upper()
