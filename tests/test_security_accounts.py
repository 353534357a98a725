"""Accounts and deployment settings: login throttling, password strength, session expiry,
logout everywhere on password change, `check --deploy`, CSP and no inline script or style."""

import datetime as dt
import os
import re
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from activities.models import MonthlyReport
from audit.models import AuditEvent
from tests import factories as f

BASE_DIR = Path(__file__).resolve().parent.parent


def _login(client, username, password=f.PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


# --- Login throttling (django-axes) --------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_with_a_vietnamese_page(world, client, settings):
    settings.AXES_ENABLED = True
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _login(client, "doan.a", "sai-mật-khẩu")
        assert response.status_code == 200
        assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()
    response = _login(client, "doan.a", "sai-mật-khẩu")
    assert response.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in response.content.decode()
    # Even the right password is refused while locked.
    response = _login(client, "doan.a")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another user from the same address is not locked out (username + IP pairs).
    response = _login(client, "doan.b")
    assert response.status_code == 302


# --- Passwords ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "weak", ["12345678901234", "matkhau", "password123", "doan.a.2024", "qwertyuiop"]
)
def test_weak_passwords_are_refused_in_vietnamese(world, weak):
    with translation.override("vi"):
        with pytest.raises(ValidationError) as refused:
            validate_password(weak, user=world.officer_a)
        text = " ".join(refused.value.messages)
    assert "password" not in text.lower(), text
    assert re.search(r"[ạảãàáâậầấẩẫăắằặẳẵóòọõỏôộổỗồốơờớợởỡéèẻẹẽêếềệểễ]", text), text


def test_strong_password_is_accepted(world):
    validate_password("Trăng-sáng-sông-Lam-2025", user=world.officer_a)


def test_changing_the_password_logs_out_every_other_session(world, client, django_user_model):
    from django.test import Client

    laptop, phone = client, Client()
    for device in (laptop, phone):
        assert _login(device, "doan.a").status_code == 302
        assert device.get(reverse("home")).status_code == 200
    response = laptop.post(
        reverse("password_change"),
        {
            "old_password": f.PASSWORD,
            "new_password1": "Trăng-sáng-sông-Lam-2025",
            "new_password2": "Trăng-sáng-sông-Lam-2025",
        },
    )
    assert response.status_code == 302
    # The session that changed it stays signed in; the other one is sent to the login page.
    assert laptop.get(reverse("home")).status_code == 200
    response = phone.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_weak_new_password_is_refused_on_the_change_form(world, client):
    client.force_login(world.officer_a)
    response = client.post(
        reverse("password_change"),
        {"old_password": f.PASSWORD, "new_password1": "12345", "new_password2": "12345"},
    )
    assert response.status_code == 200
    assert "Mật khẩu quá ngắn" in response.content.decode()


# --- Sessions -------------------------------------------------------------------------------


def test_session_ends_after_inactivity_and_activity_renews_it(world, client, settings):
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600
    assert settings.SESSION_REFRESH_SECONDS < settings.SESSION_COOKIE_AGE / 4
    assert _login(client, "doan.a").status_code == 302
    key = client.session.session_key
    # Activity pushes the expiry forward…
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + dt.timedelta(minutes=5))
    assert client.get(reverse("home")).status_code == 200
    renewed = Session.objects.get(pk=key).expire_date
    assert renewed > timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    # …and an idle session that ran out sends the user back to the login page.
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_read_within_the_refresh_window_does_not_write_the_session(world, client, settings):
    assert not settings.SESSION_SAVE_EVERY_REQUEST
    assert _login(client, "doan.a").status_code == 302
    key = client.session.session_key
    assert client.get(reverse("home")).status_code == 200  # refreshes: first since login
    marker = timezone.now() + dt.timedelta(minutes=30)
    Session.objects.filter(pk=key).update(expire_date=marker)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    assert Session.objects.get(pk=key).expire_date == marker  # not saved again
    assert not [q for q in queries if "django_session" in q["sql"] and "SELECT" not in q["sql"]]
    # After the window, activity renews the session again.
    later = timezone.now() + dt.timedelta(seconds=settings.SESSION_REFRESH_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        assert client.get(reverse("home")).status_code == 200
    assert Session.objects.get(pk=key).expire_date > marker


# --- Production settings --------------------------------------------------------------------


def _production_env(**extra) -> dict:
    # Only what production sets: none of the relaxations scripts/test exports.
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(BASE_DIR)),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "hoptac.example.vn",
        # check --deploy does not open the database; any URL of the right shape will do.
        "DATABASE_URL": f"sqlite:///{tempfile.gettempdir()}/hoptac-check-deploy.sqlite3",
    }
    env.update(extra)
    return env


