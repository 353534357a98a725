"""Background tasks of the housing register (Django's task framework, core.tasks): run by the
worker process (``manage.py db_worker``), never in the web worker. Arguments are JSON."""

from core.tasks import task
from housing import services


@task()
def house_photo_thumbnail_task(*, photo_id: str) -> bool:
    """Make one house photo's thumbnail; the photo was already checked at upload."""
    photo = services.house_photo_thumbnail_make(photo_id=int(photo_id))
    return bool(photo and photo.thumbnail)
