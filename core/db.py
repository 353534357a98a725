"""Database housekeeping the product owes its database.

Django never collects planner statistics. On SQLite, without them, a one-district query
picked the (status, month) index and scanned every district's months (issue 15: 1,66 s →
0,47 s after ANALYZE at 10.000 units); PostgreSQL's autovacuum catches up eventually, but
only after the first dashboards ran on a bulk-loaded table with no statistics. So the bulk
loads (load_plan, the demo seeding, a restore, an import of many rows) call
``database_analyze`` once they are done."""

from django.db import DEFAULT_DB_ALIAS, connections, transaction

# An import of at least this many figures refreshes the statistics after it commits.
ANALYZE_AFTER_ROWS = 1000


def database_analyze(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Refresh the planner's statistics: ``ANALYZE`` (then ``PRAGMA optimize`` on SQLite).
    Safe inside or outside a transaction; it changes no data."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA optimize")


def database_analyze_on_commit(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """``database_analyze`` once the current transaction commits (a rolled-back load
    leaves the statistics alone)."""
    transaction.on_commit(lambda: database_analyze(using=using), using=using, robust=True)
