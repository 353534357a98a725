# ruff: noqa: F811 (the fixtures imported from tests.test_pdf are arguments here)
"""Two reports issued at the same moment by one agency get two numbers: the register is
taken under the issuing agency's row lock inside each issue's transaction. PostgreSQL only:
SQLite serialises whole transactions."""

import threading

import pytest
from django.db import connection, connections

from agreements.selectors import user_scope
from reports import services_pdf
from reports.models import IssuedReport
from reports.pdf_data import Kind, document_figures, document_period
from tests.test_pdf import QUARTER, _media, docs  # noqa: F401

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrent issues need PostgreSQL (set DATABASE_URL=postgres://…)",
    ),
]


def test_two_issues_in_parallel_get_distinct_numbers(docs, monkeypatch):
    start = threading.Barrier(2)
    real_render = services_pdf.render_document
    inside = threading.Barrier(2, timeout=5)

    def render_while_the_other_waits(*args, **kwargs):
        # Both threads have read the register before either commits, if nothing locks it:
        # the first to get here waits briefly for the other (which, locked out, never comes).
        try:
            inside.wait()
        except threading.BrokenBarrierError:
            pass
        return real_render(*args, **kwargs)

    monkeypatch.setattr(services_pdf, "render_document", render_while_the_other_waits)
    errors, numbers = [], []

    def run():
        try:
            scope = user_scope(docs.staff)
            figures = document_figures(
                kind=Kind.PROVINCIAL,
                plan=docs.plan,
                period=document_period(QUARTER, plan=docs.plan),
                scope=scope,
            )
            meta = services_pdf.document_meta(
                figures=figures,
                options={"issuer": str(docs.police.pk), "issued_on": "2024-10-08"},
                is_draft=False,
            )
            start.wait(10)
            report = services_pdf.report_issue(user=docs.staff, figures=figures, meta=meta)
            numbers.append(report.number_line)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(numbers) == ["Số: 01/BC-CAT", "Số: 02/BC-CAT"]
    assert sorted(IssuedReport.objects.values_list("register_number", flat=True)) == [1, 2]
