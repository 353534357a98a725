"""django-import-export's file formats for the administration's imports, within the same
limits as the monthly import (activities/import_files.py).

Its own XLSX format opens any upload with openpyxl (read-only, but without a bound on the zip,
the rows or the row widths) and its CSV format takes a file of any size; a bomb uploaded as
targets or indicators would exhaust the server as the monthly import once could."""

import tablib
from django.utils.translation import gettext as _
from import_export.formats.base_formats import CSV, XLSX

from activities.import_files import ImportFileError, max_bytes, read_xlsx_table, size_text


class SafeXLSX(XLSX):
    def create_dataset(self, in_stream):
        header, rows = read_xlsx_table(bytes(in_stream))
        dataset = tablib.Dataset(headers=header)
        for values in rows:
            dataset.append(values)
        return dataset


class SafeCSV(CSV):
    def create_dataset(self, in_stream):
        if len(in_stream) > max_bytes():
            raise ImportFileError(
                _("The file is larger than %(limit)s. Split it into smaller files.")
                % {"limit": size_text(max_bytes())}
            )
        return super().create_dataset(in_stream)


def read_error_message(error: Exception) -> str | None:
    """The Vietnamese reason for a file refused by our limits, None for other errors (the
    admin then shows django-import-export's own message)."""
    if isinstance(error, ImportFileError):
        return " ".join(error.messages)
    return None
