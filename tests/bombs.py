"""Hostile xlsx files built from the portal's own template, rewritten with zipfile.

Each is small on the wire (ZIP_DEFLATED packs a gigabyte of one repeated byte into about a
megabyte) and was, before activities/import_files.py, enough to exhaust a worker. Built in the
test, never stored; ``python manage.py benchmark bombs`` uses the same builders."""

import functools
import io
import re
import struct
import zipfile
from collections.abc import Callable, Iterator

from activities.spreadsheet import workbook_bytes

GIB = 1024**3
SHEET = "xl/worksheets/sheet1.xml"
_CHUNK = 1024 * 1024


@functools.cache
def template() -> bytes:
    """The template as the portal serves it (activities/spreadsheet.py), with two rows."""
    rows = [
        {
            "key": f"A|TUAN_TRA|2024-{month:02d}",
            "unit_code": "A",
            "unit_name": "Huyện Anh Sơn",
            "indicator_code": "TUAN_TRA",
            "indicator_name": "Ca tuần tra ban đêm",
            "measure": "ca",
            "month": f"{month:02d}/2024",
            "value": 5,
        }
        for month in (3, 4)
    ]
    return workbook_bytes(rows, title="Tệp mẫu")


def rewrite(replace: dict[str, Callable[[], Iterator[bytes]]], *, lie: dict | None = None) -> bytes:
    """The template with some parts replaced (or added) by streamed content."""
    source = zipfile.ZipFile(io.BytesIO(template()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        names = [info.filename for info in source.infolist()]
        for name in [*names, *(n for n in replace if n not in names)]:
            with target.open(name, "w") as stream:
                if name in replace:
                    for chunk in replace[name]():
                        stream.write(chunk)
                else:
                    stream.write(source.read(name))
    content = buffer.getvalue()
    for name, size in (lie or {}).items():
        content = _declare_size(content, name, size)
    return content


def _sheet_parts() -> tuple[bytes, bytes, bytes]:
    """The template's sheet XML split around its rows: (head, rows, tail)."""
    xml = zipfile.ZipFile(io.BytesIO(template())).read(SHEET)
    match = re.search(rb"(.*?<sheetData>)(.*)(</sheetData>.*)", xml, re.S)
    assert match, xml[:200]
    return match[1], match[2], match[3]


def _repeat(unit: bytes, total: int) -> Iterator[bytes]:
    block = unit * (_CHUNK // len(unit))
    written = 0
    while written + len(block) <= total:
        yield block
        written += len(block)
    yield unit * ((total - written) // len(unit))


def mimetype_bomb() -> bytes:
    """A 1 GiB "mimetype" part: _sniff used to read it whole to tell .xlsx from .ods."""

    def content():
        yield b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        yield from _repeat(b"\x00", GIB)

    return rewrite({"mimetype": content})


def rows_bomb(count: int = 41_000_000) -> bytes:
    """The template's rows followed by ``count`` empty rows (246 MB of ``<row/>``)."""
    head, rows, tail = _sheet_parts()

    def content():
        yield head + rows
        yield from _repeat(b"<row/>", 6 * count)
        yield tail

    return rewrite({SHEET: content})


def tag_bomb(size: int = GIB) -> bytes:
    """A sheet whose first element has a name ``size`` bytes long."""
    head, _rows, tail = _sheet_parts()

    def content():
        yield head + b"<"
        yield from _repeat(b"a", size)
        yield b"/>" + tail

    return rewrite({SHEET: content})


def lying_bomb() -> bytes:
    """200 MB of empty rows in a sheet whose zip directory declares 10 KB."""
    head, rows, tail = _sheet_parts()

    def content():
        yield head + rows
        yield from _repeat(b"<row/>", 200_000_000)
        yield tail

    return rewrite({SHEET: content}, lie={SHEET: 10_240})


def sheet_with(rows_xml: Callable[[], Iterator[bytes]]) -> bytes:
    """The template with its rows followed by ``rows_xml`` (for the limits below the zip's)."""
    head, rows, tail = _sheet_parts()

    def content():
        yield head + rows
        yield from rows_xml()
        yield tail

    return rewrite({SHEET: content})


def _declare_size(content: bytes, name: str, size: int) -> bytes:
    """Overwrite a part's uncompressed size in its local header and the central directory."""
    data = bytearray(content)
    encoded = name.encode()
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        name_at = 30 if signature == b"PK\x03\x04" else 46
        start = 0
        while (start := data.find(signature, start)) != -1:
            length = struct.unpack_from("<H", data, start + (26 if name_at == 30 else 28))[0]
            if bytes(data[start + name_at : start + name_at + length]) == encoded:
                struct.pack_into("<I", data, start + offset, size)
            start += 4
    return bytes(data)
