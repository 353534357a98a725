"""Two send_reminders runs at the same moment (two cron hosts, or a run that overlaps the
next) send each message once. PostgreSQL only: SQLite serialises whole transactions."""

import datetime as dt
import threading
import time

import pytest
import time_machine
from django.core import mail
from django.db import connection, connections

from notifications import services as notify
from notifications.models import Notification
from tests.conftest import VIETNAM

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrent claims need PostgreSQL (set DATABASE_URL=postgres://…)",
    ),
]


@time_machine.travel(dt.datetime(2025, 1, 8, 10, 0, tzinfo=VIETNAM))
def test_two_concurrent_runs_send_each_message_once(world, monkeypatch):
    for user in (world.officer_a, world.officer_b, world.staff):
        user.email = f"{user.username}@example.vn"
        user.save()
    real_send = notify._send

    def slow_send(*args):
        # Keep each run inside its sending loop long enough for the other to overlap it.
        time.sleep(0.05)
        real_send(*args)

    monkeypatch.setattr(notify, "_send", slow_send)
    start = threading.Barrier(2)
    errors = []

    def run():
        try:
            start.wait(10)
            notify.reminders_send()
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    sent = [(m.to[0], m.subject) for m in mail.outbox]
    assert len(sent) == len(set(sent))
    # Two missed deadlines (December, one per district's officer) and the staff's summary.
    assert len(sent) == Notification.objects.count() == 3
    assert set(Notification.objects.values_list("email_state", flat=True)) == {"sent"}
