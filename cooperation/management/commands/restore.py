from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction

from activities.rollups import rollups_rebuild
from cooperation.backup import backup_models, restore_tables
from core.db import database_analyze


class Command(BaseCommand):
    help = (
        "Load a file written by `manage.py backup` into a migrated database, in one "
        "transaction: either everything is restored or nothing changes. With --replace, the "
        "current data is removed first (inside the same transaction); all sessions end."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="replace the data already in the database (required when it is not empty)",
        )

    def handle(self, *args, path: str, replace: bool, **options):
        if not Path(path).is_file():
            raise CommandError(f"No such file: {path}")
        non_empty = [m._meta.label for m in backup_models() if m._default_manager.exists()]
        if non_empty and not replace:
            raise CommandError(
                "The database already holds data (" + ", ".join(non_empty[:5]) + "…). "
                "Restore into a fresh database, or pass --replace to overwrite it."
            )
        with transaction.atomic():
            # Foreign keys are deferred until commit (Django creates them DEFERRABLE), so the
            # tables can be emptied in any order and refilled before anything is checked.
            statements = connection.ops.sql_flush(no_style(), restore_tables())
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    # TRUNCATE refuses tables with deferred checks still pending in this
                    # transaction: run them now, then defer again for the load.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for statement in statements:
                    cursor.execute(statement)
                if connection.vendor == "postgresql":
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            call_command("loaddata", path, verbosity=0)
            # In the same transaction: the dashboards never see restored values without
            # their rollups.
            rollups_rebuild()
        database_analyze()  # every table was just refilled
        for model in backup_models():
            count = model._default_manager.count()
            if count:
                self.stdout.write(f"{model._meta.label}: {count}")
        self.stdout.write(self.style.SUCCESS(f"Restored from {path}"))
