"""PDF documents: read back with pdftotext/pypdf, figures equal the selectors', official
layout per issuing agency, issued files kept as issued, scope."""

import datetime as dt
import hashlib
import io
import re
import subprocess
import unicodedata
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from activities.models import MonthlyReport
from activities.rollups import rollups_refresh
from agreements.models import Agency, AgreementParty, Baseline, Indicator, Target
from agreements.selectors import user_scope
from reports.charts import fmt
from reports.models import IssuedReport, RenderJob
from reports.narrative import narrative_build
from reports.pdf_data import Kind, document_figures, document_period
from reports.selectors import plan_achievement
from tests import factories as f

QUARTER = "2024-Q3"
Q3_MONTHS = [dt.date(2024, 7, 1), dt.date(2024, 8, 1), dt.date(2024, 9, 1)]


def pdf_text(data: bytes, *, layout: bool = False) -> str:
    """The PDF's text as pdftotext extracts it: whitespace collapsed (lines wrap anywhere),
    or with ``layout`` one printed line per text line (a table row stays on its line)."""
    options = ["-layout"] if layout else []
    result = subprocess.run(
        ["pdftotext", *options, "-enc", "UTF-8", "-", "-"],
        input=data,
        capture_output=True,
        check=True,
    )
    text = result.stdout.decode("utf-8")
    return text if layout else " ".join(text.split())


def month_report(sub, month, values, status=MonthlyReport.Status.APPROVED, world=None):
    report = f.MonthlyReportFactory(sub_agreement=sub, month=month, status=status)
    for indicator, value in values.items():
        if indicator.is_ratio:
            f.ActivityValueFactory(
                report=report,
                indicator=indicator,
                value=None,
                numerator=value[0],
                denominator=value[1],
            )
        else:
            f.ActivityValueFactory(report=report, indicator=indicator, value=value)
    return report


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    # Renders run at once when enqueued: the suite's task backend is the immediate one
    # (cooperation/settings_test.py); tests/test_pdf_worker.py runs the real worker.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def docs(world):
    """The small world plus what documents need: the two provincial agencies as parties
    with signatories, district parties, targets, baselines and approved Q3/2024 months
    (district B misses July)."""
    world.plan.place = "Nghệ An"  # the place line of the documents (plan data, not code)
    world.plan.save(update_fields=["place"])
    police = f.AgencyFactory(
        code="CA_TINH",
        name="Công an tỉnh Nghệ An",
        kind=Agency.Kind.POLICE,
        org_unit=world.province,
        parent_body="BỘ CÔNG AN",
        abbreviation="CAT",
    )
    union = f.AgencyFactory(
        code="TINH_DOAN",
        name="Ban Chấp hành Tỉnh đoàn Nghệ An",
        kind=Agency.Kind.YOUTH_UNION,
        org_unit=world.province,
        parent_body="ĐOÀN TNCS HỒ CHÍ MINH",
        abbreviation="TĐTN",
    )
    AgreementParty.objects.create(
        agreement=world.plan,
        agency=police,
        order=1,
        signatory_name="Thượng tá Trần Ngọc Tuấn",
        signatory_title="Phó Giám đốc Công an tỉnh",
    )
    AgreementParty.objects.create(
        agreement=world.plan,
        agency=union,
        order=2,
        signatory_name="Lê Văn Lương",
        signatory_title="Bí thư Tỉnh đoàn",
    )
    for sub, unit, name in (
        (world.sub_a, world.unit_a, "Anh Sơn"),
        (world.sub_b, world.unit_b, "Bình Thử"),
    ):
        district_union = f.AgencyFactory(
            code=f"DOAN_{unit.code}",
            name=f"Huyện đoàn {name}",
            org_unit=unit,
            kind=Agency.Kind.YOUTH_UNION,
            parent_body="BCH TỈNH ĐOÀN NGHỆ AN",
            abbreviation="ĐTN",
        )
        AgreementParty.objects.create(agreement=sub, agency=district_union, order=1)
    for indicator, whole, year_2024, base in (
        (world.patrol, 1000, 480, 5000),
        (world.mediation, 100, 48, 400),
        (world.vneid, 2000, None, 1500),
        (world.online, 70, None, 50),
    ):
        Target.objects.create(agreement=world.plan, indicator=indicator, value=whole)
        if year_2024:
            Target.objects.create(
                agreement=world.plan, indicator=indicator, year=2024, value=year_2024
            )
        for sub in (world.sub_a, world.sub_b):
            Target.objects.create(
                agreement=sub,
                indicator=indicator,
                value=whole if indicator.aggregation != "sum" else whole // 2,
            )
        Baseline.objects.create(
            agreement=world.plan, indicator=indicator, value=base, as_of=dt.date(2023, 5, 23)
        )
    for index, month in enumerate(Q3_MONTHS):
        month_report(
            world.sub_a,
            month,
            {
                world.patrol: 40 + index,
                world.mediation: 3,
                world.vneid: 700 + index * 10,
                world.online: (45, 90),
            },
        )
        if index == 1:  # district B did not report July
            month_report(
                world.sub_b,
                month,
                {
                    world.patrol: 30,
                    world.mediation: 1,
                    world.vneid: 500 + index,
                    world.online: (20, 50),
                },
            )
    # A submitted (not approved) month must not count in official figures.
    month_report(
        world.sub_b, dt.date(2024, 9, 1), {world.patrol: 999}, status=MonthlyReport.Status.SUBMITTED
    )
    world.police, world.union = police, union
    return world


