"""Messages of Django itself that its Vietnamese catalogue leaves untranslated (found by the
fuzz tests, e.g. a NUL byte typed into the password change form). Listing them here puts them
into our catalogue, which Django consults first (LOCALE_PATHS). The msgids must stay
byte-for-byte Django's. Never imported at run time."""

from django.utils.translation import gettext_noop

STRINGS = (
    # django.core.validators.ProhibitNullCharactersValidator, on every CharField.
    gettext_noop("Null characters are not allowed."),
)
