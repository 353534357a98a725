"""Reading uploaded spreadsheets (xlsx or csv) without letting the file decide how much
memory or time the server spends on it. Shared by the monthly import (activities) and the
plan set-up imports in the administration (agreements, through core/import_export.py).
how much memory or time the server spends on it.

An xlsx file is a zip of XML parts, so a 1 MB upload can unpack to gigabytes (a "zip bomb"),
hold millions of empty rows, or one XML tag a gigabyte long. Every limit here is checked before
the costly step it protects:

1. the zip's directory (``check_archive``): safe part names, number of parts, declared sizes
   and compression ratio — before anything is unpacked;
2. every XML part, unpacked as a stream (``_scan_member``): the bytes actually produced (never
   trusting the declared size), the longest run of text between two markup characters (the
   Python 3.11 expat parser re-scans an unfinished token on every chunk it is fed, so one huge
   tag or cell costs quadratic time) and the number of elements;
3. the sheet itself, parsed as a stream by ``_SheetReader`` (expat, one row in memory at a
   time): rows actually read — a sheet's declared dimension can lie —, cells per row, the
   column of each value and the length of each cell.

openpyxl (read-only) still reads the workbook's parts that are small by nature — sheet names,
shared strings, number formats —, once the scan has bounded them. Its read-only sheet reader is
not used for the rows: it pads every row to the widest column it has heard of (a single cell at
column XFD makes every row 16.384 cells) and fills gaps in the row numbers with empty rows."""

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import PurePosixPath
from xml.parsers import expat

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.cells import is_blank

DEFAULT_MAX_ROWS = 20_000
# The template's 20.000-row file unpacks to 12 MB; four times that is still a spreadsheet.
DEFAULT_MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
# Elements (counted as "<") in all XML parts together: the 20.000-row template has 1,4 M.
# Parsing costs Python time per element, so this bounds the parse at about two seconds.
DEFAULT_MAX_ELEMENTS = 3_000_000
# A workbook saved by Excel or LibreOffice has 10–30 parts; hundreds mean something else.
MAX_MEMBERS = 300
# Parts larger than RATIO_FLOOR may not unpack to more than MAX_RATIO times their packed size:
# real sheets compress 10–30×, a bomb of repeated bytes 1.000×.
MAX_RATIO = 100
RATIO_FLOOR = 1024 * 1024
# The longest run between two markup characters: a cell holds at most 32.767 characters
# (Excel's limit), at most 4 bytes each, escaped as entities at worst 6 — well under 1 MB.
MAX_TOKEN_BYTES = 1024 * 1024
# Cells: Excel's own limit on a cell's text, and a bound on the width of a row (the template
# has 11 columns; formatting can leave empty cells further right).
MAX_CELL_CHARS = 32_767
MAX_COLUMNS = 256
CHUNK_BYTES = 256 * 1024


