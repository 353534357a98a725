"""What a backup holds, shared by `manage.py backup` and `manage.py restore`.

Every model of every installed app, except what the database rebuilds itself (content types
and permissions: `migrate` recreates them; they are referenced by natural key) and what must
not survive a restore (sessions: a restored database must not honour old logins; login
throttling counters; queued background tasks, whose render jobs the restore replaces; the
rollups, rebuilt from the restored values). New
apps and models are included automatically."""

from django.apps import apps
from django.db import models

EXCLUDED_APPS = {"contenttypes", "sessions", "axes", "django_tasks_database"}
# The rollups of the approved figures (activities/rollups.py) are derived data: a restore
# rebuilds them from the restored values, so a backup never carries rollups that disagree
# with its values (or predate them).
ROLLUP_MODELS = {
    "activities.approvedfigure",
    "activities.planmonthtotal",
    "activities.planstockspan",
}
EXCLUDED_MODELS = {"auth.permission", *ROLLUP_MODELS}
# Emptied on restore although not backed up.
CLEARED_ON_RESTORE = {"sessions.session", "django_tasks_database.dbtaskresult", *ROLLUP_MODELS}


def backup_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label not in EXCLUDED_APPS
        and model._meta.label_lower not in EXCLUDED_MODELS
        and model._meta.managed
        and not model._meta.proxy
    ]


def backup_labels() -> list[str]:
    return [model._meta.label for model in backup_models()]


def restore_tables() -> list[str]:
    """Tables emptied before a restore: the backed-up models, their many-to-many tables,
    and sessions."""
    tables = []
    for model in backup_models():
        tables.append(model._meta.db_table)
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            if through._meta.auto_created:
                tables.append(through._meta.db_table)
    for label in CLEARED_ON_RESTORE:
        try:
            tables.append(apps.get_model(label)._meta.db_table)
        except LookupError:  # app not installed
            continue
    return tables
