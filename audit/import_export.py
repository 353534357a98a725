"""An audit trail for django-import-export resources: every row an import creates or
changes leaves an AuditEvent, like a change made through the admin form."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export.results import RowResult

from audit.models import AuditEvent
from audit.services import audit_record_change, model_snapshot
from core.text import nfc


class AuditedImportMixin:
    """Each row an import creates or changes leaves an AuditEvent with the fields before and
    after, like a change made through the admin form. Validation errors in any row roll the
    whole import back (django-import-export otherwise commits the valid rows)."""

    def import_data(self, dataset, **kwargs):
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, **kwargs)

    def before_import(self, dataset, **kwargs):
        # Headers typed in decomposed Vietnamese (NFD) or with stray spaces still match.
        if dataset.headers:
            dataset.headers = [nfc(str(header or "")).strip() for header in dataset.headers]
        super().before_import(dataset, **kwargs)
        self._first_row_of_key: dict[tuple, int] = {}

    def import_row(self, row, instance_loader, **kwargs):
        # Excel often keeps empty rows below the data; skip them rather than report every cell
        # as missing. (IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES would drop them before numbering,
        # so the row numbers in our messages would no longer be Excel's.)
        if all(value is None or not str(value).strip() for value in row.values()):
            row_result = self.get_row_result_class()()
            row_result.import_type = RowResult.IMPORT_TYPE_SKIP
            return row_result
        return super().import_row(row, instance_loader, **kwargs)

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        # The number Excel shows in its margin: the header is row 1.
        self._sheet_row = kwargs.get("row_number", 0) + 1

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        # The preview's "Row" column counts data rows from 1; show the row Excel shows, as the
        # messages do, and the cells as typed (not 2024 localised to "2.024").
        for invalid_row in result.invalid_rows:
            invalid_row.number += 1
            invalid_row.values = tuple("" if v is None else str(v) for v in invalid_row.values)

    def after_init_instance(self, instance, new, row, **kwargs):
        super().after_init_instance(instance, new, row, **kwargs)
        self._before = {} if new else model_snapshot(instance)

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        if kwargs.get("dry_run") or kwargs.get("user") is None:
            return
        audit_record_change(
            user=kwargs["user"],
            obj=instance,
            before=self._before,
            action=AuditEvent.Action.IMPORT,
            reason=_("Imported from the file “%(name)s”, row %(row)s.")
            % {"name": kwargs.get("file_name") or "", "row": self._sheet_row},
        )

    def import_instance(self, instance, row, **kwargs):
        # Our rules run here rather than in validate_instance so that a row breaking them is
        # never quietly "skipped as unchanged" (skip_row looks only at these errors).
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for key, error in self.row_errors(instance, exclude=set(errors)).items():
            errors.setdefault(key, []).append(error)
        id_fields = [self.fields[name] for name in self.get_import_id_fields()]
        if not any(field.attribute in errors for field in id_fields):
            # A second row with the same key would silently overwrite the first.
            key = tuple(field.get_value(instance) for field in id_fields)
            first = self._first_row_of_key.setdefault(key, self._sheet_row)
            if first != self._sheet_row:
                errors.setdefault(id_fields[-1].attribute, []).append(
                    ValidationError(
                        _("Row %(row)s has the same %(columns)s.")
                        % {
                            "row": first,
                            "columns": ", ".join(f"«{field.column_name}»" for field in id_fields),
                        }
                    )
                )
        if errors:
            raise ValidationError(errors)

    # Foreign keys our widgets have just read from the database in this transaction:
    # full_clean would query each of them again, for every row.
    trusted_fields: frozenset[str] = frozenset()

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """Errors are keyed by the column header the user sees and name the row."""
        errors = dict(import_validation_errors or {})
        try:
            if self._meta.clean_model_instances:
                try:
                    instance.full_clean(
                        exclude=set(errors) | self.trusted_fields, validate_unique=validate_unique
                    )
                except ValidationError as error:
                    errors = error.update_error_dict(errors)
            if errors:
                raise ValidationError(errors)
        except ValidationError as error:
            headers = {field.attribute: field.column_name for field in self.get_import_fields()}
            prefix = _("Row %(row)s: ") % {"row": self._sheet_row}
            raise ValidationError(
                {
                    headers.get(key, key): [prefix + message for message in messages]
                    for key, messages in error.message_dict.items()
                }
            ) from error

    def row_errors(self, instance, *, exclude: set[str]) -> dict:
        """Rules beyond the model's own, as {attribute: ValidationError}."""
        return {}
