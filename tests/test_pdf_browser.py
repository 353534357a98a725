"""Journey: leadership downloads the quarterly report, issued and as a fresh draft. Renders
are tasks; the suite runs them with the immediate backend (in the live server's request, on
commit of the job), so no thread races the test database. The real worker process is
tested in tests/test_pdf_worker.py."""

import pytest
from django.urls import reverse

from agreements.selectors import user_scope
from reports import services_pdf
from reports.pdf_data import Kind
from tests.conftest import login, open_menu
from tests.test_pdf import QUARTER, docs, pdf_text  # noqa: F401 — the fixture


@pytest.mark.browser
def test_leadership_downloads_the_quarterly_report(
    docs,  # noqa: F811 — the fixture
    live_server,
    page,
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Provincial staff issued the Q3 report earlier.
    services_pdf.render_job_create(
        user=docs.staff,
        scope=user_scope(docs.staff),
        plan=docs.plan,
        kind=Kind.PROVINCIAL,
        period=QUARTER,
        sub_agreement_id=None,
        options={
            "issuer": str(docs.police.pk),
            "number": "27",
            "issued_on": "2024-10-08",
            "narrative": "Kết quả quý III/2024.",
            "signatory_title": "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
            "signatory_name": "Trần Ngọc Tuấn",
            "recipients": "- Lưu: VT.",
        },
        issue=True,
    )

    login(page, live_server, docs.leader.username)
    open_menu(page)
    page.get_by_role("link", name="Báo cáo PDF").first.click()
    page.get_by_role("heading", name="Báo cáo đã ban hành").wait_for()
    with page.expect_download() as issued:
        page.get_by_role("link", name="Tải PDF Số: 27/BC-CAT quý III/2024").click()
    text = pdf_text(open(issued.value.path(), "rb").read())
    assert "Số: 27/BC-CAT" in text and "quý III/2024" in text and "Kết quả quý III/2024." in text

    # Only the pickers of the chosen kind show: the final review needs no period.
    page.get_by_label("Báo cáo tổng kết kế hoạch").check()
    assert not page.get_by_label("Kỳ báo cáo", exact=True).is_visible()
    page.get_by_label("Báo cáo tiến độ toàn tỉnh").check()
    assert not page.get_by_label("Đơn vị", exact=True).is_visible()
    page.get_by_label("Kỳ báo cáo", exact=True).select_option(label="Quý III/2024")
    page.get_by_role("button", name="Mở dự thảo").click()
    page.get_by_role("heading", name="Dự thảo báo cáo: quý III/2024").wait_for()
    # The date of issue is shown, not left empty: the input got an ISO value (issue 14).
    assert page.get_by_label("Ngày ban hành").input_value() == "2025-01-15"
    # The figures were issued unchanged, so the draft says so.
    assert page.get_by_text("Số liệu giống với báo cáo Số: 27/BC-CAT").is_visible()
    assert page.get_by_role("button", name="Ban hành báo cáo").count() == 0
    page.get_by_role("button", name="Tạo bản PDF dự thảo").click()
    download_link = page.get_by_role("link", name="Tải bản dự thảo (PDF)")
    download_link.wait_for(timeout=30000)  # with a real worker, the page refreshes until ready
    with page.expect_download() as draft:
        download_link.click()
    text = pdf_text(open(draft.value.path(), "rb").read())
    assert "DỰ THẢO" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Trong quý III/2024, toàn tỉnh đã thực hiện: 153 ca tuần tra ban đêm" in text


@pytest.mark.browser
def test_documents_pages_are_accessible(docs, live_server, page, settings, tmp_path):  # noqa: F811
    from tests.test_accessibility import assert_accessible

    settings.MEDIA_ROOT = tmp_path / "media"
    job = services_pdf.render_job_create(
        user=docs.staff,
        scope=user_scope(docs.staff),
        plan=docs.plan,
        kind=Kind.PROVINCIAL,
        period=QUARTER,
        sub_agreement_id=None,
        options={"issuer": str(docs.police.pk), "narrative": "Nội dung."},
        issue=True,
    )
    login(page, live_server, docs.staff.username)
    for url in (
        reverse("pdf:index"),
        reverse("pdf:draft") + f"?kind=provincial&period={QUARTER}",
        reverse("pdf:job", args=[job.pk]),
    ):
        assert_accessible(page, live_server.url + url)
