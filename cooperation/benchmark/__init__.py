"""``python manage.py benchmark``: our paths against their floors, in a database of its own.

See cooperation/management/commands/benchmark.py for the command, ``database`` for how the
configured database is kept out of it, ``build`` for the synthetic data, ``parts`` for what is
measured against what, and docs/performance.md for the numbers."""
