"""Background tasks of the reports app (Django's task framework, core.tasks).

They run in the worker process — ``manage.py db_worker`` with the default database queue —
never in the web worker. Arguments are JSON (the job's id as text)."""

from core.tasks import task
from reports import services_pdf


@task(takes_context=True)
def render_job_task(context, *, job_id: str) -> str:
    """Render one document job; returns the job's final status."""
    job = services_pdf.render_job_run(job_id=job_id, task_result_id=str(context.task_result.id))
    return job.status