def test_check_deploy_is_clean_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = _production_env()
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_settings_values():
    code = (
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_HSTS_SECONDS, s.X_FRAME_OPTIONS, s.SECURE_REFERRER_POLICY,"
        " s.SECURE_PROXY_SSL_HEADER)"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=BASE_DIR,
        env=_production_env(DJANGO_SETTINGS_MODULE="cooperation.settings"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "True",
        "True",
        "True",
        "31536000",
        "DENY",
        "same-origin",
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
    ]


# --- Headers and templates ------------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTR = re.compile(r"""\sstyle\s*=""", re.IGNORECASE)
STYLE_TAG = re.compile(r"<style[\s>]", re.IGNORECASE)
EVENT_ATTR = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.IGNORECASE)


def _main_pages(world) -> list[tuple[object, str]]:
    report = f.MonthlyReportFactory(
        sub_agreement=world.sub_a, month=world.month, status=MonthlyReport.Status.SUBMITTED
    )
    AuditEvent.objects.create(
        actor=world.officer_a,
        action="submit",
        object_type="monthly_report",
        object_id=str(report.pk),
        version=1,
    )
    month = world.month.strftime("%Y-%m")
    return [
        (None, reverse("login")),
        (world.officer_a, reverse("home")),
        (world.officer_a, reverse("activities:month_list", args=[world.sub_a.pk])),
        (world.officer_a, reverse("activities:month_entry", args=[world.sub_a.pk, "2024-04"])),
        (world.officer_a, reverse("activities:month_entry", args=[world.sub_a.pk, month])),
        (world.officer_a, reverse("password_change")),
        (world.staff, reverse("home")),
        (world.staff, reverse("activities:review_inbox")),
        (world.staff, reverse("activities:report_detail", args=[report.pk])),
        (world.staff, reverse("audit:list")),
        (world.staff, reverse("audit:user", args=[world.officer_a.pk])),
        (world.leader, reverse("home")),
    ]


def test_pages_have_no_inline_script_or_style_and_send_a_csp(world, client):
    for user, url in _main_pages(world):
        client.logout()
        if user:
            client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), f"inline <script> on {url}"
        assert not STYLE_ATTR.search(html), f"style= attribute on {url}"
        assert not STYLE_TAG.search(html), f"<style> element on {url}"
        assert not EVENT_ATTR.search(html), f"on…= event handler on {url}"
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
        assert "frame-ancestors 'none'" in policy
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"


def test_templates_on_disk_have_no_inline_script_or_style():
    """Also the templates no test renders (error pages, partials)."""
    offenders = []
    for path in (BASE_DIR / "templates").rglob("*.html"):
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, STYLE_ATTR, STYLE_TAG, EVENT_ATTR):
            if pattern.search(text):
                offenders.append(f"{path.relative_to(BASE_DIR)}: {pattern.pattern}")
    assert not offenders, offenders


def test_gunicorn_config_reads_workers_from_the_environment():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import runpy; c = runpy.run_path('gunicorn.conf.py');"
            "print(c['workers'], c['max_requests'] > 0, c['timeout'], c['bind'])",
        ],
        cwd=BASE_DIR,
        env={**os.environ, "WEB_CONCURRENCY": "3", "GUNICORN_TIMEOUT": "45"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["3", "True", "45", "127.0.0.1:8000"]


def test_every_environment_variable_is_documented_in_the_deploy_guide():
    guide = (BASE_DIR / "docs" / "deploy.md").read_text()
    settings_text = (BASE_DIR / "cooperation" / "settings.py").read_text()
    gunicorn_text = (BASE_DIR / "gunicorn.conf.py").read_text()
    names = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', settings_text))
    names |= set(re.findall(r'(?:environ\.get|_int)\(\s*"([A-Z_]+)"', gunicorn_text))
    assert {"SECRET_KEY", "DATABASE_URL", "STATICFILES_BACKEND", "WEB_CONCURRENCY"} <= names
    missing = sorted(name for name in names if f"`{name}`" not in guide)
    assert not missing, f"add these to the table in docs/deploy.md: {missing}"
