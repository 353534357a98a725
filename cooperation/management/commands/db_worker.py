"""``manage.py db_worker``: django-tasks-db's worker, which first fails the render jobs that
an earlier worker left running.

A worker killed mid-render (SIGKILL, out of memory, a machine restart) leaves its job
RUNNING and its task result RUNNING for ever. On start, before taking any task, this worker
fails every pending job that will never finish (``render_jobs_fail_orphaned``: its process
is gone, or it ran far too long) and the task results of those jobs, so requesters see
"try again" and may render again at once. Jobs waiting in the queue are left for this worker
to run. Same name as the library's command: ``cooperation`` comes before ``django_tasks_db``
in INSTALLED_APPS, so this one is the one that runs."""

from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from core.tasks import TaskResultStatus
from reports.services_pdf import render_jobs_fail_orphaned


class Command(db_worker.Command):
    help = "Run the database task worker (PDF renders), failing render jobs orphaned earlier."

    def handle(self, *args, **options):
        failed = render_jobs_fail_orphaned(at_worker_start=True)
        task_ids = [job.task_result_id for job in failed if job.task_result_id]
        if task_ids:
            DBTaskResult.objects.filter(id__in=task_ids, status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.FAILED,
                finished_at=timezone.now(),
                exception_class_path="cooperation.WorkerLost",
                traceback="The worker running this task stopped before it finished.",
            )
        if options["verbosity"]:
            self.stdout.write(f"Render jobs left by a stopped worker, now failed: {len(failed)}")
        super().handle(*args, **options)
