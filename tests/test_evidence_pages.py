"""The evidence pages as their users see them in Vietnamese: no English word or raw value
("None", a status code) on any list or detail page of the activity records and the housing
register, and the evidence coverage one click from both dashboards, per unit and indicator."""

import datetime as dt
import html
import re

import pytest
from django.urls import reverse

from tests import factories as f
from tests.housing_helpers import add_house, hand_over
from tests.records_helpers import add_record, photo, seed_record_types

# Words of the English interface (and Python's None) that would betray a missing translation.
ENGLISH = re.compile(
    r"\b(Activity|Activities|activity|activities|House|Houses|house|houses|[Rr]ecords?|"
    r"[Ss]tatus|None|True|False|Photos?|photo|[Tt]humbnail|Save|Delete|Edit|Search|Filter|"
    r"Page|Upload|Download|Export|Import|Household|Funding|Planned|Completed|Handed over|"
    r"Unit|Total|Coverage|Evidence)\b"
)


def visible_text(content: str) -> str:
    """What a reader sees or hears: the text, and the alt, title, placeholder and aria-label
    attributes (not URLs or option values, which are not read out)."""
    content = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", content)
    attributes = re.findall(r'\b(?:alt|placeholder|aria-label|title)="([^"]*)"', content)
    text = re.sub(r"(?s)<[^>]+>", " ", content)
    return html.unescape(" ".join([*text.split(), *attributes]))


@pytest.fixture
def evidence(housing, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path / "media"
    seed_record_types()
    with django_capture_on_commit_callbacks(execute=True):
        housing.record = add_record(housing.officer_a, housing.sub_a, files=[photo()])
    housing.house = add_house(housing, planned_completion=dt.date(2024, 6, 30))
    hand_over(
        housing,
        housing.house,
        started=dt.date(2024, 1, 2),
        completed=dt.date(2024, 3, 5),
        handed=dt.date(2024, 3, 9),
    )
    housing.report = f.MonthlyReportFactory(
        sub_agreement=housing.sub_a, month=dt.date(2024, 3, 1), status="approved"
    )
    f.ActivityValueFactory(report=housing.report, indicator=housing.patrol, value=4)
    return housing


def test_evidence_pages_have_no_english_in_vietnamese(evidence, client):
    """Vietnamese is the default (no language cookie); each role's own pages."""
    world = evidence
    pages = {
        world.officer_a: [
            reverse("records:record_list"),
            reverse("records:record_create", args=[world.sub_a.pk]),
            reverse("records:record_detail", args=[world.record.pk]),
            reverse("records:record_edit", args=[world.record.pk]),
            reverse("records:coverage"),
            reverse("housing:list", args=[world.sub_a.pk]),
            reverse("housing:create", args=[world.sub_a.pk]),
            reverse("housing:detail", args=[world.house.pk]),
            reverse("housing:edit", args=[world.house.pk]),
            reverse("housing:import_upload", args=[world.sub_a.pk]),
            reverse("activities:month_entry", args=[world.sub_a.pk, "2024-03"]),
        ],
        world.viewer_a: [
            reverse("records:record_list"),
            reverse("housing:list", args=[world.sub_a.pk]),
            reverse("housing:detail", args=[world.house.pk]),
        ],
        world.staff: [
            reverse("activities:month_entry", args=[world.sub_a.pk, "2024-03"]),
            reverse("housing:province"),
        ],
        world.leader: [
            reverse("housing:province"),
            reverse("housing:province") + "?late=1",
            reverse("housing:detail", args=[world.house.pk]),
            reverse("records:record_list"),
            reverse("records:coverage"),
        ],
        world.admin: [reverse("housing:access_log")],
    }
    leaks = []
    for user, urls in pages.items():
        client.force_login(user)
        for url in urls:
            response = client.get(url, HTTP_ACCEPT_LANGUAGE="vi")
            assert response.status_code == 200, (user.username, url)
            found = sorted(set(ENGLISH.findall(visible_text(response.content.decode()))))
            if found:
                leaks.append((user.username, url, found))
    assert leaks == []


def test_coverage_is_one_click_from_both_dashboards_per_unit_and_indicator(evidence, client):
    world = evidence
    coverage = reverse("records:coverage")
    client.force_login(world.leader)
    assert f'href="{coverage}"' in client.get(reverse("reports:province")).content.decode()
    client.force_login(world.officer_a)
    district = reverse("reports:district", args=[world.sub_a.pk])
    assert f'href="{coverage}"' in client.get(district).content.decode()

    client.force_login(world.leader)
    page = client.get(coverage).content.decode()
    text = visible_text(page)
    # A column per counted indicator, a row per unit: Anh Sơn's patrols 1 of 4 (the record).
    for indicator in (world.patrol, world.mediation, world.nha):
        assert f">{indicator.name}</th>" in page
    assert "Huyện Anh Sơn" in text and "Huyện Bình Thử" in text
    assert "25 % 1 / 4" in text
    assert world.vneid.name not in page  # a stock is not added up from activities
