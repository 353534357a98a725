"""Messages of Django itself that its Vietnamese catalogue leaves untranslated (found by the
fuzz tests, e.g. a NUL byte typed into the password change form). Listing them here puts them
into our catalogue, which Django consults first (LOCALE_PATHS). The msgids must stay
byte-for-byte Django's. Never imported at run time."""

from django.utils.translation import gettext_noop

STRINGS = (
    # django.core.validators.ProhibitNullCharactersValidator, on every CharField.
    gettext_noop("Null characters are not allowed."),
    # django-axes' models and fields as the administration lists them (axes has no
    # Vietnamese catalogue).
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Logout Time"),
    gettext_noop("Expires At"),
    # The admin's list filter (Django 5.0), missing from Django's Vietnamese catalogue.
    gettext_noop("Show counts"),
    gettext_noop("Hide counts"),
    # django-tasks-db's result model.
    gettext_noop("Task Result"),
    gettext_noop("Task Results"),
    gettext_noop("enqueued at"),
    gettext_noop("started at"),
    gettext_noop("finished at"),
    gettext_noop("priority"),
    gettext_noop("task path"),
    gettext_noop("queue name"),
    gettext_noop("backend name"),
    gettext_noop("run after"),
    gettext_noop("return value"),
    gettext_noop("exception class path"),
    gettext_noop("traceback"),
)