def issue(client, user, *, kind=Kind.PROVINCIAL, period=QUARTER, sub=None, capture, **options):
    client.force_login(user)
    data = {
        "issuer": options.pop("issuer", None) or str(Agency.objects.get(code="CA_TINH").pk),
        "number": "12",
        "issued_on": "2024-10-08",
        "narrative": "Nội dung báo cáo.",
        "signatory_title": "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
        "signatory_name": "Trần Ngọc Tuấn",
        "recipients": "- Lưu: VT.",
        "action": "issue",
        **options,
    }
    query = f"?kind={kind}&period={period}" + (f"&sub={sub}" if sub else "")
    with capture(execute=True):
        response = client.post(reverse("pdf:draft") + query, data)
    return response


def issued_pdf(response) -> tuple[IssuedReport, bytes]:
    assert response.status_code == 302, getattr(response, "content", b"")[:2000]
    job = RenderJob.objects.get(pk=response.url.rstrip("/").split("/")[-1])
    assert job.status == RenderJob.Status.DONE, job.error
    report = job.issued_report
    with report.file.open("rb") as handle:
        return report, handle.read()


# --- Figures and text ---------------------------------------------------------------------


def quarter(plan):
    return document_period(QUARTER, plan=plan)


def whole_plan(plan):
    return document_period("plan", plan=plan)


def test_quarter_figures_follow_the_aggregation_rules(docs):
    figures = document_figures(
        kind=Kind.PROVINCIAL,
        plan=docs.plan,
        period=quarter(docs.plan),
        scope=user_scope(docs.leader),
    )
    by_code = {row.indicator.code: row for row in figures.rows}
    # Flows add months and districts (approved only: B's submitted September is left out).
    assert by_code["TUAN_TRA"].achieved == 40 + 41 + 42 + 30
    # Stocks: each district's latest month, then added.
    assert by_code["VNEID"].achieved == 720 + 501
    # Ratios: summed numerators over summed denominators, never averaged percentages.
    assert by_code["DVC_TT"].achieved == Decimal("48.44")  # (135 + 20) / (270 + 50)
    # The quarter's target is the dashboards' (reports.selectors): with a yearly target for
    # 2024 only, not every plan year, the whole-plan target is phased over the 25 months the
    # districts report (06/2023–06/2025): 1000 × 3/25.
    assert by_code["TUAN_TRA"].target_period == 120
    district_b = next(d for d in figures.districts if d.name == "Huyện Bình Thử")
    assert district_b.not_submitted == [dt.date(2024, 7, 1)]


