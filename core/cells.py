"""Cells of spreadsheets people type by hand, read and written safely.

Reading: whole counts typed with either thousands separator, months typed several ways;
anything ambiguous is refused with a message naming the cell's text, never guessed.
Writing: text that a spreadsheet would run as a formula is neutralised; numbers stay numbers.
Shared by the monthly import (activities) and the plan set-up imports (agreements)."""

import datetime as dt
import re

from django.utils.translation import gettext as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from core.text import nfc

# A leading = + - @ (or a tab or carriage return before one) makes a spreadsheet evaluate
# the cell; django-import-export's own escaping strips only "=" (pitfalls.md).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Longer than any figure the portal stores (10^12): int() of a huge digit string costs
# quadratic time and beyond 4.300 digits raises; refuse before converting.
MAX_DIGITS = 20


class CellError(Exception):
    """A cell that cannot be read; the message says why, in the user's language."""


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_DIGITS = re.compile(r"\d+")
_GROUPED = re.compile(r"[1-9]\d{0,2}(?:([.,])\d{3})(?:\1\d{3})*")
_DECIMAL = re.compile(r"\d+(?:[.,]\d+)?")
_LEADING_ZERO_GROUP = re.compile(r"0+[.,]\d{3}")


def parse_count(value) -> int | None:
    """A whole, non-negative number from a cell, or None when blank.

    Accepts 1800, "1800", "1.800" and "1,800" (a thousands separator is unambiguous when every
    group after the first has three digits and the first does not start with 0); refuses
    decimals, negatives, text, and the ambiguous (e.g. "1.800,5", "0.500", "1.80.0")."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError(_("“%(text)s” is not a number.") % {"text": value})
    if isinstance(value, int):
        if value < 0:
            raise CellError(_("Figures cannot be negative."))
        return value
    if isinstance(value, float):
        if value < 0:
            raise CellError(_("Figures cannot be negative."))
        if not value.is_integer():
            raise CellError(
                _("%(number)s is not a whole number; this indicator counts whole units.")
                % {"number": f"{value:g}".replace(".", ",")}
            )
        return int(value)
    text = nfc(str(value)).replace("\u00a0", "").replace(" ", "")
    if sum(char.isdigit() for char in text) > MAX_DIGITS:
        raise CellError(_("This number is too large; check for a typing mistake."))
    if text.startswith(("-", "\u2212")) and _DECIMAL.fullmatch(text[1:]):
        raise CellError(_("Figures cannot be negative."))
    if _DIGITS.fullmatch(text):
        return int(text)
    if _LEADING_ZERO_GROUP.fullmatch(text):
        # "0.500" is half in one convention and five hundred in the other.
        raise CellError(
            _("“%(text)s” is ambiguous: write the number without separators, e.g. 1800.")
            % {"text": text}
        )
    if _GROUPED.fullmatch(text):
        return int(text.replace(".", "").replace(",", ""))
    if _DECIMAL.fullmatch(text):
        raise CellError(
            _("%(number)s is not a whole number; this indicator counts whole units.")
            % {"number": text}
        )
    if re.fullmatch(r"[\d.,]+", text):
        raise CellError(
            _("“%(text)s” is ambiguous: write the number without separators, e.g. 1800.")
            % {"text": text}
        )
    raise CellError(_("“%(text)s” is not a number.") % {"text": nfc(str(value))})


_MONTH_PATTERNS = (
    re.compile(r"(?P<m>\d{1,2})[/.-](?P<y>\d{4})"),  # 03/2024
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})(?:-\d{1,2})?"),  # 2024-03, 2024-03-01
    re.compile(r"\d{1,2}/(?P<m>\d{1,2})/(?P<y>\d{4})"),  # 01/03/2024
)


def parse_month_cell(value) -> dt.date:
    """A month typed in a cell: 03/2024, 3.2024, 2024-03, 2024-03-01 or 01/03/2024."""
    text = nfc(str(value)) if not is_blank(value) else ""
    for pattern in _MONTH_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            try:
                return dt.date(int(match["y"]), int(match["m"]), 1)
            except ValueError:
                break
    if not text:
        raise CellError(_("The month is missing."))
    raise CellError(
        _("“%(text)s” is not a month; write it as MM/YYYY, e.g. 03/2024.") % {"text": text}
    )


def neutralise(value):
    """Make text safe to open in a spreadsheet: a leading apostrophe turns a would-be formula
    into plain text. Numbers and dates are left as they are so they stay numeric.

    Control characters other than tab and line breaks are dropped: XML cannot hold them, so
    openpyxl refuses to write a cell with one (a comment typed with ESC made the export a 500),
    and a spreadsheet could not show them anyway."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_PREFIXES):
            return "'" + value
    return value


def unneutralise(text: str) -> str:
    """The inverse of ``neutralise`` for text read back from our own exports."""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text
