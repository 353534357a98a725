"""Settings for the test suite (pytest loads this module, see pyproject.toml).

The production settings, with the relaxations a local HTTP test run needs supplied as
environment defaults before they are read — so plain `pytest` works without scripts/test, and
anything exported in the shell (e.g. DATABASE_URL) still wins. Production never loads this.
"""

import os
import secrets
import tempfile

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
    # Tasks run at once, in the caller's thread, when enqueued (on commit of the render job):
    # tests see the finished job right after the request. tests/test_pdf_worker.py runs the
    # real `manage.py db_worker` against the database backend.
    "TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
    # Emails go to django.core.mail.outbox (pytest-django also sets this per test).
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "SITE_URL": "https://hoptac.example.vn",
}
for _name, _value in _TEST_ENVIRONMENT.items():
    os.environ.setdefault(_name, _value)

from cooperation.settings import *  # noqa: E402, F403

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not SQLite's shared in-memory database: a worker process started by a test
    # (tests/test_pdf_worker.py) must open the same test database. One file per run.
    DATABASES["default"].setdefault("TEST", {}).setdefault(  # noqa: F405
        "NAME", os.path.join(tempfile.gettempdir(), f"hoptac-test-{secrets.token_hex(6)}.sqlite3")
    )

# Test-only hook: seconds a render task waits after claiming its job, so a test can kill the
# worker mid-render (tests/test_pdf_worker.py sets it in the worker's environment). Production
# settings do not define it.
PDF_RENDER_TEST_DELAY = float(os.environ.get("PDF_RENDER_TEST_DELAY", "0"))
