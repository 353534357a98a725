"""Figures suggested for a month from the evidence behind it, without activities knowing who
keeps that evidence.

Apps above activities — the activity records and the housing register — register a provider
at start-up (in their ``AppConfig.ready``), as the notifications app registers its listener in
``activities.events``. The entry page asks every provider once per page for the month's
suggestions and shows them beside the fields ("từ 12 hoạt động"); the officer's figure stays the
source of truth and a suggestion is never written by itself."""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from agreements.models import Agreement


@dataclass(frozen=True)
class Suggestion:
    """What one provider's evidence says of one indicator in one month."""

    indicator_id: int
    value: int
    # How many records (activities, houses…) the value is the sum of, and what they are, for
    # the label: "từ 12 hoạt động", "từ 3 căn nhà".
    sources: int
    label: str


@dataclass(frozen=True)
class Prefill:
    """Every provider's suggestions for one indicator, added up."""

    indicator_id: int
    value: int
    sources: int
    labels: tuple[str, ...]


Provider = Callable[[Agreement, dt.date], Iterable[Suggestion]]
_providers: list[Provider] = []


def provider_register(provider: Provider) -> None:
    """Called once per provider at app start-up; registering twice is harmless."""
    if provider not in _providers:
        _providers.append(provider)


def month_prefill(*, sub_agreement: Agreement, month: dt.date) -> dict[int, Prefill]:
    """The suggestions for each indicator of the month, keyed by indicator id. Each provider
    must answer in a fixed number of queries, whatever the number of records."""
    merged: dict[int, Prefill] = {}
    for provider in list(_providers):
        for item in provider(sub_agreement, month):
            before = merged.get(item.indicator_id)
            if before is None:
                merged[item.indicator_id] = Prefill(
                    item.indicator_id, item.value, item.sources, (item.label,)
                )
            else:
                merged[item.indicator_id] = Prefill(
                    item.indicator_id,
                    before.value + item.value,
                    before.sources + item.sources,
                    (*before.labels, item.label),
                )
    return merged


# --- The evidence behind a month, for the review page -----------------------------------------

# A section of HTML (already escaped and rendered by the app that keeps the evidence) about
# one month: the review page shows each below the figures.
EvidenceSection = Callable[[Agreement, dt.date], str]
_evidence: list[EvidenceSection] = []


def evidence_register(section: EvidenceSection) -> None:
    """Called once per evidence keeper at app start-up; registering twice is harmless."""
    if section not in _evidence:
        _evidence.append(section)


def month_evidence(*, sub_agreement: Agreement, month: dt.date) -> list[str]:
    """Every keeper's section for the month (empty ones left out), each rendered in a fixed
    number of queries."""
    sections = (section(sub_agreement, month) for section in list(_evidence))
    return [html for html in sections if html]
