"""Shared pieces of the hostile-input tests: the adversarial values, the database snapshot
that proves "all or nothing", and the check that a message is in Vietnamese."""

import re
import unicodedata

from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from activities.models import ActivityValue, MonthlyReport
from audit.models import AuditEvent


def fuzz_settings(max_examples: int) -> settings:
    return settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        derandomize=True,  # the same examples in CI every time; failures reproduce
    )


HOSTILE = [
    "",
    " ",
    "0",
    "-1",
    "-0",
    "+5",
    "1.800",
    "1.800.000",
    "1,5",
    "1 800",
    "0x10",
    "1e9",
    "1e400",
    "NaN",
    "nan",
    "Infinity",
    "-Infinity",
    "inf",
    "None",
    "null",
    "true",
    str(10**12),
    str(10**12 + 1),
    str(2**31),
    str(2**63),
    str(2**64),
    "9" * 400,
    "１２３",
    "١٢٣",
    "²",
    "Ⅻ",  # full-width, Arabic-Indic, superscript, Roman numeral
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }}",
    "{% debug %}",
    "' OR 1=1; --",
    "'; DROP TABLE activities_activityvalue; --",
    "1; SELECT pg_sleep(5)",
    "=1+1",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(A1:A2)",
    "\t=1",
    "\r=1",
    "\x00",
    "a\x00b",
    "12\x00",
    "\x1b[31m",
    "\u202eevil",
    "\ufeff12",
    "\u200b1",
    unicodedata.normalize("NFD", "Hòa giải thành công"),
    "Неа",
    "ΗΟΑ",
    "ｈｏａ",
    "\u0958" * 500,  # NFC *lengthens* this (composition exclusion): 500 → 1000 characters
    "x" * 1_000_000,
]
hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=60),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
)


def mostly(valid, hostile=hostile_text):
    """Three times in four a well-formed value, so examples get past the first check and
    reach the deeper paths; otherwise a hostile one."""
    return st.integers(0, 3).flatmap(lambda n: hostile if n == 0 else valid)


VIETNAMESE = re.compile(
    r"[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]", re.I
)


def db_snapshot() -> tuple:
    return (
        list(
            ActivityValue.objects.order_by("report_id", "indicator_id").values_list(
                "report_id", "indicator_id", "value", "numerator", "denominator", "comment"
            )
        ),
        list(
            MonthlyReport.objects.order_by("pk").values_list(
                "pk", "status", "version", "narrative", "return_reason"
            )
        ),
        list(
            AuditEvent.objects.order_by("pk").values_list(
                "pk", "action", "version", "before", "after", "reason"
            )
        ),
    )


# Words of Python's and Django's own (English) messages, e.g. "Dòng 2: invalid literal for
# int() with base 10: '²'" has a Vietnamese prefix and still leaks one.
ENGLISH = re.compile(
    r"\b(invalid|literal|the|with|this|field|must|ensure|enter|cannot|could|not|is|are|"
    r"value|error|characters|allowed|required|object|has no|attribute|expected)\b",
    re.I,
)
# What the user typed is echoed in quotes or parentheses; it may be anything.
QUOTED = re.compile(r"“[^”]*”|\([^)]*\)|«[^»]*»", re.S)


def assert_vietnamese(messages: list[str]) -> None:
    for message in messages:
        assert VIETNAMESE.search(message), f"message not in Vietnamese: {message[:200]!r}"
        english = ENGLISH.search(QUOTED.sub("", message))
        assert english is None, f"English in a message: {message[:200]!r}"


class _Rollback(Exception):
    pass


def in_savepoint(check):
    """Run one example and undo its writes, whatever happened."""
    try:
        with transaction.atomic():
            check()
            raise _Rollback
    except _Rollback:
        pass
