"""Reading the portal's template of monthly figures: its sheet, its headers and its rows,
through the bounded reader of core/workbook.py."""

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from activities.spreadsheet import COLUMNS, HEADER, SHEET_NAME
from core.cells import is_blank
from core.text import nfc
from core.workbook import (
    ImportFileError,
    csv_table,
    csv_unreadable,
    json_safe,
    letters,
    max_bytes,
    max_rows,
    open_workbook,
    read_sheet,
    size_text,
    sniff,
    stray_cell,
    too_many_rows,
)


@dataclass
class RawRow:
    number: int  # the row number the user sees in Excel (header = 1)
    cells: dict  # column key → JSON-safe value (str, int, float or None)


def header_map(header: list, *, letters: list[str]) -> dict[str, int]:
    """Map column keys to positions; every expected column present once, nothing else."""
    expected = {nfc(name).casefold(): key for key, name in COLUMNS}
    positions: dict[str, int] = {}
    errors = []
    for index, cell in enumerate(header):
        if is_blank(cell):
            continue
        key = expected.get(nfc(str(cell)).casefold())
        if key is None:
            errors.append(
                _("Column %(column)s (“%(header)s”) is not part of the template; remove it.")
                % {"column": letters[index], "header": nfc(str(cell))}
            )
        elif key in positions:
            errors.append(
                _("Column “%(header)s” appears twice (columns %(first)s and %(second)s).")
                % {
                    "header": HEADER[key],
                    "first": letters[positions[key]],
                    "second": letters[index],
                }
            )
        else:
            positions[key] = index
    missing = [HEADER[key] for key, _name in COLUMNS if key not in positions and key != "key"]
    if missing:
        errors.append(
            _(
                "The first row must hold the template's column headers; missing: %(columns)s. "
                "Download a fresh template and copy your figures into it."
            )
            % {"columns": ", ".join(f"“{name}”" for name in missing)}
        )
    if errors:
        raise ImportFileError(errors)
    return positions


def rows_from_table(
    table: Iterable[tuple[int, list]], *, letters_for: Callable[[int], list[str]]
) -> list[RawRow]:
    """Turn an iterator of (row number, values) with the header first into RawRows.

    The row limit counts rows as they are read, not as a sheet declares them. Blank rows are
    skipped but still counted against twice the limit: a million empty rows cost time too."""
    iterator = iter(table)
    try:
        _number, header = next(iterator)
    except StopIteration:
        raise ImportFileError(_("The file is empty.")) from None
    header = list(header)
    positions = header_map(header, letters=letters_for(len(header)))
    used = set(positions.values())
    rows: list[RawRow] = []
    limit = max_rows()
    for read, (number, values) in enumerate(iterator, start=1):
        if read > 2 * limit:
            raise too_many_rows()
        values = list(values)
        if all(is_blank(v) for v in values):
            continue
        stray = [i for i, v in enumerate(values) if i not in used and not is_blank(v)]
        if stray:
            raise stray_cell(number, stray[0] + 1)
        if len(rows) >= limit:
            raise too_many_rows()
        cells = {
            key: json_safe(values[index]) if index < len(values) else None
            for key, index in positions.items()
        }
        rows.append(RawRow(number=number, cells=cells))
    if not rows:
        raise ImportFileError(_("The file has no rows of figures under the header."))
    return rows


def read_xlsx(content: bytes) -> list[RawRow]:
    workbook = open_workbook(content)
    sheetnames = list(workbook.sheetnames)
    names = {nfc(name): name for name in sheetnames}
    if SHEET_NAME not in names:
        workbook.close()
        raise ImportFileError(
            _(
                "The workbook has no sheet named “%(sheet)s” (it has: %(sheets)s). Use the "
                "template downloaded from the portal."
            )
            % {"sheet": SHEET_NAME, "sheets": ", ".join(f"“{s}”" for s in sheetnames)}
        )
    rows, merged = read_sheet(
        workbook,
        workbook[names[SHEET_NAME]],
        lambda table: rows_from_table(table, letters_for=letters),
    )
    if merged:
        # Known only once the rows are read: the list comes after them in the sheet's XML.
        raise ImportFileError(
            _(
                "The sheet has merged cells (%(ranges)s). Unmerge them so each row has its "
                "own district, indicator and month."
            )
            % {"ranges": ", ".join(sorted(merged)[:5])}
        )
    return rows


def read_csv(content: bytes) -> list[RawRow]:
    table = csv_table(content)
    try:
        return rows_from_table(table, letters_for=letters)
    except csv.Error as error:
        raise csv_unreadable() from error


def read_upload(*, content: bytes) -> list[RawRow]:
    """Parse an uploaded file into raw rows, or raise ImportFileError with the reason."""
    if len(content) > max_bytes():
        raise ImportFileError(
            _("The file is larger than %(limit)s. Split it into smaller files.")
            % {"limit": size_text(max_bytes())}
        )
    kind = sniff(content)
    return read_xlsx(content) if kind == "xlsx" else read_csv(content)
