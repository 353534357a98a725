# ruff: noqa: F811 (the fixtures imported from tests.test_pdf are arguments here)
"""Documents a clerk files without retyping (issue 14): the date field, the number register,
the Decree 30 layout read back from the PDF (Kính gửi, Lưu, KT., place line, title, place
names kept whole, signers at one height, appendix columns), file names, and the
electronic-original parts (signature and seal images, who issued it and when)."""

import datetime as dt
import io
import re
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse
from PIL import Image, ImageDraw
from pypdf import PdfReader

from activities.models import ActivityValue, MonthlyReport
from activities.rollups import rollups_refresh
from agreements.models import Agency, AgreementParty
from audit.models import AuditEvent
from reports.models import IssuedReport, RenderJob, SignatureImage
from reports.pdf import document_filename, file_slug
from reports.services_pdf import issued_report_withdraw
from tests.test_pdf import QUARTER, _media, docs, issue, issued_pdf, pdf_text  # noqa: F401

DRAFT_URL = reverse("pdf:draft") + f"?kind=provincial&period={QUARTER}"


def issue_ok(client, user, capture, **options) -> tuple[IssuedReport, bytes]:
    return issued_pdf(issue(client, user, capture=capture, **options))


def words_with_boxes(data: bytes, page: int) -> list[tuple[str, float, float, float]]:
    """(word, xMin, xMax, yMin) of every word on a page, as pdftotext -bbox reads them."""
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), "-enc", "UTF-8", "-", "-"],
        input=data,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>'
    return [
        (word, float(x0), float(x1), float(y0)) for x0, y0, x1, word in re.findall(pattern, html)
    ]


# --- The draft form ------------------------------------------------------------------------


def test_the_date_of_issue_reaches_the_date_input_as_iso(docs, client):
    client.force_login(docs.staff)
    page = client.get(DRAFT_URL).content.decode()
    # An <input type=date> shows only an ISO value; "15/01/2025" would leave it empty.
    assert re.search(r'<input type="date" name="issued_on" value="2025-01-15"', page)
    for field in ("signatory_deputy_of", "addressees", "drafting_unit"):
        assert f'name="{field}"' in page
    # The plan's police signatory is a deputy director: the form says so from the start.
    assert 'name="signatory_deputy_of" value="Giám đốc"' in page


# --- The number register -------------------------------------------------------------------


def test_the_register_numbers_per_agency_and_year_with_a_leading_zero_and_never_again(
    docs, client, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    first, data = issue_ok(client, docs.staff, capture, number="")
    assert first.number_line == "Số: 01/BC-CAT" and "Số: 01/BC-CAT" in pdf_text(data)
    second, _ = issue_ok(client, docs.staff, capture, number="")
    assert second.number_line == "Số: 02/BC-CAT"
    # Withdrawn, number 02 stays taken: the next report is 03.
    issued_report_withdraw(report=second, user=docs.staff, reason="Ban hành nhầm.")
    third, _ = issue_ok(client, docs.staff, capture, number="")
    assert third.number_line == "Số: 03/BC-CAT"
    # Each agency has its own register; a new year starts again at 01.
    union, _ = issue_ok(client, docs.staff, capture, number="", issuer=str(docs.union.pk))
    assert union.number_line == "Số: 01-BC/TĐTN"
    next_year, _ = issue_ok(client, docs.staff, capture, number="", issued_on="2025-01-05")
    assert next_year.number_line == "Số: 01/BC-CAT"
    assert (next_year.register_year, next_year.register_number) == (2025, 1)
    event = AuditEvent.objects.about("reports.issuedreport", third.pk).get()
    assert event.after["register"] == {
        "agency": docs.police.pk,
        "year": 2024,
        "number": 3,
        "typed": False,
    }


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("01", "đã được cấp"),  # taken (withdrawn numbers too)
        ("05", "đã được cấp"),
        ("03", "không đúng thứ tự"),  # free, but below the last number issued
        ("5a", "số nguyên"),
        ("0", "số nguyên"),
    ],
)
def test_a_number_typed_by_hand_is_checked_against_the_register(
    docs, client, django_capture_on_commit_callbacks, typed, message
):
    capture = django_capture_on_commit_callbacks
    issue_ok(client, docs.staff, capture, number="")
    issue_ok(client, docs.staff, capture, number="5")
    response = issue(client, docs.staff, capture=capture, number=typed)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert IssuedReport.objects.count() == 2


