"""Writes to the audit trail. Callers pass what happened; nothing here knows the other apps'
models, so any app may record (agreements, activities, reports, the administration)."""

import contextlib
import contextvars
from collections.abc import Iterable, Iterator

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Permission
from django.db import models, transaction

from audit.models import AuditEvent

# Never written to the trail, whatever the model: a password hash is a secret even hashed.
SECRET_FIELDS = frozenset({"password"})

# How the change reached the portal when it was not a person at a page: the API names the
# system's token here, so every event the write path records says so in its reason, without
# the write path (activities.services) having to know where its caller came from.
_via: contextvars.ContextVar[str] = contextvars.ContextVar("audit_via", default="")


@contextlib.contextmanager
def audit_via(description: str) -> Iterator[None]:
    """Inside this block every event recorded adds ``description`` to its reason."""
    reset = _via.set(description)
    try:
        yield
    finally:
        _via.reset(reset)


def _plain(value):
    return value if isinstance(value, (int, str, bool, type(None))) else str(value)


def _related_names(obj: models.Model, field) -> list:
    related = getattr(obj, field.name).all()
    if field.related_model is Permission:
        # "app.codename" says exactly what was granted, in one query.
        return sorted(
            f"{app}.{codename}"
            for app, codename in related.values_list("content_type__app_label", "codename")
        )
    return sorted(str(item) for item in related)


def model_snapshot(obj: models.Model) -> dict:
    """The object's fields as JSON-safe values: files by name, many-to-many as sorted lists,
    secrets left out (a user's password appears only as whether one is usable)."""
    from django.forms.models import model_to_dict

    concrete = [f.name for f in obj._meta.concrete_fields if f.name not in SECRET_FIELDS]
    snapshot = {}
    for key, value in model_to_dict(obj, fields=concrete).items():
        if hasattr(value, "name") and not isinstance(value, str):  # files
            value = value.name
        snapshot[key] = _plain(value)
    if obj.pk is not None:
        for field in obj._meta.many_to_many:
            snapshot[field.name] = _related_names(obj, field)
    if isinstance(obj, AbstractBaseUser):
        snapshot["usable_password"] = obj.has_usable_password()
    return snapshot


def snapshot_diff(before: dict, after: dict) -> tuple[dict, dict]:
    """Only what changed, on both sides; unchanged fields would bury the change."""
    if not (before and after):
        return before, after
    changed = {key for key in {*before, *after} if before.get(key) != after.get(key)}
    return (
        {key: before.get(key) for key in changed if key in before},
        {key: after.get(key) for key in changed if key in after},
    )


def audit_build(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    object_type: str,
    object_id,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
    version: int | None = None,
    status_before: str = "",
    status_after: str = "",
) -> AuditEvent:
    """An unsaved event, for callers that write many at once (``audit_record_bulk``)."""
    if action not in AuditEvent.Action.values:
        raise ValueError(f"Unknown audit action: {action!r}")
    if via := _via.get():
        reason = f"{reason} ({via})" if reason else via
    return AuditEvent(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        version=version,
        status_before=status_before,
        status_after=status_after,
        before=before or {},
        after=after or {},
        reason=reason,
    )


def audit_record(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    object_type: str,
    object_id,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
    version: int | None = None,
    status_before: str = "",
    status_after: str = "",
) -> AuditEvent:
    """Record one event. Call it inside the transaction that makes the change, so the change
    and its record commit (or roll back) together."""
    event = audit_build(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
        reason=reason,
        version=version,
        status_before=status_before,
        status_after=status_after,
    )
    event.save()
    return event


def audit_record_bulk(events: Iterable[AuditEvent]) -> list[AuditEvent]:
    """Write events built with ``audit_build`` in batches (imports write thousands)."""
    # One transaction for several batches; inside a caller's transaction no savepoint is
    # needed (an error rolls the caller back anyway).
    with transaction.atomic(savepoint=False):
        return AuditEvent.objects.bulk_create(list(events), batch_size=1000)


def audit_record_change(
    *,
    user: AbstractBaseUser | None,
    obj: models.Model,
    action: str,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
) -> AuditEvent:
    """Record a change to a model outside the reporting workflow (targets, memberships,
    users, agreements…): the fields that changed, before and after. A deletion keeps the
    whole object as it was."""
    if after is None:
        after = {} if action == AuditEvent.Action.ADMIN_DELETE else model_snapshot(obj)
    before, after = snapshot_diff(before or {}, after)
    return audit_record(
        actor=user,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=obj.pk,
        before=before,
        after=after,
        reason=reason,
    )
