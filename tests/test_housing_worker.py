"""House photos' thumbnails are made by the real worker process (`manage.py db_worker` on the
database queue) after the upload commits, as the activity records' are; the request only
stores the checked original."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from core.tasks import TaskResultStatus
from housing.models import HousePhoto
from tests.housing_helpers import add_house, jpeg_with_gps
from tests.test_pdf_worker import wait_for, worker  # noqa: F401 — the fixture


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.django_db(transaction=True)
def test_the_worker_process_makes_the_thumbnail_of_a_house_photo(housing, client, worker):  # noqa: F811
    house = add_house(housing)
    client.force_login(housing.officer_a)
    response = client.post(
        reverse("housing:photo_add", args=[house.pk]),
        {"photo": SimpleUploadedFile("nha.jpg", jpeg_with_gps(), content_type="image/jpeg")},
    )
    assert response.status_code == 302
    photo = HousePhoto.objects.get()
    assert not photo.thumbnail  # queued, not made in the request
    assert client.get(reverse("housing:photo", args=[photo.pk, "thumb"])).status_code == 404
    task = DBTaskResult.objects.get()
    assert task.status == TaskResultStatus.READY
    worker()

    def made():
        photo.refresh_from_db()
        return bool(photo.thumbnail)

    wait_for(made, what="the worker to make the house photo's thumbnail")
    task.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL
    thumbnail = client.get(reverse("housing:photo", args=[photo.pk, "thumb"]))
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/jpeg"
    page = client.get(reverse("housing:detail", args=[house.pk])).content.decode()
    assert reverse("housing:photo", args=[photo.pk, "thumb"]) in page