def test_a_number_from_the_offices_own_book_is_accepted_and_the_register_continues_after_it(
    docs, client, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    typed, data = issue_ok(client, docs.staff, capture, number="7")
    assert typed.number_line == "Số: 07/BC-CAT" and "Số: 07/BC-CAT" in pdf_text(data)
    following, _ = issue_ok(client, docs.staff, capture, number="")
    assert following.number_line == "Số: 08/BC-CAT"


# --- Decree 30 layout, read back -----------------------------------------------------------


def test_a_district_report_to_the_province_reads_as_decree_30_lays_it_out(
    docs, client, django_capture_on_commit_callbacks
):
    district_police = Agency.objects.create(
        code="CA_A",
        name="Công an huyện Anh Sơn",
        kind=Agency.Kind.POLICE,
        org_unit=docs.unit_a,
        parent_body="CÔNG AN TỈNH NGHỆ AN",
        abbreviation="CAH",
    )
    AgreementParty.objects.create(agreement=docs.sub_a, agency=district_police, order=2)
    client.force_login(docs.officer_a)
    draft = client.get(
        reverse("pdf:draft") + f"?kind=district&period={QUARTER}&sub={docs.sub_a.pk}"
    ).content.decode()
    # "Kính gửi" is filled in with the provincial plan's parties.
    assert "Công an tỉnh Nghệ An\nBan Chấp hành Tỉnh đoàn Nghệ An" in draft
    report, data = issue_ok(
        client,
        docs.officer_a,
        django_capture_on_commit_callbacks,
        kind="district",
        sub=docs.sub_a.pk,
        issuer=str(district_police.pk),
        number="",
        addressees="Công an tỉnh Nghệ An\nBan Chấp hành Tỉnh đoàn Nghệ An",
        recipients="- Như trên;\n- Lưu: VT.",
        drafting_unit="Đội TH",
        signatory_deputy_of="Trưởng Công an huyện",
        signatory_title="Phó Trưởng Công an huyện",
        signatory_name="Nguyễn Văn An",
    )
    text = pdf_text(data)
    assert "Số: 01/BC-CAH" in text
    # The place line names the district, not the province.
    assert "Anh Sơn, ngày 08 tháng 10 năm 2024" in text and "Nghệ An, ngày" not in text
    # The period comes before the agreement's name, not run into its own "2023 – 2025".
    assert "BÁO CÁO Kết quả quý III/2024 thực hiện quy chế phối hợp" in text
    assert "Kính gửi: - Công an tỉnh Nghệ An; - Ban Chấp hành Tỉnh đoàn Nghệ An." in text
    assert "Nơi nhận: - Như trên; - Lưu: VT, Đội TH." in text
    assert "KT. TRƯỞNG CÔNG AN HUYỆN PHÓ TRƯỞNG CÔNG AN HUYỆN" in text
    assert report.number_line == "Số: 01/BC-CAH"


def test_a_deputy_signs_under_kt_and_nothing_typed_for_the_archive_line_is_lost(
    docs, client, django_capture_on_commit_callbacks
):
    _report, data = issue_ok(
        client,
        docs.staff,
        django_capture_on_commit_callbacks,
        signatory_deputy_of="Giám đốc",
        signatory_title="Phó Giám đốc",
        recipients="- Ban Giám đốc Công an tỉnh\n- Lưu: VT, PV01",
    )
    text = pdf_text(data)
    assert "KT. GIÁM ĐỐC PHÓ GIÁM ĐỐC Trần Ngọc Tuấn" in text
    # Each recipient "- …;" and the last line the archive's, once.
    assert "Nơi nhận: - Ban Giám đốc Công an tỉnh; - Lưu: VT, CAT." in text
    assert text.count("Lưu: VT") == 1


def test_place_names_never_break_inside_an_agency_name(
    docs, client, django_capture_on_commit_callbacks
):
    _report, data = issue_ok(
        client, docs.staff, django_capture_on_commit_callbacks, issuer=str(docs.union.pk)
    )
    lines = [line.strip() for line in pdf_text(data, layout=True).splitlines()]
    header = "\n".join(lines[:6])
    # "BAN CHẤP HÀNH TỈNH ĐOÀN NGHỆ AN" in a 42 % column wraps before "NGHỆ AN", never in it.
    assert not any(re.search(r"NGHỆ$", line) for line in lines[:6]), header
    assert re.search(r"NGHỆ\s+AN", header)


def test_joint_signers_names_sit_at_one_height(docs, client, django_capture_on_commit_callbacks):
    _report, data = issue_ok(
        client,
        docs.staff,
        django_capture_on_commit_callbacks,
        kind="final",
        period="plan",
        issuer="joint",
        co_signatory_title="Ủy viên Ban Thường vụ Trung ương Đoàn, Bí thư Tỉnh đoàn Nghệ An",
        co_signatory_name="Lê Văn Lương",
    )
    pages = len(PdfReader(io.BytesIO(data)).pages)
    found = {}
    for page in range(1, pages + 1):
        for word, _x0, _x1, y in words_with_boxes(data, page):
            if word in ("Tuấn", "Lương"):
                found[word] = (page, round(y, 1))
    assert found["Tuấn"] == found["Lương"], found


def test_the_appendix_keeps_a_nine_digit_figure_out_of_its_percent_column(
    docs, client, django_capture_on_commit_callbacks
):
    september = MonthlyReport.objects.get(sub_agreement=docs.sub_a, month=dt.date(2024, 9, 1))
    ActivityValue.objects.filter(report=september, indicator=docs.vneid).update(
        value=Decimal(123456789)
    )
    # Written past the services: bring the rollups in line as every write path does.
    rollups_refresh(report_ids=[september.pk])
    _report, data = issue_ok(client, docs.staff, django_capture_on_commit_callbacks)
    pages = len(PdfReader(io.BytesIO(data)).pages)
    checked = False
    for page in range(1, pages + 1):
        words = words_with_boxes(data, page)
        if not any(w == "PHỤ" for w, *_ in words) and not any(w == "PL" for w, *_ in words):
            continue
        for index, (word, _x0, x1, y) in enumerate(words):
            if word != "123.456.789" and word != "123.457.290":
                continue
            percent_headers = [
                (x0h, x1h) for w, x0h, x1h, yh in words if w == "%" and yh < y and x0h > x1 - 40
            ]
            # Its % value is a word of its own, and the nearest % column starts right of it.
            following = words[index + 1]
            assert following[1] > x1 and re.fullmatch(r"[\d.,—]+", following[0])
            assert percent_headers and min(x0h for x0h, _ in percent_headers) > x1
            checked = True
    assert checked
    layout = pdf_text(data, layout=True)
    # Headers print each indicator's whole name: none is cut with an ellipsis.
    assert "…" not in layout
    # A task's heading row is never the last line of a page.
    for page_text in layout.split("\f"):
        body = [line for line in page_text.splitlines() if line.strip()]
        if body:
            assert not re.match(r"\s*\d\s+\S", body[-1]) or "Toàn tỉnh" in body[-1], body[-1]


# --- File names -----------------------------------------------------------------------------


def test_file_names_are_as_a_clerk_files_them(docs, client, django_capture_on_commit_callbacks):
    report, _data = issue_ok(client, docs.staff, django_capture_on_commit_callbacks, number="5")
    client.force_login(docs.leader)
    download = client.get(reverse("pdf:issued_download", args=[report.pk]))
    assert download["Content-Disposition"] == (
        'attachment; filename="BC-CAT-05-2024-tien-do-quy-III-2024.pdf"'
    )
    response = issue(
        client, docs.leader, action="preview", capture=django_capture_on_commit_callbacks
    )
    draft = client.get(response.url + "download/")
    assert draft["Content-Disposition"] == (
        'attachment; filename="DU-THAO-BC-CAT-2024-tien-do-quy-III-2024.pdf"'
    )
    assert file_slug("Huyện Đô Lương, quý IV/2025") == "huyen-do-luong-quy-IV-2025"
    assert (
        document_filename(
            abbreviations=["CAT", "TĐTN"], number=3, year=2026, subject="tổng kết giai đoạn"
        )
        == "BC-CAT-TDTN-03-2026-tong-ket-giai-doan.pdf"
    )


# --- Electronic original ---------------------------------------------------------------------


def png_upload(name: str, colour: str, *, size=(400, 160), fmt="PNG"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).ellipse((10, 10, size[0] - 10, size[1] - 10), outline=colour, width=8)
    out = io.BytesIO()
    image.save(out, format=fmt)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


@pytest.fixture
def admin_client(docs, client):
    docs.admin.is_staff = True
    docs.admin.save()
    client.force_login(docs.admin)
    return client


def upload(client, agency, kind, signer_name, file):
    return client.post(
        reverse("admin:reports_signatureimage_add"),
        {"agency": agency.pk, "kind": kind, "signer_name": signer_name, "upload": file},
    )


def test_an_issued_report_carries_the_signature_the_seal_and_who_issued_it(
    docs, admin_client, django_capture_on_commit_callbacks
):
    client = admin_client
    first = upload(client, docs.police, "seal", "", png_upload("dau.png", "red"))
    assert first.status_code == 302
    jpeg = png_upload("chuky.jpg", "blue", fmt="JPEG")
    assert upload(client, docs.police, "signature", "Trần Ngọc Tuấn", jpeg).status_code == 302
    seal = SignatureImage.objects.get(kind="seal")
    assert bytes(seal.png).startswith(b"\x89PNG")  # re-encoded, whatever came in
    events = AuditEvent.objects.filter(object_type="reports.signatureimage")
    assert events.count() == 2 and events.first().after["sha256"]
    report, data = issue_ok(client, docs.staff, django_capture_on_commit_callbacks)
    reader = PdfReader(io.BytesIO(data))
    sizes = {image.image.size for page in reader.pages for image in page.images}
    assert {(400, 160)} == sizes  # the seal and the signature, as uploaded (400 × 160 px)
    text = pdf_text(data)
    issuer = f"{docs.staff.get_full_name()} (tinhdoan)"
    assert (
        f"Văn bản điện tử phát hành trên hệ thống Hợp tác: {issuer}, 10:00 ngày 15/01/2025" in text
    )
    assert f"phát hành bởi {issuer} lúc 10:00 15/01/2025" in reader.metadata["/Subject"]
    assert report.issued_by == docs.staff
    # A draft carries neither: it is not an original.
    response = issue(
        client, docs.staff, action="preview", capture=django_capture_on_commit_callbacks
    )
    job = RenderJob.objects.get(pk=response.url.rstrip("/").split("/")[-1])
    with job.draft_file.open("rb") as handle:
        draft = handle.read()
    assert not [i for page in PdfReader(io.BytesIO(draft)).pages for i in page.images]
    assert "DỰ THẢO" in pdf_text(draft)


def test_an_upload_that_is_not_a_picture_is_refused(docs, admin_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("dau.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    response = upload(admin_client, docs.police, "seal", "", fake)
    assert response.status_code == 200
    assert "Không nhận loại tệp này" in response.content.decode()
    gif = png_upload("dau.png", "red", fmt="GIF")
    assert upload(admin_client, docs.police, "seal", "", gif).status_code == 200
    assert not SignatureImage.objects.exists()


def test_only_an_administrator_uploads_signatures(docs, client):
    docs.staff.is_staff = True
    docs.staff.save()
    client.force_login(docs.staff)
    response = upload(client, docs.police, "seal", "", png_upload("dau.png", "red"))
    assert response.status_code == 403
    assert not SignatureImage.objects.exists()
