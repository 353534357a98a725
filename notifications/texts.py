"""The words of each notification kind, in the active language: the portal shows them in the
reader's, emails are written in Vietnamese (``translation.override("vi")``)."""

import datetime as dt

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from notifications.models import Kind


def _month(iso: str) -> str:
    return dt.date.fromisoformat(iso).strftime("%m/%Y")


def _day(iso: str) -> str:
    return date_format(dt.date.fromisoformat(iso), "SHORT_DATE_FORMAT")


def _count(number: int) -> str:
    return number_format(number, force_grouping=True)


def notification_title(kind: str, params: dict) -> str:
    unit = params.get("unit", "")
    month = _month(params["month"]) if params.get("month") else ""
    if kind == Kind.RETURNED:
        return _("%(unit)s, %(month)s was returned for correction") % {
            "unit": unit,
            "month": month,
        }
    if kind == Kind.APPROVED:
        return _("%(unit)s, %(month)s was approved") % {"unit": unit, "month": month}
    if kind == Kind.REOPENED:
        return _("%(unit)s, %(month)s was reopened for correction") % {
            "unit": unit,
            "month": month,
        }
    if kind == Kind.LATE_GRANTED:
        return _("Late entry granted: %(unit)s can now enter %(month)s") % {
            "unit": unit,
            "month": month,
        }
    if kind == Kind.DEADLINE_SOON:
        return _("%(unit)s: the report for %(month)s is due on %(deadline)s") % {
            "unit": unit,
            "month": month,
            "deadline": _day(params["deadline"]),
        }
    if kind == Kind.DEADLINE_MISSED:
        return _("%(unit)s: the report for %(month)s was due on %(deadline)s and is missing") % {
            "unit": unit,
            "month": month,
            "deadline": _day(params["deadline"]),
        }
    if kind == Kind.WEEKLY_SUMMARY:
        return _(
            "Week of %(day)s: %(overdue)s overdue months, %(returned)s returned, "
            "%(waiting)s waiting for review"
        ) % {
            "day": _day(params["day"]),
            "overdue": _count(params.get("overdue", 0)),
            "returned": _count(params.get("returned", 0)),
            "waiting": _count(params.get("waiting", 0)),
        }
    if kind == Kind.REPORT_ISSUED:
        return _("Report issued: %(title)s (%(number)s)") % {
            "title": params.get("title", ""),
            "number": params.get("number", ""),
        }
    return str(kind)


def notification_body(kind: str, params: dict) -> list[str]:
    """Further lines under the title: the reason, the days left, the lists of a summary."""
    lines = []
    if params.get("reason"):
        lines.append(_("Reason: %(reason)s") % {"reason": params["reason"]})
    if kind == Kind.DEADLINE_SOON:
        lines.append(_("%(days)s days left.") % {"days": _count(params.get("days", 0))})
    if kind == Kind.DEADLINE_MISSED:
        lines.append(_("Enter and submit the month as soon as possible."))
    if kind == Kind.WEEKLY_SUMMARY:
        for label, key in (
            (_("Overdue"), "overdue_list"),
            (_("Returned, waiting for the unit"), "returned_list"),
            (_("Waiting for review"), "waiting_list"),
        ):
            items = params.get(key) or []
            if items:
                lines.append(f"{label}: " + "; ".join(_summary_item(i) for i in items))
    return lines


def _summary_item(item: dict) -> str:
    months = ", ".join(_month(m) for m in item.get("months", [])[:6])
    more = " …" if len(item.get("months", [])) > 6 else ""
    return f"{item['unit']} ({months}{more})"
