"""``python manage.py benchmark bombs``: time and peak memory to refuse each hostile file of
tests/test_import_bombs.py, against reading the template's own two rows (the command lives in
cooperation/management/commands/benchmark.py)."""

import functools
import time
from collections.abc import Callable

from django.core.management.base import BaseCommand


def _timed(function: Callable):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def bombs_arguments(parser) -> None:
    pass


def run_bombs(command: BaseCommand, options: dict) -> None:
    """Time and peak memory (tracemalloc) to refuse each hostile file of
    tests/test_import_bombs.py, against reading the template's own two rows."""
    import tracemalloc

    from activities.import_files import ImportFileError, read_upload
    from tests import bombs

    def refuse(content: bytes) -> str:
        try:
            read_upload(content=content)
        except ImportFileError:
            return "refused"
        return "ACCEPTED"

    floor_s, _rows = _timed(lambda: read_upload(content=bombs.template()))
    command.stdout.write(
        f"Refusing hostile files; floor: the two-row template read in {floor_s:.4f} s"
    )
    command.stdout.write(
        f"{'file':>16} {'size MB':>8} {'refuse s':>9} {'peak MB':>8} {'/floor':>7}"
    )
    for name, build in (
        ("mimetype 1 GiB", bombs.mimetype_bomb),
        ("41 M empty rows", bombs.rows_bomb),
        ("tag 1 GiB", bombs.tag_bomb),
        ("lying sizes", bombs.lying_bomb),
    ):
        content = build()
        tracemalloc.start()
        seconds, outcome = _timed(functools.partial(refuse, content))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        command.stdout.write(
            f"{name:>16} {len(content) / 1e6:>8.2f} {seconds:>9.4f} {peak / 1e6:>8.1f} "
            f"{seconds / floor_s:>6.1f}× {outcome}"
        )
