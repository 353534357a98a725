"""Quick measure of the dashboards' selectors on the rollups against the raw values (the
path they replaced), at demo × factor units, in one rolled-back transaction.

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python manage.py migrate
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python scripts/rollups_measure.py 33

Prints, per selector, the median milliseconds and queries of both paths, checks they return
equal figures, and the province page's time, queries and HTML size."""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cooperation.settings")
os.environ.setdefault("SECRET_KEY", "measure")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from agreements.models import Membership  # noqa: E402
from agreements.selectors import user_scope  # noqa: E402
from core import calendar  # noqa: E402
from reports import selectors  # noqa: E402
from reports.benchmark import _DashboardBenchmark  # noqa: E402


class Rollback(Exception):
    pass


def timed(fn, runs=5):
    fn()
    times, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            result = fn()
            times.append((time.perf_counter() - start) * 1000)
        queries = len(captured)
    return statistics.median(times), queries, result


def main(factor: int) -> None:
    bench = _DashboardBenchmark(sys.stdout)
    from agreements.selectors import current_plan

    plan = current_plan()
    if plan is None:
        raise SystemExit("load the plan and demo first (manage.py load_plan, load_demo)")
    if factor > 1:
        bench._grow(plan, factor)
    print(bench._size(plan), "on", connection.vendor)
    user = get_user_model().objects.create(username="measure.rollups")
    Membership.objects.create(user=user, org_unit=plan.org_unit, role=Membership.Role.LEADERSHIP)
    scope = user_scope(user)
    period = calendar.period_parse("plan", plan=plan)
    common = {"plan": plan, "period": period, "scope": scope}
    checks = {
        "province_progress": lambda raw: selectors.province_progress(**common, raw=raw),
        "district_comparison": lambda raw: selectors.district_comparison(**common, raw=raw),
        "indicator_trends": lambda raw: selectors.indicator_trends(**common, raw=raw),
    }
    print(f"{'selector':22} {'raw ms':>8} {'q':>3} {'rollup ms':>10} {'q':>3} {'ratio':>6}")
    for name, fn in checks.items():
        raw_ms, raw_q, raw_result = timed(lambda fn=fn: fn(True))
        new_ms, new_q, new_result = timed(lambda fn=fn: fn(False))
        assert raw_result == new_result, f"{name}: rollups differ from the raw values"
        print(f"{name:22} {raw_ms:8.1f} {raw_q:3} {new_ms:10.1f} {new_q:3} {new_ms / raw_ms:6.2f}")
    with override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False):
        client = Client()
        client.force_login(user)
        for url in ("/progress/", "/progress/indicator/VNEID/"):
            ms, q, response = timed(lambda url=url: client.get(url), runs=3)
            assert response.status_code == 200, response.status_code
            print(
                f"page {url:30} {ms:8.1f} ms {q:3} queries {len(response.content) / 1024:8.1f} KB"
            )


if __name__ == "__main__":
    try:
        with transaction.atomic():
            main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
            raise Rollback
    except Rollback:
        print("(rolled back)")