def test_whole_plan_figures_are_the_selectors_figures(docs):
    scope = user_scope(docs.leader)
    figures = document_figures(
        kind=Kind.FINAL, plan=docs.plan, period=whole_plan(docs.plan), scope=scope
    )
    selector = {
        item.indicator.code: item.achieved for item in plan_achievement(plan=docs.plan, scope=scope)
    }
    assert {row.indicator.code: row.achieved for row in figures.rows} == selector
    # And the per-district figures (district_comparison) add up to the same totals.
    for index, row in enumerate(figures.rows):
        if row.indicator.aggregation == Indicator.Aggregation.SUM:
            total = sum(d.all_cells[index].achieved or 0 for d in figures.districts)
            assert total == row.achieved


def test_narrative_states_the_figures_laggards_and_missing_districts(docs):
    figures = document_figures(
        kind=Kind.PROVINCIAL,
        plan=docs.plan,
        period=quarter(docs.plan),
        scope=user_scope(docs.staff),
    )
    with translation.override("vi"):
        text = narrative_build(figures)
    assert text.startswith("Trong quý III/2024, toàn tỉnh đã thực hiện: 153 ca tuần tra ban đêm")
    assert "đạt 127,5 % kế hoạch" in text  # 153 / 120
    # Laggards are the dashboard's: VNeID is a level, expected on the line from the baseline
    # 1.500 to the target 2.000 (1.820 by 09/2024), and 1.221 is behind it.
    assert "Các chỉ tiêu chưa đạt mức dự kiến đến nay: Tài khoản VNeID (chậm tiến độ" in text
    assert "Huyện Bình Thử (thiếu 1 tháng)" in text
    assert unicodedata.is_normalized("NFC", text)


def test_figures_cost_a_fixed_number_of_queries(docs):
    scope = user_scope(docs.leader)

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            document_figures(
                kind=Kind.FINAL, plan=docs.plan, period=whole_plan(docs.plan), scope=scope
            )
        return len(context)

    small = count()
    for n in range(5):  # five more districts with a quarter each
        unit = f.OrgUnitFactory(parent=docs.province)
        sub = f.SubAgreementFactory(parent=docs.plan, org_unit=unit)
        for month in Q3_MONTHS:
            month_report(sub, month, {docs.patrol: n, docs.vneid: 10, docs.online: (1, 2)})
    # The dashboards' selectors: progress (8: the whole province from the plan-level
    # rollups), grid (2), two district comparisons by former district sharing the grid (8
    # each), one progress per plan year (3 × 8), the sample flag (1), the district list — a
    # fixed number, whatever the number of units.
    assert count() == small <= 54


# --- The PDF read back ----------------------------------------------------------------------


def test_police_quarterly_report_reads_back_with_decree_30_layout(
    docs, client, django_capture_on_commit_callbacks
):
    response = issue(client, docs.staff, capture=django_capture_on_commit_callbacks)
    report, data = issued_pdf(response)
    text = pdf_text(data)
    assert unicodedata.is_normalized("NFC", text)
    assert "BỘ CÔNG AN" in text and "CÔNG AN TỈNH NGHỆ AN" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "Số: 12/BC-CAT" in text
    assert "Nghệ An, ngày 08 tháng 10 năm 2024" in text
    assert "Công an tỉnh Nghệ An báo cáo kết quả thực hiện quý III/2024" in text
    assert "hòa giải" in text
    assert "PHÓ GIÁM ĐỐC" in text and "Trần Ngọc Tuấn" in text and "Nơi nhận:" in text
    # Every figure in the summary table is the selectors' figure, in Vietnamese format.
    figures = document_figures(
        kind=Kind.PROVINCIAL,
        plan=docs.plan,
        period=quarter(docs.plan),
        scope=user_scope(docs.leader),
    )
    lines = pdf_text(data, layout=True).splitlines()
    with translation.override("vi"):
        for row in figures.rows:
            places = 1 if row.indicator.is_ratio else 0
            cells = [
                row.indicator.unit,
                fmt(row.baseline, places),
                fmt(row.target_period, places),
                fmt(row.achieved, places),
                fmt(row.percent, 1),
                fmt(row.expected, places),
                row.status_label,
            ]
            # Long names wrap inside their cell: the row's figures share a line with its start.
            start = " ".join(row.indicator.name.split()[:2])
            pattern = re.escape(start) + r".*\s" + r"\s+".join(map(re.escape, cells))
            assert any(re.search(pattern, line) for line in lines), cells
    assert "153" in text and "48,4" in text
    assert report.figures_sha256 == figures.sha256
    assert report.file_sha256 == hashlib.sha256(data).hexdigest()
    pages = len(PdfReader(io.BytesIO(data)).pages)
    assert 2 <= pages <= 8 and report.pages == pages
    assert PdfReader(io.BytesIO(data)).metadata.title.startswith("BÁO CÁO")