def max_rows() -> int:
    return getattr(settings, "IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)


def max_bytes() -> int:
    return settings.MAX_UPLOAD_BYTES


def max_unzipped_bytes() -> int:
    return getattr(settings, "IMPORT_MAX_UNZIPPED_BYTES", DEFAULT_MAX_UNZIPPED_BYTES)


def max_elements() -> int:
    return getattr(settings, "IMPORT_MAX_ELEMENTS", DEFAULT_MAX_ELEMENTS)


def size_text(size: int) -> str:
    """5242880 → "5 MB", 4096 → "4 KB" (Vietnamese decimal comma)."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f}".removesuffix(".0").replace(".", ",") + " MB"
    return f"{max(size // 1024, 1)} KB"


def number_text(number: int) -> str:
    """20000 → "20.000"."""
    return f"{number:,}".replace(",", ".")


class ImportFileError(ValidationError):
    """The file as a whole cannot be imported (format, size, sheet, columns, scope)."""


def json_safe(value):
    if value is None or (isinstance(value, (int, float, str)) and not isinstance(value, bool)):
        return value
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def damaged() -> ImportFileError:
    return ImportFileError(_("The file is damaged and cannot be read. Save it again as .xlsx."))


def _too_big() -> ImportFileError:
    return ImportFileError(
        _(
            "The workbook unpacks to more than %(limit)s, far more than a sheet of figures "
            "needs. Split it into smaller files, or save it again as .xlsx."
        )
        % {"limit": size_text(max_unzipped_bytes())}
    )


def too_many_rows() -> ImportFileError:
    return ImportFileError(
        _("The file has more than %(limit)s rows. Split it into smaller files.")
        % {"limit": number_text(max_rows())}
    )


def not_a_spreadsheet() -> ImportFileError:
    return ImportFileError(
        _(
            "The file is packed in a way no spreadsheet program saves a workbook. Open it in "
            "Excel and save it again as .xlsx."
        )
    )


# --- The zip -------------------------------------------------------------------------------


def _unsafe_name(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return (
        not name
        or path.is_absolute()
        or ".." in path.parts
        or (len(name) > 1 and name[1] == ":")  # C:…
        or "\x00" in name
    )


def check_archive(content: bytes) -> zipfile.ZipFile:
    """Open a zip and check its directory before anything is unpacked: names, number of parts,
    declared sizes (each and in total) and compression ratios."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise damaged() from error
    if len(members) > MAX_MEMBERS:
        raise not_a_spreadsheet()
    names = [info.filename for info in members]
    if any(_unsafe_name(name) for name in names) or len(set(names)) != len(names):
        # Two parts with one name: the one checked might not be the one read.
        raise not_a_spreadsheet()
    limit = max_unzipped_bytes()
    if sum(info.file_size for info in members) > limit:
        raise _too_big()
    for info in members:
        if info.flag_bits & 0x1:  # encrypted: nothing of ours can read it
            raise damaged()
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise not_a_spreadsheet()
    return archive


def read_member(archive: zipfile.ZipFile, name: str, *, limit: int) -> bytes:
    """A part's bytes, reading at most ``limit`` + 1 of them whatever its declared size."""
    try:
        with archive.open(name) as stream:
            data = stream.read(limit + 1)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as error:
        raise damaged() from error
    if len(data) > limit:
        raise not_a_spreadsheet()
    return data


_MARKUP = re.compile(rb"[<>]")
_LONG_RUN = re.compile(rb"[^<>]{%d}" % MAX_TOKEN_BYTES)
_XML_PART = (".xml", ".rels", ".vml")


def scan_archive(archive: zipfile.ZipFile) -> None:
    """Unpack every part as a stream and check what it really holds (see the module's doc)."""
    budget = max_unzipped_bytes()
    elements = 0
    for info in archive.infolist():
        produced, counted = _scan_member(
            archive, info, budget=budget, elements=max_elements() - elements
        )
        budget -= produced
        elements += counted


def _scan_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, budget: int, elements: int
) -> tuple[int, int]:
    xml = info.filename.lower().endswith(_XML_PART)
    produced = counted = run = 0
    tail = b""
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(CHUNK_BYTES):
                produced += len(chunk)
                # zipfile stops at the declared size, but a bound of our own costs nothing.
                if produced > min(budget, info.file_size):
                    raise _too_big()
                if not xml:
                    continue
                counted += chunk.count(b"<")
                if counted > elements:
                    raise _too_big()
                # Entity declarations are how an XML file expands itself; no workbook uses
                # them. The tail catches a declaration split between two chunks.
                if b"<!ENTITY" in tail + chunk[:16] or b"<!ENTITY" in chunk:
                    raise not_a_spreadsheet()
                tail = chunk[-16:]
                first = _MARKUP.search(chunk)
                if first is None:
                    run += len(chunk)
                else:
                    if run + first.start() > MAX_TOKEN_BYTES or _LONG_RUN.search(chunk):
                        raise _too_long()
                    run = len(chunk) - 1 - max(chunk.rfind(b"<"), chunk.rfind(b">"))
                if run > MAX_TOKEN_BYTES:
                    raise _too_long()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as error:
        # BadZipFile includes a CRC mismatch: the part is not what the directory says.
        raise damaged() from error
    return produced, counted


def _too_long() -> ImportFileError:
    return ImportFileError(
        _(
            "The file contains a cell or a piece of markup longer than %(limit)s; a cell holds "
            "at most 32.767 characters. Open it in Excel and save it again as .xlsx."
        )
        % {"limit": size_text(MAX_TOKEN_BYTES)}
    )


# --- Kind of file --------------------------------------------------------------------------


def sniff(content: bytes) -> str:
    """'xlsx' or 'csv', judged by the bytes, never by the file name. An xlsx file leaves here
    with its zip checked (``check_archive``, ``scan_archive``)."""
    if not content:
        raise ImportFileError(_("The file is empty."))
    if content.startswith(b"PK\x03\x04"):
        archive = check_archive(content)
        names = set(archive.namelist())
        # Bounded: a 1 GiB "mimetype" part once took 3 GB of memory to be read whole.
        mimetype = read_member(archive, "mimetype", limit=200) if "mimetype" in names else b""
        if mimetype.startswith(b"application/vnd.oasis.opendocument"):
            raise ImportFileError(
                _(
                    "This is an OpenDocument (.ods) file. Open it and save it as Excel "
                    "workbook (.xlsx), then upload it again."
                )
            )
        if "xl/workbook.xml" not in names:
            raise ImportFileError(
                _("This file is not a spreadsheet. Upload the template as .xlsx or .csv.")
            )
        scan_archive(archive)
        return "xlsx"
    if content.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise ImportFileError(
            _(
                "This is an old Excel 97–2003 (.xls) file. Open it in Excel and save it as "
                "Excel workbook (.xlsx), then upload it again."
            )
        )
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(
            _("This text file is in UTF-16. Save it as “CSV UTF-8” and upload it again.")
        )
    # Anywhere in the file, not only at its start: a NUL deep in a CSV reached the preview's
    # JSON column, which PostgreSQL refuses (a 500).
    if b"\x00" in content:
        raise ImportFileError(
            _("This file is not a spreadsheet. Upload the template as .xlsx or .csv.")
        )
    return "csv"


