"""Settings for the test suite (pytest loads this module, see pyproject.toml).

The production settings, with the relaxations a local HTTP test run needs supplied as
environment defaults before they are read — so plain `pytest` works without scripts/test, and
anything exported in the shell (e.g. DATABASE_URL) still wins. Production never loads this.
"""

import os
import secrets

_TEST_ENVIRONMENT = {
    "DEBUG": "0",  # the suite checks what production serves (error pages, headers)
    # A fresh key per run: nothing signed in one run has to be readable in the next.
    "SECRET_KEY": f"test-only-{secrets.token_hex(16)}",
    # The test client and the live server speak plain HTTP.
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_COOKIES": "0",
    "SECURE_HSTS_SECONDS": "0",
    # The manifest storage needs collectstatic, which the suite never runs.
    "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
    # Playwright's sync API runs an event loop in the test's thread; Django would otherwise
    # refuse ORM calls from it (Django reads this variable at call time, not at startup).
    "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
    # Emails go to django.core.mail.outbox (pytest-django also sets this per test).
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "SITE_URL": "https://hoptac.example.vn",
}
for _name, _value in _TEST_ENVIRONMENT.items():
    os.environ.setdefault(_name, _value)

from cooperation.settings import *  # noqa: E402, F403
