"""Thumbnails are made by the real worker process (`manage.py db_worker` on the database
queue), after the upload commits; the web request only stores the checked original."""

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from core.tasks import TaskResultStatus
from records.models import Attachment
from tests.records_helpers import record_type
from tests.test_pdf_worker import wait_for, worker  # noqa: F401 — the fixture
from tests.test_uploads import jpeg_with_gps, upload


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.django_db(transaction=True)
def test_the_worker_process_makes_the_thumbnail_of_an_uploaded_photo(world, client, worker):  # noqa: F811
    client.force_login(world.officer_a)
    response = client.post(
        reverse("records:record_create", args=[world.sub_a.pk]),
        {
            "record_type": record_type("Ca tuần tra").pk,
            "date": "2024-03-12",
            "place": "Bản Huồi Tụ",
            "participants": "6",
            "description": "Tuần tra đêm",
            "files": [upload(jpeg_with_gps((1600, 1200)))],
        },
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    # Queued, not made in the request.
    assert not attachment.thumbnail
    task = DBTaskResult.objects.get()
    assert task.status == TaskResultStatus.READY
    worker()

    def made():
        attachment.refresh_from_db()
        return bool(attachment.thumbnail)

    wait_for(made, what="the worker to make the thumbnail")
    task.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL
    thumbnail = client.get(reverse("records:attachment_thumbnail", args=[attachment.pk]))
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/jpeg"