# --- Rows ----------------------------------------------------------------------------------


def stray_cell(number: int, column: int) -> ImportFileError:
    return ImportFileError(
        _(
            "Row %(row)s has data in column %(column)s, which has no header in the "
            "template. Remove extra columns and try again."
        )
        % {"row": number, "column": column_letter(column)}
    )


def column_letter(number: int) -> str:
    """1 → A, 28 → AB."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def letters(count: int) -> list[str]:
    return [column_letter(i + 1) for i in range(max(count, 1))]


_CELL_REF = re.compile(r"([A-Z]{1,3})(\d+)")


def _column_number(ref: str) -> int:
    match = _CELL_REF.fullmatch(ref.upper())
    if match is None:
        raise damaged()
    number = 0
    for char in match[1]:
        number = number * 26 + ord(char) - 64
    return number


class _SheetReader:
    """A worksheet's rows from its XML as a stream: only the row being read is in memory, each
    row holds only the cells the file really has, and a value further right than MAX_COLUMNS
    is refused as soon as it is read rather than padded out to its column."""

    def __init__(
        self, *, shared_strings: list, date_styles: set, timedelta_styles: set, epoch
    ) -> None:
        self.shared_strings = shared_strings
        self.date_styles = date_styles
        self.timedelta_styles = timedelta_styles
        self.epoch = epoch
        self.merged: list[str] = []
        self._done: list[tuple[int, list]] = []
        self._row_number = 0
        self._row: dict[int, object] | None = None
        self._cells_in_row = 0
        self._column = 0
        self._type = "n"
        self._style = 0
        self._text: list[str] = []
        self._text_length = 0
        self._collect = False
        self._in_inline = False
        self._phonetic = 0

    def rows(self, stream) -> Iterator[tuple[int, list]]:
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = True
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._characters
        parser.StartDoctypeDeclHandler = self._doctype
        try:
            while chunk := stream.read(CHUNK_BYTES):
                parser.Parse(chunk, False)
                yield from self._done
                self._done.clear()
            parser.Parse(b"", True)
        except expat.ExpatError as error:
            raise damaged() from error
        yield from self._done
        self._done.clear()

    def _doctype(self, *args) -> None:
        raise not_a_spreadsheet()

    def _start(self, name: str, attrs: dict) -> None:
        tag = name[name.rfind(" ") + 1 :]
        if tag == "c" and self._row is not None:
            self._cells_in_row += 1
            if self._cells_in_row > MAX_COLUMNS:
                raise ImportFileError(
                    _(
                        "Row %(row)s has more than %(limit)s cells. Remove the extra columns "
                        "and try again."
                    )
                    % {"row": self._row_number, "limit": MAX_COLUMNS}
                )
            ref = attrs.get("r")
            self._column = _column_number(ref) if ref else self._column + 1
            self._type = attrs.get("t", "n")
            try:
                self._style = int(attrs.get("s", 0))
            except ValueError:
                raise damaged() from None
            self._text = []
            self._text_length = 0
        elif tag == "v":
            self._collect = True
        elif tag == "is":
            self._in_inline = True
        elif tag == "t" and self._in_inline and not self._phonetic:
            self._collect = True
        elif tag == "rPh":
            self._phonetic += 1
        elif tag == "row":
            try:
                self._row_number = int(attrs.get("r") or self._row_number + 1)
            except ValueError:
                raise damaged() from None
            self._row = {}
            self._cells_in_row = 0
            self._column = 0
        elif tag == "mergeCell":
            self.merged.append(str(attrs.get("ref", "")))

    def _characters(self, data: str) -> None:
        if self._collect:
            self._text_length += len(data)
            if self._text_length > MAX_CELL_CHARS:
                raise ImportFileError(
                    _(
                        "Row %(row)s has a cell longer than %(limit)s characters, more than "
                        "Excel allows."
                    )
                    % {"row": self._row_number, "limit": number_text(MAX_CELL_CHARS)}
                )
            self._text.append(data)

    def _end(self, name: str) -> None:
        tag = name[name.rfind(" ") + 1 :]
        if tag in ("v", "t"):
            self._collect = False
        elif tag == "is":
            self._in_inline = False
        elif tag == "rPh":
            self._phonetic -= 1
        elif tag == "c" and self._row is not None:
            value = self._value("".join(self._text))
            if not is_blank(value):
                if self._column > MAX_COLUMNS:
                    raise stray_cell(self._row_number, self._column)
                self._row[self._column] = value
        elif tag == "row" and self._row is not None:
            values: list = [None] * max(self._row, default=0)
            for column, value in self._row.items():
                values[column - 1] = value
            self._done.append((self._row_number, values))
            self._row = None

    def _value(self, text: str):
        kind = self._type
        if kind == "s":
            try:
                return self.shared_strings[int(text)]
            except (ValueError, IndexError):
                raise damaged() from None
        if kind in ("inlineStr", "str", "e"):
            return text
        if kind == "b":
            return text.strip() == "1"
        if not text:
            return None
        if kind == "d":
            try:
                return dt.datetime.fromisoformat(text)
            except ValueError:
                return text
        try:
            number = float(text) if any(c in text for c in ".eE") else int(text)
        except ValueError:
            return text
        if self._style in self.date_styles or self._style in self.timedelta_styles:
            from openpyxl.utils.datetime import from_excel

            try:
                return from_excel(number, self.epoch, self._style in self.timedelta_styles)
            except (ValueError, OverflowError):
                return number
        return number


def open_workbook(content: bytes):
    from openpyxl import load_workbook

    try:
        # read_only: openpyxl reads names, shared strings and styles, never the sheets.
        # data_only: a cell with a formula is read as the value Excel last computed for it.
        return load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        raise damaged() from error


def read_sheet(workbook, sheet, consume: Callable[[Iterator[tuple[int, list]]], object]):
    """``consume(rows)`` on the sheet's rows read by ``_SheetReader``; returns its result and
    the sheet's merged ranges. Closes the workbook."""
    try:
        if sheet is None:
            raise damaged()
        reader = _SheetReader(
            shared_strings=workbook.shared_strings,
            date_styles=workbook._date_formats,
            timedelta_styles=workbook._timedelta_formats,
            epoch=workbook.epoch,
        )
        # The sheet's part, found by openpyxl from the workbook's relations; read by us.
        with workbook._archive.open(sheet._worksheet_path) as stream:
            result = consume(reader.rows(stream))
        return result, reader.merged
    except ValidationError:
        raise
    except Exception as error:  # zlib, zipfile or a malformed number deep in the sheet
        raise damaged() from error
    finally:
        workbook.close()


