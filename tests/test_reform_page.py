"""Recording a reform from the portal (agreements/reforms.py, services.reform_apply, the
reform page): the preview lists exactly what the apply writes, the apply is one transaction,
twice changes nothing, a bad file changes nothing and says why per row in Vietnamese, only
provincial staff may use it, and the real 2025 map recorded this way equals what load_plan
creates."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from agreements import plan_data, reforms, services
from agreements.models import (
    Agency,
    Agreement,
    AgreementParty,
    Membership,
    OrgUnit,
    UnitSuccession,
)
from audit.models import AuditEvent
from tests import factories as f

D = dt.date
ON = D(2025, 7, 1)
BASIS = "NQ thử 01/2025"
SPLIT_CSV = "old_code,new_code,new_name,kind\nA,A1,Xã Anh Một,xa\nA,A2,Phường Anh Hai,phuong\n"


def state() -> dict[str, set]:
    """Every row a reform may touch, by natural key and the fields it sets."""
    return {
        "units": set(
            OrgUnit.objects.values_list(
                "code", "name", "kind", "parent__code", "valid_from", "valid_to"
            )
        ),
        "links": set(
            UnitSuccession.objects.values_list(
                "predecessor__code", "successor__code", "on", "basis"
            )
        ),
        "agencies": set(
            Agency.objects.values_list(
                "code", "name", "kind", "org_unit__code", "parent_body", "abbreviation", "valid_to"
            )
        ),
        "agreements": set(
            Agreement.objects.values_list(
                "code",
                "title",
                "parent__code",
                "org_unit__code",
                "place",
                "start_date",
                "end_date",
                "status",
            )
        ),
        "parties": set(
            AgreementParty.objects.values_list("agreement__code", "agency__code", "order")
        ),
        "memberships": set(
            Membership.objects.values_list("user__username", "org_unit__code", "role")
        ),
    }


def split_rows():
    return reforms.reform_file_read(content=SPLIT_CSV.encode())


@pytest.fixture
def split(world):
    """World's district A with its Youth Union and Police, ready to split into two
    communes on 01/07/2025 (the plan runs to 31/12/2025)."""
    f.AgencyFactory(code="DOAN_A", name="Huyện đoàn Anh Sơn", org_unit=world.unit_a)
    f.AgencyFactory(
        code="CA_A",
        name="Công an huyện Anh Sơn",
        kind=Agency.Kind.POLICE,
        org_unit=world.unit_a,
        valid_to=D(2025, 2, 28),
    )
    return world


def test_preview_lists_exactly_what_the_apply_writes(split):
    # A's sub-agreement was signed to the plan's end: the reform ends it on 30/06/2025.
    Agreement.objects.filter(pk=split.sub_a.pk).update(end_date=D(2025, 12, 31))
    before = state()
    preview = reforms.reform_preview(rows=split_rows(), on=ON, basis=BASIS, members_to={"A": "A1"})
    assert not preview.errors and preview.has_changes
    assert [s.code for s in preview.sub_agreements_ended] == [split.sub_a.code]
    services.reform_apply(
        user=split.staff,
        rows=split_rows(),
        on=ON,
        basis=BASIS,
        members_to={"A": "A1"},
        fingerprint=preview.fingerprint,
    )
    after = state()
    end = D(2025, 6, 30)
    ended_units = {u.code for u in preview.units_ended}
    expected = {
        "units": {
            (u.code, u.name, u.kind, u.parent_code, u.valid_from, None)
            for u in preview.units_created
        }
        | {(*row[:5], end) for row in before["units"] if row[0] in ended_units},
        "links": {
            (link.predecessor_code, link.successor_code, link.on, link.basis)
            for link in preview.links_created
        },
        "agencies": {
            (a.code, a.name, a.kind, a.unit_code, a.parent_body, a.abbreviation, None)
            for a in preview.agencies_created
        }
        | {
            (*row[:6], end)
            for row in before["agencies"]
            if row[0] in {a.code for a in preview.agencies_ended}
        },
        "agreements": {
            (s.code, s.title, s.plan_code, s.unit_code, s.place, s.start_date, s.end_date, "active")
            for s in preview.sub_agreements_created
        }
        | {
            (*row[:6], end, row[7])
            for row in before["agreements"]
            if row[0] in {s.code for s in preview.sub_agreements_ended}
        },
        "parties": {
            (s.code, code, order)
            for s in preview.sub_agreements_created
            for order, code in enumerate(s.party_codes, start=1)
        },
        "memberships": {(m.username, m.unit_code, m.role) for m in preview.memberships_created},
    }
    for name in before:
        assert after[name] - before[name] == expected[name], name
    # What the preview says it reuses or keeps stays as it was.
    for name in ("links", "parties", "memberships"):
        assert before[name] <= after[name], name


def test_a_split_creates_the_communes_their_agencies_and_sub_agreements(split):
    services.reform_apply(user=split.staff, rows=split_rows(), on=ON, basis=BASIS)
    a1, a2 = OrgUnit.objects.get(code="A1"), OrgUnit.objects.get(code="A2")
    assert (a1.name, a1.kind, a1.valid_from, a1.parent) == (
        "Xã Anh Một",
        OrgUnit.Kind.COMMUNE,
        ON,
        split.province,
    )
    assert a2.kind == OrgUnit.Kind.WARD
    split.unit_a.refresh_from_db()
    # History stays: the district keeps its name and its months; it ends the day before.
    assert (split.unit_a.name, split.unit_a.valid_to) == ("Huyện Anh Sơn", D(2025, 6, 30))
    assert set(split.unit_a.successors.values_list("code", flat=True)) == {"A1", "A2"}
    assert set(UnitSuccession.objects.values_list("on", "basis")) == {(ON, BASIS)}
    assert Agency.objects.get(code="DOAN_A1").name == "Đoàn xã Anh Một"
    assert Agency.objects.get(code="CA_A2").name == "Công an phường Anh Hai"
    assert Agency.objects.get(code="DOAN_A").valid_to == D(2025, 6, 30)
    assert Agency.objects.get(code="CA_A").valid_to == D(2025, 2, 28)  # already gone
    sub = Agreement.objects.get(code="QC-A1")
    assert (sub.parent, sub.org_unit, sub.start_date, sub.end_date) == (
        split.plan,
        a1,
        ON,
        D(2025, 12, 31),
    )
    assert sub.title == "Quy chế phối hợp giữa Đoàn xã Anh Một và Công an xã Anh Một giai đoạn 2025"
    assert list(sub.parties.values_list("agency__code", flat=True)) == ["DOAN_A1", "CA_A1"]
    # The district's own sub-agreement already ended on 30/06/2025: unchanged.
    split.sub_a.refresh_from_db()
    assert split.sub_a.end_date == D(2025, 6, 30)
    # One summary event and one per object, all as "reform".
    summary = AuditEvent.objects.get(object_type="agreements.reform")
    assert summary.after["counts"]["units_created"] == 2
    assert summary.actor == split.staff
    # summary, 2 units, A ended, 2 links, 4 agencies, DOAN_A ended, 2 sub-agreements, 4 parties
    assert AuditEvent.objects.filter(action="reform").count() == 1 + 2 + 1 + 2 + 4 + 1 + 2 + 4


def test_officers_follow_the_chosen_successor_and_keep_the_old_unit(split):
    services.reform_apply(
        user=split.staff, rows=split_rows(), on=ON, basis=BASIS, members_to={"A": "A2"}
    )
    roles = set(
        Membership.objects.filter(org_unit__code__in=("A", "A2")).values_list(
            "user__username", "org_unit__code", "role"
        )
    )
    assert roles == {
        ("doan.a", "A", "district_officer"),
        ("congan.a", "A", "district_viewer"),
        ("doan.a", "A2", "district_officer"),
        ("congan.a", "A2", "district_viewer"),
    }


def test_applying_the_same_reform_twice_changes_nothing_the_second_time(split):
    services.reform_apply(
        user=split.staff, rows=split_rows(), on=ON, basis=BASIS, members_to={"A": "A1"}
    )
    before, events = state(), AuditEvent.objects.count()
    again = services.reform_apply(
        user=split.staff, rows=split_rows(), on=ON, basis=BASIS, members_to={"A": "A1"}
    )
    assert not again.has_changes
    assert state() == before
    assert AuditEvent.objects.count() == events
    assert set(again.units_reused) == {"A1", "A2"}


def test_a_failure_midway_leaves_nothing(split, monkeypatch):
    before, events = state(), AuditEvent.objects.count()

    def broken(events):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "audit_record_bulk", broken)
    with pytest.raises(RuntimeError):
        services.reform_apply(user=split.staff, rows=split_rows(), on=ON, basis=BASIS)
    assert state() == before
    assert AuditEvent.objects.count() == events


def test_a_changed_database_since_the_preview_is_refused(split):
    preview = reforms.reform_preview(rows=split_rows(), on=ON, basis=BASIS, members_to={"A": "A1"})
    # Someone adds an officer to A after the preview was shown: it no longer says it all.
    f.MembershipFactory(user=f.UserFactory(username="doan.a.moi"), org_unit=split.unit_a)
    before = state()
    with pytest.raises(ValidationError, match="từ lúc xem trước"):
        services.reform_apply(
            user=split.staff,
            rows=split_rows(),
            on=ON,
            basis=BASIS,
            members_to={"A": "A1"},
            fingerprint=preview.fingerprint,
        )
    assert state() == before


BAD_CSV = (
    "old_code,new_code,new_name,kind\n"
    "ZZZ,N1,Xã Một,xa\n"  # 2: unknown old code
    "A,A,Huyện Anh Sơn,huyen\n"  # 3: successor equal to predecessor
    "A,N2,Xã Hai,xa\n"
    "A,N2,Xã Khác,xa\n"  # 5: repeats row 4
    "NEW,N3,Xã Ba,xa\n"  # 6: the unit starts after the reform
    "OLD,N4,Xã Bốn,xa\n"  # 7: the unit ended long before
    "A,N5,Xã Năm,thon\n"  # 8: unknown kind
    "A,P,Tỉnh khác,xa\n"  # 9: the code belongs to another unit (no renaming)
    "B,N2,Xã Hai Khác,xa\n"  # 10: duplicate new code with a different name
)


def test_a_bad_file_changes_nothing_and_explains_each_row_in_vietnamese(split, client):
    f.OrgUnitFactory(code="NEW", name="Xã Mới Lập", valid_from=D(2025, 8, 1))
    f.OrgUnitFactory(code="OLD", name="Huyện Đã Giải Thể", valid_to=D(2024, 12, 31))
    before, events = state(), AuditEvent.objects.count()
    client.force_login(split.staff)
    response = client.post(
        reverse("agreements:reform"),
        {
            "on": "2025-07-01",
            "basis": BASIS,
            "file": SimpleUploadedFile("chuyen-doi.csv", BAD_CSV.encode()),
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    for message in (
        "Dòng 2: không có đơn vị nào có mã “ZZZ”.",
        "Dòng 3: đơn vị kế thừa trùng với chính đơn vị cũ (A).",
        "Dòng 5: dòng này lặp lại dòng 4.",
        "Dòng 6: Xã Mới Lập chỉ bắt đầu từ 01/08/2025; không thể kết thúc trước 01/07/2025.",
        "Dòng 7: Huyện Đã Giải Thể đã kết thúc ngày 31/12/2024, trước 01/07/2025.",
        "Dòng 8: loại đơn vị “thon” không hợp lệ: ghi xa, phuong, huyen, thi_xa hoặc thanh_pho.",
        "Dòng 9: mã P đã thuộc về “Tỉnh Thử”; đơn vị không bao giờ được đổi tên. Dùng đúng tên "
        "đó hoặc một mã khác.",
        "Dòng 10: mã mới N2 cũng có ở dòng 4 với tên hoặc loại khác (“Xã Hai”).",
    ):
        assert message in page, message
    assert "Áp dụng" not in page
    assert state() == before
    assert AuditEvent.objects.count() == events


def test_the_date_must_be_the_first_of_a_month(split, client):
    client.force_login(split.staff)
    response = client.post(
        reverse("agreements:reform"),
        {"on": "2025-07-15", "basis": BASIS, "file": SimpleUploadedFile("a.csv", b"x")},
    )
    assert response.status_code == 400
    assert "Ngày cải cách phải là ngày đầu tháng" in response.content.decode()


def test_staff_preview_and_apply_through_the_page(split, client):
    client.force_login(split.staff)
    url = reverse("agreements:reform")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "on": "2025-07-01",
            "basis": BASIS,
            "file": SimpleUploadedFile("a.csv", SPLIT_CSV.encode()),
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Xã Anh Một" in page and "Đoàn phường Anh Hai" in page
    assert not OrgUnit.objects.filter(code="A1").exists()  # a preview writes nothing
    context = response.context
    response = client.post(
        url,
        {
            "step": "apply",
            "payload": context["payload"],
            "fingerprint": context["preview"].fingerprint,
            "members-A": "",
        },
        follow=True,
    )
    assert "Đã ghi nhận cải cách: 2 đơn vị mới" in response.content.decode()
    assert OrgUnit.objects.filter(code__in=("A1", "A2")).count() == 2
    # The same file again: the preview says there is nothing to change.
    response = client.post(
        url,
        {
            "on": "2025-07-01",
            "basis": BASIS,
            "file": SimpleUploadedFile("a.csv", SPLIT_CSV.encode()),
        },
    )
    assert "Không có gì thay đổi: cải cách này đã được ghi nhận." in response.content.decode()


def test_a_tampered_payload_is_refused(split, client):
    client.force_login(split.staff)
    response = client.post(
        reverse("agreements:reform"), {"step": "apply", "payload": "abc", "fingerprint": ""}
    )
    assert response.status_code == 400
    assert not OrgUnit.objects.filter(code="A1").exists()


def test_a_small_reform_from_units_picked_in_the_form(split, client):
    client.force_login(split.staff)
    response = client.post(
        reverse("agreements:reform"),
        {
            "on": "2025-07-01",
            "basis": BASIS,
            "old_units": ["A", "B"],
            "successors": "AB, Xã Anh Bình, xa",
        },
    )
    assert response.status_code == 200, response.content.decode()
    preview = response.context["preview"]
    assert {(link.predecessor_code, link.successor_code) for link in preview.links_created} == {
        ("A", "AB"),
        ("B", "AB"),
    }
    assert [s.code for s in preview.sub_agreements_created] == ["QC-AB"]


@pytest.mark.parametrize("who", ["officer_a", "viewer_a", "leader"])
def test_only_provincial_staff_may_open_the_reform_page(split, client, who):
    client.force_login(getattr(split, who))
    url = reverse("agreements:reform")
    assert client.get(url).status_code == 403
    assert client.post(url, {"on": "2025-07-01", "basis": "x"}).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_home_page_links_staff_to_the_reform_page(split, client):
    client.force_login(split.staff)
    assert reverse("agreements:reform") in client.get("/").content.decode()
    client.force_login(split.officer_a)
    assert reverse("agreements:reform") not in client.get("/").content.decode()


# --- The real 2025 map ----------------------------------------------------------------------


def _real_file_rows():
    return reforms.reform_file_read(content=plan_data.COMMUNES_FILE.read_bytes())


def test_the_2025_reform_from_the_shared_file_equals_what_load_plan_creates(db, monkeypatch):
    with monkeypatch.context() as patched:
        patched.setattr(plan_data, "communes_2025", lambda: [])
        call_command("load_plan", stdout=io.StringIO())
    assert not OrgUnit.objects.filter(kind__in=OrgUnit.COMMUNE_LEVEL).exists()
    preview = services.reform_apply(
        user=None,
        rows=_real_file_rows(),
        on=plan_data.COMMUNES_FROM,
        basis=plan_data.COMMUNES_BASIS,
    )
    assert preview.counts["units_created"] == 130
    assert preview.counts["sub_agreements_created"] == 130
    assert preview.counts["units_ended"] == 0  # load_plan already ends the districts
    # load_plan now finds every commune, link, agency, sub-agreement and party as it would
    # have made them: it changes nothing.
    assert not any(services.plan_load().values())


def test_the_shared_file_on_a_fully_loaded_plan_changes_nothing(real_plan):
    preview = reforms.reform_preview(
        rows=_real_file_rows(), on=plan_data.COMMUNES_FROM, basis=plan_data.COMMUNES_BASIS
    )
    assert not preview.errors
    assert not preview.has_changes
    assert len(preview.units_reused) == 130
