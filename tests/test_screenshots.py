"""Screenshots of the main pages at 1366 px (an office screen) and 390 px (a phone), saved as
CI artefacts, with axe-core's serious and critical findings at zero and no page wider than
the screen.

The files go to ``artifacts/screenshots/`` (gitignored; ``SCREENSHOT_DIR`` overrides it),
named ``<page>-<width>.png``: login, home (officer and leadership), entry, inbox, review,
dashboard, PDF form, help."""

import datetime as dt
import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings as django_settings
from django.urls import reverse

from activities import services
from activities.models import MonthlyReport
from agreements.selectors import user_scope
from tests.conftest import login

pytestmark = pytest.mark.browser

WIDTHS = ((1366, 900), (390, 844))
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def _folder() -> Path:
    folder = Path(
        os.environ.get("SCREENSHOT_DIR") or django_settings.BASE_DIR / "artifacts" / "screenshots"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _month(world, month, patrol, *, sub=None, user=None):
    user = user or world.officer_a
    scope = user_scope(user)
    report = services.report_get_or_create(
        sub_agreement=sub or world.sub_a, month=month, scope=scope
    )
    return services.report_save_draft(
        report=report,
        user=user,
        scope=scope,
        version=report.version,
        values={
            world.patrol.pk: services.ValueInput(value=patrol),
            world.mediation.pk: services.ValueInput(value=2),
            world.vneid.pk: services.ValueInput(value=1000 + patrol),
            world.online.pk: services.ValueInput(numerator=400, denominator=560),
        },
    )


@pytest.fixture
def shown(world):
    """Months to show: approved history for both districts and a submitted March 2024 with an
    unusual figure, so the review page has its warning."""
    month = dt.date(2023, 6, 1)
    while month < world.month:
        for sub, user in ((world.sub_a, world.officer_a), (world.sub_b, world.officer_b)):
            report = _month(world, month, 9, sub=sub, user=user)
            MonthlyReport.objects.filter(pk=report.pk).update(
                status="approved",
                submitted_at=dt.datetime(month.year, month.month, 28, 3, 0, tzinfo=dt.UTC),
            )
        month = (month + dt.timedelta(days=32)).replace(day=1)
    march = _month(world, world.month, 40)
    services.report_save_draft(
        report=march,
        user=world.officer_a,
        scope=user_scope(world.officer_a),
        version=march.version,
        values={world.patrol.pk: services.ValueInput(value=40, comment="Cao điểm lễ hội.")},
    )
    march.refresh_from_db()
    services.report_submit(
        report=march,
        user=world.officer_a,
        scope=user_scope(world.officer_a),
        version=march.version,
    )
    world.march = march
    return world


def _pages(w):
    return [
        ("login", None, reverse("login")),
        ("home-officer", w.officer_a, "/"),
        ("entry", w.officer_a, reverse("activities:month_entry", args=[w.sub_a.pk, "2024-04"])),
        ("help", w.officer_a, reverse("help")),
        ("inbox", w.staff, reverse("activities:review_inbox")),
        ("review", w.staff, reverse("activities:report_detail", args=[w.march.pk])),
        ("home-leadership", w.leader, "/"),
        ("dashboard", w.leader, reverse("reports:province") + "?period=2024"),
        ("pdf-form", w.leader, reverse("pdf:index")),
    ]


def test_main_pages_screenshots_with_no_serious_axe_finding(browser, live_server, shown):
    folder = _folder()
    problems = []
    for width, height in WIDTHS:
        pages = {}
        for name, user, url in _pages(shown):
            key = user.username if user else ""
            if key not in pages:
                context = browser.new_context(
                    locale="vi-VN", viewport={"width": width, "height": height}
                )
                pages[key] = context.new_page()
                pages[key].set_default_timeout(15000)
                if user:
                    login(pages[key], live_server, user.username)
            page = pages[key]
            page.goto(live_server.url + url)
            page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
            if page.evaluate("document.documentElement.scrollWidth") > width:
                problems.append(f"{name} at {width}px is wider than the screen")
            results = Axe().run(page, options=AXE_OPTIONS)
            serious = [
                v for v in results.response["violations"] if v["impact"] in ("serious", "critical")
            ]
            if serious:
                problems.append(f"{name} at {width}px:\n{results.generate_report()}")
        for page in pages.values():
            page.context.close()
    assert not problems, "\n".join(problems)
    assert len(list(folder.glob("*-1366.png"))) >= 9 and len(list(folder.glob("*-390.png"))) >= 9
