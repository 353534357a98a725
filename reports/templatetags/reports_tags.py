"""Numbers the Vietnamese way in dashboard templates: ``{{ value|num }}``, ``{{ value|num:1 }}``."""

from django import template

from reports.charts import fmt

register = template.Library()


@register.filter
def num(value, decimals: int = 0) -> str:
    return fmt(value, int(decimals))


@register.filter
def index(sequence, position: int):
    return sequence[position]
