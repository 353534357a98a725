"""django-import-export pieces every resource of the portal shares: file formats within the
limits of core/workbook.py, spreadsheet-safe export, and one query to find existing rows.

django-import-export's own XLSX format opens any upload with openpyxl (read-only, but without
a bound on the zip, the rows or the row widths) and its CSV format takes a file of any size;
a bomb uploaded as targets or indicators would exhaust the server as the monthly import once
could."""

import tablib
from django.utils.translation import gettext as _
from import_export import widgets
from import_export.formats.base_formats import CSV, XLSX
from import_export.instance_loaders import BaseInstanceLoader

from core.cells import neutralise
from core.workbook import ImportFileError, max_bytes, read_xlsx_table, size_text


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


class FormulaSafeExportMixin:
    """Text cells that a spreadsheet would run as a formula get the leading apostrophe of
    ``core.cells.neutralise``; numbers stay numbers. (django-import-export's own
    IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT strips only "=" and turns numbers into text.)"""

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        if isinstance(field.widget, widgets.NumberWidget):
            return value
        return neutralise(value)


class PreloadedInstanceLoader(BaseInstanceLoader):
    """Finds the existing row for each imported row by its natural key (``import_id_fields``)
    in one query for the whole file instead of one per row. Meant for set-up tables of a few
    thousand rows at most."""

    def get_instance(self, row):
        if not hasattr(self, "_by_key"):
            self._by_key = {self._key(instance): instance for instance in self._all()}
        return self._by_key.get(tuple(field.clean(row) for field in self._id_fields()))

    def _id_fields(self):
        return [self.resource.fields[name] for name in self.resource.get_import_id_fields()]

    def _all(self):
        return self.resource.get_queryset()

    def _key(self, instance) -> tuple:
        return tuple(field.get_value(instance) for field in self._id_fields())
