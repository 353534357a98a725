"""Files written by a service whose transaction then fails must not stay on disk.

A file is written to storage while the transaction that creates its row is open; when the
transaction rolls back (a constraint checked at commit, a row deleted meanwhile by someone
else, any error after the write) the row is gone but the file would stay, unreferenced, for
ever — for a house photo, a picture of a poor household's home nobody can find or delete.
``transaction.on_commit`` cannot help: nothing runs on a rollback. So a service that writes
files is wrapped in ``undo_on_error`` *outside* its ``transaction.atomic`` (an error raised by
the commit itself is caught too), and writes its files with ``save``: if the call ends in an
exception, every file it wrote is deleted before the exception goes on.

Wrapped services may call each other: the outermost one owns the list, so a file written by an
inner call that succeeded is still removed when the outer call fails."""

import contextvars
import functools
from collections.abc import Callable
from typing import TypeVar

from django.core.files.base import File
from django.db.models.fields.files import FieldFile

F = TypeVar("F", bound=Callable)
_written: contextvars.ContextVar[list | None] = contextvars.ContextVar(
    "stored_files_written", default=None
)


def save(field_file: FieldFile, name: str, content: File) -> str:
    """Write ``content`` into ``field_file`` (without saving its row) and remember the stored
    name, so the enclosing ``undo_on_error`` can remove it if the call fails."""
    field_file.save(name, content, save=False)
    written = _written.get()
    if written is not None:
        written.append((field_file.storage, field_file.name))
    return field_file.name


def undo_on_error(function: F) -> F:
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if _written.get() is not None:  # an outer wrapped call owns the files
            return function(*args, **kwargs)
        written: list = []
        token = _written.set(written)
        try:
            return function(*args, **kwargs)
        except BaseException:
            for storage, name in written:
                storage.delete(name)
            raise
        finally:
            _written.reset(token)

    return wrapper
