"""One formatter for figures shown to people: 1.800, 56,7 %, 9 (not 9.0) — in the page's
language formats (cooperation/formats), so a message, a page and a PDF print a figure alike."""

from decimal import Decimal
from numbers import Number

from django.utils.formats import number_format


def figure(value: Number | None, decimals: int | None = 0) -> str:
    """``value`` grouped by thousands with ``decimals`` places (``None``: whole numbers as
    such, other values with one place: a median of 9.0 prints "9", of 9.5 "9,5"); an em dash
    for no value."""
    if value is None:
        return "—"
    if decimals is None:
        decimals = 0 if Decimal(str(value)) == int(value) else 1
    if decimals == 0:
        value = round(value)
    return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def percent(numerator: Number | None, denominator: Number | None, decimals: int = 1) -> str:
    """'400/560 (71,4 %)': a ratio's two parts and its percentage."""
    if numerator is None or denominator is None:
        return "—"
    text = f"{figure(numerator)}/{figure(denominator)}"
    if denominator:
        text += f" ({figure(Decimal(numerator) * 100 / Decimal(denominator), decimals)} %)"
    return text