def test_youth_union_report_follows_the_unions_own_format(
    docs, client, django_capture_on_commit_callbacks
):
    response = issue(
        client, docs.staff, issuer=str(docs.union.pk), capture=django_capture_on_commit_callbacks
    )
    _report, data = issued_pdf(response)
    text = pdf_text(data)
    assert "ĐOÀN TNCS HỒ CHÍ MINH" in text
    assert "BAN CHẤP HÀNH TỈNH ĐOÀN NGHỆ AN" in text
    assert "Số: 12-BC/TĐTN" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" not in text


def test_joint_final_review_carries_both_agencies_and_years(
    docs, client, django_capture_on_commit_callbacks
):
    response = issue(
        client,
        docs.staff,
        kind=Kind.FINAL,
        period="plan",
        issuer="joint",
        co_signatory_title="Bí thư",
        co_signatory_name="Lê Văn Lương",
        capture=django_capture_on_commit_callbacks,
    )
    _report, data = issued_pdf(response)
    text = pdf_text(data)
    assert "CÔNG AN TỈNH NGHỆ AN" in text and "BAN CHẤP HÀNH TỈNH ĐOÀN NGHỆ AN" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Số: 12/BC-CAT-TĐTN" in text
    assert "BÁO CÁO TỔNG KẾT" in text
    assert "Bảng 2. Kết quả theo từng năm" in text
    assert "Năm 2023 Năm 2024 Năm 2025" in text
    assert "Trần Ngọc Tuấn" in text and "Lê Văn Lương" in text
    selector = {
        i.indicator.code: i.achieved
        for i in plan_achievement(plan=docs.plan, scope=user_scope(docs.leader))
    }
    with translation.override("vi"):
        assert fmt(selector["TUAN_TRA"]) in text
    assert "PHỤ LỤC" in text and "Huyện Anh Sơn" in text


def test_district_report_for_own_district(docs, client, django_capture_on_commit_callbacks):
    union_a = Agency.objects.get(code="DOAN_A")
    response = issue(
        client,
        docs.officer_a,
        kind=Kind.DISTRICT,
        sub=docs.sub_a.pk,
        issuer=str(union_a.pk),
        capture=django_capture_on_commit_callbacks,
    )
    report, data = issued_pdf(response)
    text = pdf_text(data)
    assert "BCH TỈNH ĐOÀN NGHỆ AN HUYỆN ĐOÀN ANH SƠN" in text
    assert "Số: 12-BC/ĐTN" in text
    assert "Thực hiện Quy chế phối hợp Huyện Anh Sơn" in text
    assert "123 ca" not in text  # district B's figures are not in A's report
    assert fmt(Decimal(40 + 41 + 42)) in text
    assert report.sub_agreement == docs.sub_a


# --- Issued files and changes ---------------------------------------------------------------


