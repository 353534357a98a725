import os
import tempfile
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from cooperation.backup import backup_labels, backup_models


class Command(BaseCommand):
    help = (
        "Write every plan, report, audit event and account to one JSON file (.json, or "
        ".json.gz/.json.xz to compress). Restore it with `manage.py restore`. Uploaded "
        "documents live in MEDIA_ROOT: copy that folder alongside (see docs/deploy.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="file to write, e.g. /var/backups/hoptac-2025-06.json.gz")

    def handle(self, *args, path: str, **options):
        target = Path(path)
        if not target.name.endswith((".json", ".json.gz", ".json.xz", ".json.bz2")):
            raise CommandError("The file name must end in .json, .json.gz, .json.xz or .json.bz2")
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write next to the target, then rename: a crash never leaves half a backup under
        # the real name.
        suffix = "".join(target.suffixes)
        handle, partial = tempfile.mkstemp(dir=target.parent, prefix=".partial-", suffix=suffix)
        os.close(handle)
        try:
            call_command(
                "dumpdata",
                *backup_labels(),
                natural_foreign=True,  # content types and permissions differ between databases
                output=partial,
                verbosity=0,
            )
            os.chmod(partial, 0o600)  # personal data: readable by the owner only
            os.replace(partial, target)
        finally:
            if os.path.exists(partial):
                os.unlink(partial)
        counts = {m._meta.label: m._default_manager.count() for m in backup_models()}
        for label, count in counts.items():
            if count:
                self.stdout.write(f"{label}: {count}")
        self.stdout.write(self.style.SUCCESS(f"Backup written to {target}"))
