"""Workflow events for whoever wants to hear of them, without activities knowing who.

The notifications app sits above activities and registers a listener at start-up
(``NotificationsConfig.ready``); activities imports nothing of it. Unlike a ``post_save``
signal, an event names a workflow step (returned, with its reason) rather than a row write,
and it is delivered only after the transaction that made the step commits
(``transaction.on_commit``): a refused or rolled-back action tells nobody. A failing listener
is logged and never undoes or breaks the step (``robust=True``)."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

# Event kinds: the workflow steps the unit's people hear about.
RETURNED, APPROVED, REOPENED, LATE_GRANTED = "returned", "approved", "reopened", "late_granted"


@dataclass(frozen=True)
class ReportEvent:
    kind: str
    sub_agreement_id: int
    month_iso: str  # "2024-03-01"
    actor_id: int | None
    report_id: int | None = None
    # The report's version after the step: tells two returns of the same month apart.
    version: int | None = None
    reason: str = ""


Listener = Callable[[ReportEvent], None]
_listeners: list[Listener] = []


def listener_register(listener: Listener) -> None:
    """Called once per listener at app start-up; registering twice is harmless."""
    if listener not in _listeners:
        _listeners.append(listener)


def event_publish(event: ReportEvent) -> None:
    """Hand the event to every listener once the current transaction commits."""
    for listener in list(_listeners):
        transaction.on_commit(lambda listener=listener: listener(event), robust=True)
