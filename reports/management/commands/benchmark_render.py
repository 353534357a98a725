"""Time from a render request to the finished PDF: through the worker process
(``manage.py db_worker`` on the database queue, what the portal does), through a thread of
this process (what it did before), and inline in this process (the floor: the render alone).

    python manage.py benchmark_render [--runs 3] [--quarter 2024-Q3] [--interval 1]

Each run records a draft job of the provincial quarterly report as a leadership user and
waits for it to be done; the jobs and their files are deleted afterwards. Times are also
given as ratios to the inline floor of the same run, so numbers from a loaded machine can
still be compared. Needs the plan and demo data (load_plan, load_demo) and a database that
another process can open (a file or a server, not SQLite in memory)."""

import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from agreements.models import Agency, Membership
from agreements.selectors import current_plan
from reports.models import RenderJob
from reports.pdf_data import Kind
from reports.services_pdf import render_job_enqueue, render_job_run

FINISHED = (RenderJob.Status.DONE, RenderJob.Status.FAILED)


class Command(BaseCommand):
    help = "Time a PDF render request to done: worker process vs thread vs inline."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=3)
        parser.add_argument("--quarter", default="2024-Q3")
        parser.add_argument(
            "--interval", type=float, default=1, help="the worker's polling interval (s)"
        )

    def handle(self, *args, runs: int, quarter: str, interval: float, **options):
        if settings.TASKS["default"]["BACKEND"] != "django_tasks_db.DatabaseBackend":
            raise CommandError("The worker is timed on the database queue: unset TASKS_BACKEND.")
        if connection.vendor == "sqlite" and connection.is_in_memory_db():
            raise CommandError("The worker process cannot open an in-memory database.")
        plan = current_plan()
        leader = (
            Membership.objects.filter(role=Membership.Role.LEADERSHIP).select_related("user")
        ).first()
        police = Agency.objects.filter(kind=Agency.Kind.POLICE, org_unit=plan.org_unit).first()
        if plan is None or leader is None or police is None:
            raise CommandError("Load the plan and the demo first (load_plan, load_demo).")
        jobs: list[RenderJob] = []

        def new_job() -> RenderJob:
            job = RenderJob.objects.create(
                kind=Kind.PROVINCIAL,
                period=quarter,
                plan=plan,
                requested_by=leader.user,
                options={"issuer": str(police.pk), "narrative": "Đo thời gian."},
            )
            jobs.append(job)
            return job

        def wait_done(job: RenderJob) -> None:
            while RenderJob.objects.filter(pk=job.pk).exclude(status__in=FINISHED).exists():
                time.sleep(0.01)
            job.refresh_from_db()
            if job.status != RenderJob.Status.DONE:
                raise CommandError(f"job {job.pk} failed: {job.failure} {job.error}")

        def inline() -> None:
            render_job_run(job_id=new_job().pk)

        def in_thread() -> None:
            job = new_job()
            worker = threading.Thread(target=_render_then_close, args=(job.pk,), daemon=True)
            worker.start()
            wait_done(job)
            worker.join()

        def through_worker() -> None:
            job = new_job()
            render_job_enqueue(job_id=job.pk)
            wait_done(job)

        worker_process = None
        try:
            inline()  # warm-up: imports WeasyPrint, loads fonts (the worker does the same)
            floor = [self._time(inline) for _ in range(runs)]
            thread = [self._time(in_thread) for _ in range(runs)]
            worker_process = subprocess.Popen(  # noqa: S603 — our own interpreter and manage.py
                [
                    *(sys.executable, "manage.py", "db_worker", "--no-reload"),
                    *("--no-startup-delay", "--interval", str(interval), "-v", "0"),
                ],
                cwd=Path(settings.BASE_DIR),
                env={**os.environ, "TASKS_BACKEND": "django_tasks_db.DatabaseBackend"},
            )
            started = time.perf_counter()
            through_worker()  # warm-up: the worker starts, imports WeasyPrint, first render
            cold = time.perf_counter() - started
            worker = [self._time(through_worker) for _ in range(runs)]
        finally:
            if worker_process is not None:
                worker_process.terminate()
                worker_process.wait(timeout=60)
            for job in jobs:
                if job.draft_file:
                    job.draft_file.delete(save=False)
            RenderJob.objects.filter(pk__in=[job.pk for job in jobs]).delete()

        base = statistics.median(floor)
        self.stdout.write(
            f"provincial report {quarter}, request → PDF done, median of {runs} "
            f"(worker polls every {interval:g} s)"
        )
        for label, times in (
            ("inline (floor)", floor),
            ("thread of the web process (before)", thread),
            ("worker process (db_worker)", worker),
        ):
            median = statistics.median(times)
            runs_text = " ".join(f"{t:.2f}" for t in times)
            self.stdout.write(f"{label:<38}{median:>7.2f} s{median / base:>7.2f}×   [{runs_text}]")
        self.stdout.write(f"{'first job of a fresh worker (start-up)':<38}{cold:>7.2f} s")

    @staticmethod
    def _time(action) -> float:
        started = time.perf_counter()
        action()
        return time.perf_counter() - started


def _render_then_close(job_id) -> None:
    try:
        render_job_run(job_id=job_id)
    finally:
        connection.close()
