"""PDFs render in a worker process, and a job whose worker died is never left "running".

The first part runs tasks with the suite's immediate backend and fakes dead workers by their
process names (core.processes). The second part starts the real `manage.py db_worker` as a
subprocess on the database backend, against the test database (a file on SQLite, the
`test_…` database on PostgreSQL), renders through it, then kills it with SIGKILL mid-render.

The worker subprocess is not pinned to the suite's "today" (time-machine patches this
process only): nothing here depends on the date — the worker's clock decides no expiry
(a starting worker gives up no waiting job), and these tests check states, not figures."""

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import time_machine
from django.core.management import get_commands
from django.db import connection
from django.urls import reverse
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks_db.models import DBTaskResult

from agreements.models import Agency
from core.processes import process_alive, process_identity
from core.tasks import TaskResultStatus
from reports import services_pdf
from reports.models import IssuedReport, RenderJob
from reports.services_pdf import MAX_PENDING_JOBS, render_jobs_fail_orphaned
from tests.test_pdf import QUARTER, docs, pdf_text  # noqa: F401 — the fixture

ROOT = Path(__file__).resolve().parent.parent
TRY_AGAIN = "Tạo báo cáo không thành công — hãy thử lại"
# Poll the queue often, start at once, no autoreloader child (its pid is the one we kill).
WORKER_COMMAND = [
    *(sys.executable, "manage.py", "db_worker"),
    *("--interval", "0.1", "--no-startup-delay", "--no-reload"),
]
DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def plan_docs(docs):  # noqa: F811 — test_pdf's world with documents, under its own name here
    return docs


def dead_process() -> str:
    """The name of a process of this host that has exited (and been reaped)."""
    finished = subprocess.Popen(["true"])
    finished.wait()
    return f"{socket.gethostname()}:{finished.pid}:1"


def running_job(user, plan, *, worker: str, started_at=None) -> RenderJob:
    return RenderJob.objects.create(
        kind="provincial",
        period=QUARTER,
        plan=plan,
        requested_by=user,
        status=RenderJob.Status.RUNNING,
        worker=worker,
        started_at=started_at or dt.datetime.now(dt.UTC),
    )


def docs_police(user) -> int:
    return Agency.objects.get(code="CA_TINH").pk


def ask_for_draft(client, user, **extra):
    client.force_login(user)
    return client.post(
        reverse("pdf:draft") + f"?kind=provincial&period={QUARTER}",
        {
            "issuer": str(docs_police(user)),
            "number": "",
            "issued_on": "2024-10-08",
            "narrative": "Nội dung.",
            "signatory_title": "KT. GIÁM ĐỐC",
            "signatory_name": "Trần Ngọc Tuấn",
            "recipients": "- Lưu: VT.",
            "action": "preview",
            **extra,
        },
    )


# --- Who is running a job -----------------------------------------------------------------


def test_a_process_is_alive_while_it_runs_and_not_after_it_exited():
    assert process_alive(process_identity()) is True
    assert process_alive(dead_process()) is False
    host, pid, _start = process_identity().rsplit(":", 2)
    # The same pid started at another time is another process: the one named is gone.
    assert process_alive(f"{host}:{pid}:1") is False
    assert process_alive(f"another-host:{pid}:1") is None
    assert process_alive("garbage") is None


def test_manage_py_db_worker_is_the_wrapper_that_fails_orphaned_jobs():
    assert get_commands()["db_worker"] == "cooperation"


# --- Orphaned jobs, with the immediate backend --------------------------------------------


def test_jobs_whose_worker_died_show_try_again_and_do_not_block_a_new_render(
    plan_docs, client, django_capture_on_commit_callbacks
):
    dead = [
        running_job(plan_docs.leader, plan_docs.plan, worker=dead_process())
        for _ in range(MAX_PENDING_JOBS)
    ]
    client.force_login(plan_docs.leader)
    page = client.get(reverse("pdf:job", args=[dead[0].pk])).content.decode()
    assert TRY_AGAIN in page
    assert 'http-equiv="refresh"' not in page
    assert f"?kind=provincial&amp;period={QUARTER}" in page  # back to the same draft
    dead[0].refresh_from_db()
    assert (dead[0].status, dead[0].failure) == ("failed", RenderJob.Failure.WORKER_LOST)
    # The other two dead jobs are failed when the leader asks again, which is not refused.
    with django_capture_on_commit_callbacks(execute=True):
        response = ask_for_draft(client, plan_docs.leader)
    assert response.status_code == 302
    job = RenderJob.objects.get(pk=response.url.rstrip("/").split("/")[-1])
    assert job.status == RenderJob.Status.DONE, job.error
    assert RenderJob.objects.filter(status=RenderJob.Status.RUNNING).count() == 0


def test_a_job_its_live_worker_is_rendering_keeps_waiting(plan_docs, client):
    job = running_job(plan_docs.leader, plan_docs.plan, worker=process_identity())
    client.force_login(plan_docs.leader)
    page = client.get(reverse("pdf:job", args=[job.pk])).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page
    job.refresh_from_db()
    assert job.status == RenderJob.Status.RUNNING


def test_a_job_on_another_host_is_given_up_only_after_ten_minutes(plan_docs, client):
    job = running_job(plan_docs.leader, plan_docs.plan, worker="another-host:4242:99")
    client.force_login(plan_docs.leader)
    with time_machine.travel(dt.timedelta(minutes=9)):
        assert TRY_AGAIN not in client.get(reverse("pdf:job", args=[job.pk])).content.decode()
    with time_machine.travel(dt.timedelta(minutes=11)):
        assert TRY_AGAIN in client.get(reverse("pdf:job", args=[job.pk])).content.decode()


