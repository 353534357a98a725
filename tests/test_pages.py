"""Every page reads as a finished Vietnamese portal: indicator names and Vietnamese figures
instead of codes and raw numbers, no English or internal words on a Vietnamese page, what a
reviewer must weigh on the review page, sample data labelled where leadership looks, a login
page that names the agencies and says what to do on a forgotten password, and a guide
reachable from every page (issue 14, "Pages")."""

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from activities import services
from activities.models import ImportBatch, MonthlyReport
from activities.rollups import rollups_refresh
from agreements.models import AgreementParty
from agreements.selectors import user_scope
from tests import factories as f
from tests.excel_helpers import row, xlsx


class _VisibleText(HTMLParser):
    """The text a reader sees: character data outside <script>/<style>, plus <option> labels
    and the title; attribute values (classes such as ``status-submitted``) are not text."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    parser = _VisibleText()
    parser.feed(response.content.decode())
    return " ".join(" ".join(parser.parts).split())


def save_month(world, month, *, patrol=9, user=None, sub=None, ratio=(4, 10), status=None):
    user = user or world.officer_a
    report = services.report_get_or_create(
        sub_agreement=sub or world.sub_a, month=month, scope=user_scope(user)
    )
    report = services.report_save_draft(
        report=report,
        user=user,
        scope=user_scope(user),
        version=report.version,
        values={
            world.patrol.pk: services.ValueInput(value=patrol),
            world.mediation.pk: services.ValueInput(value=1),
            world.vneid.pk: services.ValueInput(value=1000),
            world.online.pk: services.ValueInput(numerator=ratio[0], denominator=ratio[1]),
        },
    )
    if status:
        MonthlyReport.objects.filter(pk=report.pk).update(status=status)
        # Written past the services: bring the rollups in line as every write path does.
        rollups_refresh(report_ids=[report.pk])
        report.refresh_from_db()
    return report


def history_of_nine(world):
    """Nine months (06/2023–02/2024) of 9 patrol shifts each: the usual month is 9."""
    month = dt.date(2023, 6, 1)
    while month < world.month:
        save_month(world, month)
        month = (month + dt.timedelta(days=32)).replace(day=1)


def entry_post(client, world, *, patrol, action="submit", version=0):
    return client.post(
        reverse("activities:month_entry", args=[world.sub_a.pk, "2024-03"]),
        {
            "version": version,
            "action": action,
            "narrative": "",
            f"v_{world.patrol.pk}": patrol,
            f"v_{world.mediation.pk}": "1",
            f"v_{world.vneid.pk}": "1.000",
            f"n_{world.online.pk}": "4",
            f"d_{world.online.pk}": "10",
        },
    )


# --- Soft checks ---------------------------------------------------------------------------


def test_a_refused_submit_names_the_indicator_in_vietnamese_figures_once(client, world):
    history_of_nine(world)
    client.force_login(world.officer_a)
    page = text_of(entry_post(client, world, patrol="1.800"))
    warning = "Ca tuần tra ban đêm: 1.800 cao gấp hơn 3 lần mức thường gặp hằng tháng (trung vị 9)."
    assert page.count(warning) == 1
    assert "Tháng này chưa được gửi." in page
    assert "TUAN_TRA" not in page and "9.0" not in page and "1800" not in page
    assert not MonthlyReport.objects.filter(month=world.month).exists()


def test_the_missing_indicators_are_named_not_coded(world):
    report = services.report_get_or_create(
        sub_agreement=world.sub_a, month=world.month, scope=user_scope(world.officer_a)
    )
    report = services.report_save_draft(
        report=report,
        user=world.officer_a,
        scope=user_scope(world.officer_a),
        version=report.version,
        values={world.patrol.pk: services.ValueInput(value=3)},
    )
    with pytest.raises(ValidationError) as error:
        services.report_submit(
            report=report,
            user=world.officer_a,
            scope=user_scope(world.officer_a),
            version=report.version,
        )
    message = " ".join(error.value.messages)
    assert "Vụ mâu thuẫn hòa giải thành công; Tài khoản VNeID; Tỷ lệ hồ sơ trực tuyến" in message
    assert "HOA_GIAI" not in message


# --- No English or internal words on a Vietnamese page -------------------------------------

# Words a reader of the Vietnamese portal saw before (issue 14): indicator codes, stored
# statuses and field names, object types, English app names, the lock version.
LEAKS = [
    "TUAN_TRA",
    "HOA_GIAI",
    "VNEID",
    "DVC_TT",
    "monthly_report",
    "submitted",
    "approved",
    "returned",
    "draft",
    "narrative",
    "value=",
    "phiên bản",
    "Axes",
    "AXES",
    "Access attempts",
    "Access logs",
    "Log out",
    "Notifications",
    "Progress",
    "Review",
    "Help",
    "Tasks Database Backend",
    "Task Results",
    "Show counts",
]


@pytest.fixture
def busy_world(world):
    """A month with history, a submitted month, a returned one and a sample month."""
    history_of_nine(world)
    march = save_month(world, world.month, patrol=12)
    services.report_submit(
        report=march, user=world.officer_a, scope=user_scope(world.officer_a), version=2
    )
    save_month(world, world.month, sub=world.sub_b, user=world.officer_b, status="approved")
    MonthlyReport.objects.filter(month=dt.date(2023, 6, 1)).update(is_sample=True)
    world.march = MonthlyReport.objects.get(sub_agreement=world.sub_a, month=world.month)
    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save()
    return world


def _pages(w):
    entry = reverse("activities:month_entry", args=[w.sub_a.pk, "2024-03"])
    return {
        "officer_a": [
            "/",
            reverse("activities:month_list", args=[w.sub_a.pk]),
            entry,
            reverse("activities:month_entry", args=[w.sub_a.pk, "2024-02"]),
            reverse("help"),
            reverse("notifications:list"),
            reverse("pdf:index"),
            reverse("activities:import_upload"),
        ],
        "viewer_a": ["/", reverse("activities:month_list", args=[w.sub_a.pk]), entry],
        "staff": [
            "/",
            reverse("activities:review_inbox"),
            reverse("activities:report_detail", args=[w.march.pk]),
            reverse("audit:list"),
            reverse("audit:list") + f"?report={w.march.pk}",
            reverse("audit:user", args=[w.officer_a.pk]),
            reverse("help"),
        ],
        "leader": [
            "/",
            reverse("reports:province"),
            reverse("reports:district", args=[w.sub_a.pk]),
            reverse("reports:indicator", args=["TUAN_TRA"]),
            reverse("pdf:index"),
            reverse("help"),
        ],
        "admin": [
            reverse("admin:index"),
            reverse("admin:activities_monthlyreport_changelist"),
            reverse("admin:axes_accessattempt_changelist"),
            reverse("admin:axes_accesslog_changelist"),
            reverse("admin:django_tasks_database_dbtaskresult_changelist"),
        ],
    }


def test_no_known_leak_on_the_main_pages_in_vietnamese_as_each_role(client, busy_world):
    found = []
    for role, urls in _pages(busy_world).items():
        client.force_login(getattr(busy_world, role))
        for url in urls:
            response = client.get(url, follow=True)
            assert all("/login/" not in hop for hop, _status in response.redirect_chain), url
            page = text_of(response)
            for leak in LEAKS:
                if re.search(rf"(?<![\w/]){re.escape(leak)}(?!\w)", page):
                    found.append((role, url, leak))
    assert not found


def test_history_and_audit_name_indicators_and_statuses(client, busy_world):
    client.force_login(busy_world.staff)
    page = text_of(client.get(reverse("activities:report_detail", args=[busy_world.march.pk])))
    # The changed indicators by name (PostgreSQL's jsonb keeps its own key order).
    assert re.search(
        "Ca tuần tra ban đêm; Vụ mâu thuẫn hòa giải thành công"
        "|Vụ mâu thuẫn hòa giải thành công; Ca tuần tra ban đêm",
        page,
    )
    page = text_of(client.get(reverse("audit:list")))
    assert "Bản nháp → Đã gửi" in page or "Nháp → Đã gửi" in page
    assert "Báo cáo tháng" in page  # the object type filter, not "monthly_report"
    # People by name in the user filter, not by number.
    name = busy_world.officer_a.get_full_name() or busy_world.officer_a.get_username()
    assert name in page
    assert "Số người dùng" not in page and "Số báo cáo" not in page


def test_the_admin_lists_months_by_month_status_and_version_and_axes_in_vietnamese(
    client, busy_world
):
    client.force_login(busy_world.admin)
    html = client.get(reverse("admin:activities_monthlyreport_changelist")).content.decode()
    positions = [html.index(f"column-{name}") for name in ("month_label", "status", "version")]
    assert positions == sorted(positions)
    page = text_of(client.get(reverse("admin:index")))
    assert "An ninh đăng nhập" in page and "Các lần đăng nhập sai" in page


# --- The Excel preview and import ----------------------------------------------------------


def test_the_import_preview_names_indicators_and_the_message_says_submit(client, world):
    client.force_login(world.officer_a)
    content = xlsx([row(value=12), row(indicator="HOA_GIAI", value=5)])
    page = text_of(
        client.post(
            reverse("activities:import_upload"),
            {"file": SimpleUploadedFile("so-lieu.xlsx", content)},
            follow=True,
        )
    )
    assert "Ca tuần tra ban đêm" in page and "Vụ mâu thuẫn hòa giải thành công" in page
    assert "Giống số liệu đã có" in page
    assert "Không nhập được: tháng đã gửi hoặc đã duyệt (đã khóa)" in page
    batch = ImportBatch.objects.get(user=world.officer_a)
    page = text_of(
        client.post(reverse("activities:import_confirm", args=[batch.token]), follow=True)
    )
    assert "mới được lưu nháp, chưa gửi" in page and "bấm «Gửi báo cáo»" in page


# --- The review page -----------------------------------------------------------------------


def test_the_review_page_shows_the_ratio_deadline_lateness_and_warnings(client, world):
    history_of_nine(world)
    march = save_month(world, world.month, patrol=1800, ratio=(400, 560))
    MonthlyReport.objects.filter(pk=march.pk).update(
        status="submitted",
        submitted_at=dt.datetime(2024, 4, 20, 9, 0, tzinfo=dt.UTC),
    )
    client.force_login(world.staff)
    page = text_of(client.get(reverse("activities:report_detail", args=[march.pk])))
    assert "400/560 (71,4 %)" in page
    assert "Hạn gửi" in page and "05/04/2024" in page
    assert "chậm" in page
    assert "Ca tuần tra ban đêm: 1.800 cao gấp hơn 3 lần" in page and "chưa giải thích" in page


# --- One number format, sample data labelled -----------------------------------------------


def test_home_and_dashboard_print_a_ratio_alike(client, world):
    save_month(world, world.month, ratio=(567, 1000), status="approved")
    f.TargetFactory(agreement=world.plan, indicator=world.online, year=None, value=70)
    client.force_login(world.leader)
    home = text_of(client.get("/"))
    dashboard = text_of(client.get(reverse("reports:province")))
    assert "56,7" in home and "56,7" in dashboard
    assert "56,70" not in home


def test_sample_data_is_labelled_on_home_and_dashboards(client, world):
    client.force_login(world.leader)
    save_month(world, world.month, status="approved")
    assert "Dữ liệu mẫu" not in text_of(client.get("/"))
    MonthlyReport.objects.update(is_sample=True)
    for url in (
        "/",
        reverse("reports:province"),
        reverse("reports:district", args=[world.sub_a.pk]),
    ):
        assert "Dữ liệu mẫu" in text_of(client.get(url)), url


# --- Login, help, favicon ------------------------------------------------------------------


def test_the_login_page_names_the_agencies_and_the_forgotten_password_path(client, world):
    for order, name in enumerate(("Công an tỉnh Thử", "Ban Chấp hành Tỉnh đoàn Thử"), 1):
        AgreementParty.objects.create(
            agreement=world.plan,
            agency=f.AgencyFactory(name=name, org_unit=world.province),
            order=order,
        )
    response = client.get(reverse("login"))
    page = text_of(response)
    assert page.index("Công an tỉnh Thử") < page.index("Ban Chấp hành Tỉnh đoàn Thử")
    assert "Quên mật khẩu?" in page and "quản trị viên cấp tỉnh" in page
    html = response.content.decode()
    assert 'rel="icon" href="/static/img/favicon.svg"' in html
    assert "img/emblem.svg" in html


def test_the_favicon_and_font_are_bundled_with_their_licence():
    from django.contrib.staticfiles import finders

    for path in (
        "img/favicon.svg",
        "img/emblem.svg",
        "fonts/LICENSE-BeVietnamPro.txt",
        "fonts/be-vietnam-pro-vietnamese-400-normal.woff2",
        "fonts/be-vietnam-pro-latin-700-normal.woff2",
    ):
        assert finders.find(path), path
    licence = open(finders.find("fonts/LICENSE-BeVietnamPro.txt"), encoding="utf-8").read()
    assert "SIL Open Font License" in licence


@pytest.mark.parametrize("role", ["officer_a", "viewer_a", "staff", "leader", "admin"])
def test_the_guide_is_linked_from_every_page_and_explains_the_excel_template(client, world, role):
    client.force_login(getattr(world, role))
    home = client.get("/").content.decode()
    assert f'href="{reverse("help")}"' in home
    page = text_of(client.get(reverse("help")))
    assert "Hướng dẫn sử dụng" in page and "Mẫu Excel" in page and "Tử số" in page


def test_the_guide_is_in_english_too(client, world):
    client.force_login(world.officer_a)
    client.cookies["django_language"] = "en"
    page = text_of(client.get(reverse("help"), HTTP_ACCEPT_LANGUAGE="en"))
    assert "The Excel template" in page


# --- The PDF form --------------------------------------------------------------------------


def test_the_pdf_form_offers_only_periods_in_which_a_unit_reported(client, world):
    save_month(world, world.month, status="submitted")
    save_month(world, dt.date(2024, 4, 1))  # a draft: nobody reported April
    client.force_login(world.leader)
    html = client.get(reverse("pdf:index")).content.decode()
    keys = re.findall(r'<option value="([^"]+)"', html)
    assert {"plan", "2024", "2024-H1", "2024-Q1", "2024-03"} <= set(keys)
    assert "2024-04" not in keys and "2023-06" not in keys and "2023" not in keys
    # The kind is a radio group: CSS shows only the pickers the chosen kind uses.
    assert 'type="radio" name="kind" value="final"' in html


# --- A forgotten password by email ---------------------------------------------------------


def test_a_password_is_reset_by_a_one_time_email_link(client, world, mailoutbox):
    world.officer_a.email = "doan.a@example.vn"
    world.officer_a.save()
    page = text_of(client.get(reverse("login")))
    assert "Đặt lại qua email" in page
    response = client.post(reverse("password_reset"), {"email": "Doan.A@example.vn"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert (
        mail.subject == "Hợp tác: đặt mật khẩu mới" and "Tên đăng nhập của bạn: doan.a" in mail.body
    )
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", mail.body).group(1)
    form = client.get(link, follow=True)
    assert "Đặt mật khẩu mới" in text_of(form)
    new = "Mat-khau-moi-2026!"
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}, follow=True
    )
    assert "Đã đổi mật khẩu" in text_of(done)
    world.officer_a.refresh_from_db()
    assert world.officer_a.check_password(new)
    again = text_of(client.get(link, follow=True))
    assert "không còn hiệu lực" in again


def test_the_reset_form_is_throttled_and_tells_nobody_which_addresses_exist(
    client, world, mailoutbox
):
    from django.core.cache import cache

    cache.clear()
    world.officer_a.email = "doan.a@example.vn"
    world.officer_a.save()
    for _ in range(5):
        response = client.post(reverse("password_reset"), {"email": "doan.a@example.vn"})
        assert response.status_code == 302
    assert len(mailoutbox) == 3  # RESET_PER_EMAIL_PER_HOUR
    unknown = client.post(reverse("password_reset"), {"email": "ai-do@example.vn"}, follow=True)
    assert "Hãy kiểm tra email" in text_of(unknown)
    assert len(mailoutbox) == 3
