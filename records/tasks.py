"""Background tasks of the records app (Django's task framework, core.tasks): run by the
worker process (``manage.py db_worker``), never in the web worker. Arguments are JSON."""

from core.tasks import task
from records import services


@task()
def attachment_thumbnail_task(*, attachment_id: str) -> bool:
    """Make one image attachment's thumbnail; the original was already checked at upload."""
    attachment = services.attachment_thumbnail_make(attachment_id=int(attachment_id))
    return bool(attachment and attachment.thumbnail)