def test_a_job_no_worker_took_is_given_up_by_its_page_but_left_to_a_starting_worker(plan_docs):
    job = RenderJob.objects.create(
        kind="provincial", period=QUARTER, plan=plan_docs.plan, requested_by=plan_docs.leader
    )
    with time_machine.travel(dt.timedelta(minutes=30)):
        assert render_jobs_fail_orphaned(at_worker_start=True) == []
        assert [j.pk for j in render_jobs_fail_orphaned()] == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.failure) == ("failed", RenderJob.Failure.NOT_STARTED)


def test_a_job_given_up_while_it_rendered_issues_nothing(plan_docs, monkeypatch):
    job = RenderJob.objects.create(
        kind="provincial",
        period=QUARTER,
        plan=plan_docs.plan,
        requested_by=plan_docs.staff,
        issue=True,
        options={"issuer": str(plan_docs.police.pk), "narrative": "Nội dung."},
    )
    real_render = services_pdf.render_document

    def render_then_lose_the_job(*args, **kwargs):
        RenderJob.objects.filter(pk=job.pk).update(status=RenderJob.Status.FAILED)
        return real_render(*args, **kwargs)

    monkeypatch.setattr(services_pdf, "render_document", render_then_lose_the_job)
    assert services_pdf.render_job_run(job_id=job.pk).status == RenderJob.Status.FAILED
    assert IssuedReport.objects.count() == 0


def test_a_queue_that_refuses_the_task_fails_the_job_at_once(
    plan_docs, client, django_capture_on_commit_callbacks, monkeypatch
):
    def refuse(self, task, args, kwargs):
        raise ConnectionError("queue down")

    monkeypatch.setattr(ImmediateBackend, "enqueue", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        response = ask_for_draft(client, plan_docs.leader)
    job = RenderJob.objects.get(pk=response.url.rstrip("/").split("/")[-1])
    assert (job.status, job.failure) == ("failed", RenderJob.Failure.NOT_STARTED)
    assert TRY_AGAIN in client.get(response.url).content.decode()


# --- The real worker process --------------------------------------------------------------


def _database_url() -> str:
    """The test database, as a DATABASE_URL the worker subprocess reads."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        assert not connection.is_in_memory_db(), "the worker needs a file (settings_test.py)"
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "localhost"
    return f"postgres://{credentials}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(settings, tmp_path):
    """Starts `manage.py db_worker` on the database backend (and makes this process enqueue
    there); stops every worker it started at the end."""
    settings.TASKS = DATABASE_BACKEND
    started: list[subprocess.Popen] = []

    def start(**environment) -> subprocess.Popen:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cooperation.settings_test",
            "DATABASE_URL": _database_url(),
            "TASKS_BACKEND": DATABASE_BACKEND["default"]["BACKEND"],
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            **environment,
        }
        log = open(tmp_path / f"worker-{len(started)}.log", "w")
        process = subprocess.Popen(
            WORKER_COMMAND,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for(condition, *, what: str, timeout: float = 120):
    """Poll until the condition holds; fail (not time) after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"gave up waiting for {what}")


def job_of(response) -> RenderJob:
    assert response.status_code == 302, response.content[:2000]
    return RenderJob.objects.get(pk=response.url.rstrip("/").split("/")[-1])


def finished(job: RenderJob):
    job.refresh_from_db()
    return job.status in (RenderJob.Status.DONE, RenderJob.Status.FAILED) and job


@pytest.mark.django_db(transaction=True)
def test_the_worker_process_renders_a_requested_draft(plan_docs, client, worker):
    worker()
    job = job_of(ask_for_draft(client, plan_docs.leader))
    assert job.task_result_id
    job = wait_for(lambda: finished(job), what="the worker to render the draft")
    assert job.status == RenderJob.Status.DONE, job.error
    assert job.worker != process_identity()  # rendered by the other process
    assert DBTaskResult.objects.get(id=job.task_result_id).status == TaskResultStatus.SUCCESSFUL
    draft = client.get(reverse("pdf:job_download", args=[job.pk]))
    assert "DỰ THẢO" in pdf_text(b"".join(draft.streaming_content))


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_render_leaves_a_failed_job_and_the_user_renders_again(
    plan_docs, client, worker
):
    # Test-only hook: the task holds its job RUNNING for a while before rendering.
    slow = worker(PDF_RENDER_TEST_DELAY="300")
    job = job_of(ask_for_draft(client, plan_docs.leader))
    wait_for(
        lambda: RenderJob.objects.filter(pk=job.pk, status=RenderJob.Status.RUNNING).exists(),
        what="the worker to claim the job",
    )
    os.kill(slow.pid, signal.SIGKILL)
    slow.wait()
    job.refresh_from_db()
    assert job.status == RenderJob.Status.RUNNING  # what a killed worker leaves behind
    assert DBTaskResult.objects.get(id=job.task_result_id).status == TaskResultStatus.RUNNING

    worker()  # a new worker fails what the dead one left, before it takes any task
    job = wait_for(lambda: finished(job), what="the restarted worker to fail the orphaned job")
    assert (job.status, job.failure) == ("failed", RenderJob.Failure.WORKER_LOST)
    assert DBTaskResult.objects.get(id=job.task_result_id).status == TaskResultStatus.FAILED
    client.force_login(plan_docs.leader)
    assert TRY_AGAIN in client.get(reverse("pdf:job", args=[job.pk])).content.decode()

    again = job_of(ask_for_draft(client, plan_docs.leader))  # at once: nothing blocks it
    again = wait_for(lambda: finished(again), what="the restarted worker to render")
    assert again.status == RenderJob.Status.DONE, again.error
