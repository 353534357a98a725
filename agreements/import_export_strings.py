"""django-import-export 4.4 ships no Vietnamese catalogue. Its admin pages look these msgids up
in Django's merged catalogue, so listing them here puts them into ours (makemessages extracts
gettext_noop) and the upload → preview → confirm pages read in Vietnamese. The msgids must stay
byte-for-byte those of import_export/templates/admin/import_export/*.html, forms.py, admin.py.
Never imported at run time."""

from django.utils.translation import gettext_noop

STRINGS = (
    gettext_noop("Import"),
    gettext_noop("Export"),
    gettext_noop("Confirm import"),
    gettext_noop(
        "Below is a preview of data to be imported. If you are satisfied with the results, "
        "click 'Confirm import'"
    ),
    gettext_noop("Line number"),
    gettext_noop("Some rows failed to validate"),
    gettext_noop(
        "Please correct these errors in your data where possible, then reupload it using the "
        "form above."
    ),
    gettext_noop("Non field specific"),
    gettext_noop("Preview"),
    gettext_noop("Update"),
    gettext_noop("This importer will import the following fields: "),
    gettext_noop("This exporter will export the following fields: "),
    gettext_noop("Resource"),
    gettext_noop("Format"),
    gettext_noop("File to import"),
    gettext_noop("Import finished: {} new, {} updated, {} deleted and {} skipped {}."),
    gettext_noop("Select all"),
    gettext_noop(
        "No valid data to import. Ensure your file has the correct headers or data for import."
    ),
    gettext_noop(
        "%(exc_name)s encountered while trying to read file. "
        "Ensure you have chosen the correct format for the file."
    ),
    gettext_noop('Select at least 1 field for "%(resource_name)s" to export'),
)