def test_issued_file_stays_as_issued_and_the_next_draft_shows_what_changed(
    docs, client, django_capture_on_commit_callbacks
):
    report, data = issued_pdf(issue(client, docs.staff, capture=django_capture_on_commit_callbacks))
    draft_url = reverse("pdf:draft") + f"?kind=provincial&period={QUARTER}"
    assert "Số liệu giống" in client.get(draft_url).content.decode()
    # District B's September is approved afterwards: the figures change.
    september = MonthlyReport.objects.filter(sub_agreement=docs.sub_b, month=dt.date(2024, 9, 1))
    september.update(status=MonthlyReport.Status.APPROVED)
    rollups_refresh(report_ids=september.values_list("pk", flat=True))  # as the services do
    page = client.get(draft_url).content.decode()
    assert "Số liệu đã thay đổi so với Số: 12/BC-CAT" in page
    assert '<td class="num">153</td><td class="num">1152</td>' in page
    client.force_login(docs.leader)
    download = client.get(reverse("pdf:issued_download", args=[report.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == data


# --- Scope ------------------------------------------------------------------------------------


def test_district_officer_sees_only_its_own_districts_documents(
    docs, client, django_capture_on_commit_callbacks
):
    own, _data = issued_pdf(
        issue(
            client,
            docs.officer_a,
            kind=Kind.DISTRICT,
            sub=docs.sub_a.pk,
            issuer=str(Agency.objects.get(code="DOAN_A").pk),
            capture=django_capture_on_commit_callbacks,
        )
    )
    provincial, _data = issued_pdf(
        issue(client, docs.staff, capture=django_capture_on_commit_callbacks)
    )
    client.force_login(docs.officer_b)
    assert client.get(reverse("pdf:issued_download", args=[own.pk])).status_code == 404
    assert client.get(reverse("pdf:issued_download", args=[provincial.pk])).status_code == 404
    draft = reverse("pdf:draft")
    assert (
        client.get(f"{draft}?kind=district&period={QUARTER}&sub={docs.sub_a.pk}").status_code == 404
    )
    assert client.get(f"{draft}?kind=provincial&period={QUARTER}").status_code == 404
    assert client.get(f"{draft}?kind=final&period=plan").status_code == 404
    assert (
        client.get(f"{draft}?kind=district&period={QUARTER}&sub={docs.sub_b.pk}").status_code == 200
    )
    index = client.get(reverse("pdf:index")).content.decode()
    assert own.number_line not in index
    client.force_login(docs.viewer_a)
    assert client.get(reverse("pdf:issued_download", args=[own.pk])).status_code == 200
    # A viewer reads but does not issue: wrong role is a 403.
    response = issue(
        client,
        docs.viewer_a,
        kind=Kind.DISTRICT,
        sub=docs.sub_a.pk,
        issuer=str(Agency.objects.get(code="DOAN_A").pk),
        capture=django_capture_on_commit_callbacks,
    )
    assert response.status_code == 403
    client.force_login(docs.leader)
    assert client.get(reverse("pdf:issued_download", args=[own.pk])).status_code == 200


def test_render_jobs_are_private_to_their_requester(
    docs, client, django_capture_on_commit_callbacks
):
    response = issue(
        client, docs.leader, action="preview", capture=django_capture_on_commit_callbacks
    )
    job_url = response.url
    page = client.get(job_url).content.decode()
    assert "Tải bản dự thảo (PDF)" in page
    draft = client.get(job_url + "download/")
    assert draft.status_code == 200
    assert "DỰ THẢO" in pdf_text(b"".join(draft.streaming_content))
    client.force_login(docs.staff)
    assert client.get(job_url).status_code == 404
    assert client.get(job_url + "download/").status_code == 404


def test_leadership_may_draft_but_not_issue(docs, client, django_capture_on_commit_callbacks):
    assert issue(client, docs.leader, capture=django_capture_on_commit_callbacks).status_code == 403


def test_pending_job_page_refreshes_itself_without_script(docs, client):
    job = RenderJob.objects.create(
        kind="provincial", period=QUARTER, plan=docs.plan, requested_by=docs.leader
    )
    client.force_login(docs.leader)
    page = client.get(reverse("pdf:job", args=[job.pk])).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "<script" not in page
