"""Dashboard filters carried in the URL, so a view can be bookmarked and shared.

``?plan=KH-1&period=2024-Q1&task=2&district=17&provisional=1&sort=-status``. Parsing applies
the user's scope: a district outside it is a 404, wherever it appears."""

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import Http404, QueryDict

from agreements.models import Agreement, Task
from core.calendar import Period, period_parse
from core.scope import UserScope
from reports.results import BY_FORMER_DISTRICT, BY_UNIT
from reports.selectors import district_get

_SORT = re.compile(r"^-?[A-Za-z0-9_]{1,32}$")


@dataclass(frozen=True)
class DashboardFilters:
    period: Period
    task: Task | None
    district: Agreement | None
    include_provisional: bool
    sort: str
    period_invalid: bool = False
    # The district table: each unit, or one line per former district (the 2025 reform).
    grouping: str = BY_UNIT
    # The plan's code travels in every link, so a shared address shows the same plan.
    plan_code: str = ""

    def params(self, **overrides) -> dict[str, str]:
        """The filters as URL parameters (defaults left out), with some replaced."""
        params = {
            "plan": self.plan_code,
            "period": self.period.key if self.period.key != "plan" else "",
            "task": str(self.task.order) if self.task else "",
            "district": str(self.district.pk) if self.district else "",
            "provisional": "1" if self.include_provisional else "",
            "sort": self.sort if self.sort != "name" else "",
            "group": self.grouping if self.grouping != BY_UNIT else "",
        }
        params.update({key: str(value) if value else "" for key, value in overrides.items()})
        return {key: value for key, value in params.items() if value}

    def query(self, **overrides) -> str:
        encoded = urlencode(self.params(**overrides))
        return f"?{encoded}" if encoded else ""


def _small_int(text: str) -> int | None:
    """ASCII digits that fit a database integer, else None. str.isdigit() alone accepts "²"
    (int() then raises) and 40 digits (the database then overflows)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def filters_parse(
    query: QueryDict, *, plan: Agreement, scope: UserScope, plan_param: str = ""
) -> DashboardFilters:
    """Read the filters; a malformed period falls back to the whole plan (and says so), an
    unknown task to all tasks, an unreadable district to 404. ``plan_param`` is the plan
    code links carry (agreements.selectors.request_plan_param: none for the current plan)."""
    period = period_parse(query.get("period"), plan=plan)
    invalid = period is None
    if period is None:
        period = period_parse("plan", plan=plan)
    task = None
    if (task_order := _small_int(query.get("task", ""))) is not None:
        task = Task.objects.filter(agreement=plan, order=task_order).first()
    district = None
    if district_text := query.get("district", ""):
        if (district_pk := _small_int(district_text)) is None:
            raise Http404
        district = district_get(plan=plan, pk=district_pk, scope=scope)
    sort = query.get("sort", "name")
    if not _SORT.match(sort):
        sort = "name"
    return DashboardFilters(
        period=period,
        task=task,
        district=district,
        include_provisional=query.get("provisional") == "1",
        sort=sort,
        period_invalid=invalid,
        grouping=BY_FORMER_DISTRICT if query.get("group") == BY_FORMER_DISTRICT else BY_UNIT,
        plan_code=plan_param,
    )