def read_xlsx_table(content: bytes) -> tuple[list, list[list]]:
    """The active sheet as (header, rows) for django-import-export, within the same limits:
    checks the zip, streams the rows, pads each to the header's width and refuses values
    outside it. Gaps in the row numbers become empty rows, so that a dataset's index is still
    Excel's row number minus one."""
    if len(content) > max_bytes():
        raise ImportFileError(
            _("The file is larger than %(limit)s. Split it into smaller files.")
            % {"limit": size_text(max_bytes())}
        )
    if not content.startswith(b"PK\x03\x04"):
        raise damaged()
    scan_archive(check_archive(content))
    workbook = open_workbook(content)

    def consume(table: Iterator[tuple[int, list]]) -> tuple[list, list[list]]:
        header: list | None = None
        rows: list[list] = []
        last = 1
        for read_count, (number, values) in enumerate(table, start=1):
            if header is None:
                header, last = values, number
                continue
            if read_count > 2 * max_rows() or number - last > 2 * max_rows():
                raise too_many_rows()
            width = len(header)
            for index, value in enumerate(values[width:], start=width + 1):
                if not is_blank(value):
                    raise stray_cell(number, index)
            rows.extend([None] * width for _gap in range(number - last - 1))
            rows.append((values + [None] * width)[:width])
            last = number
            if len(rows) > max_rows():
                raise too_many_rows()
        if header is None:
            raise ImportFileError(_("The file is empty."))
        return header, rows

    (header, rows), _merged = read_sheet(workbook, workbook.active, consume)
    return header, rows


# --- CSV -------------------------------------------------------------------------------------


def csv_table(content: bytes) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) of a CSV upload, the header first. UTF-8 (with or without a BOM)
    only; the delimiter is a comma, or a semicolon when the first line has more of them (Excel
    in a locale with a decimal comma). Reading raises csv.Error on a broken file: callers turn
    it into ``csv_unreadable()``."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            _(
                "The file is not a spreadsheet in UTF-8. In Excel choose “Save as” → “CSV "
                "UTF-8”, or upload the .xlsx file."
            )
        ) from error
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    return ((number, values) for number, values in enumerate(reader, start=1))


def csv_unreadable() -> ImportFileError:
    # Not the csv module's own text: it is English ("field larger than field limit").
    return ImportFileError(
        _(
            "The file is not a readable CSV file: a cell is far too long, or a quotation "
            "mark is not closed. Save it again as “CSV UTF-8”, or upload the .xlsx file."
        )
    )
