"""Hostile files and parameters through the real import, dashboard and document views: random
and adversarial values never cause a 500, a preview writes nothing, a confirm writes exactly
what was previewed or nothing, and every message the user sees is in Vietnamese.

Each example runs inside a savepoint that is rolled back (``in_savepoint``), so examples do
not see each other's writes."""

import csv
import datetime as dt
import io
import re
from urllib.parse import urlencode

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import event as tally
from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from activities.models import ActivityValue, ImportBatch, MonthlyReport
from activities.spreadsheet import SHEET_NAME
from agreements.models import Indicator, Target
from audit.models import AuditEvent
from core.cells import FORMULA_PREFIXES
from tests import factories as f
from tests.excel_helpers import HEADERS, INDICATOR_HEADERS, KEYS
from tests.fuzz_helpers import (
    HOSTILE,
    assert_vietnamese,
    db_snapshot,
    fuzz_settings,
    hostile_text,
    in_savepoint,
    mostly,
)
from tests.test_target_import import HEADERS as TARGET_HEADERS
from tests.test_target_import import preview as target_preview
from tests.test_target_import import (
    staff,  # noqa: F401  (fixture: staff with admin rights)
    target_snapshot,
)

UPLOAD = reverse("activities:import_upload")

# --- The monthly import ---------------------------------------------------------------------


@pytest.fixture
def months(world):
    """A draft March 2024 for A with one figure, an approved February and a submitted January;
    B has a draft March 2024 with a figure (another district's, for the officer)."""
    draft = f.MonthlyReportFactory(sub_agreement=world.sub_a, month=dt.date(2024, 3, 1))
    f.ActivityValueFactory(report=draft, indicator=world.patrol, value=10, comment="cũ")
    approved = f.MonthlyReportFactory(
        sub_agreement=world.sub_a, month=dt.date(2024, 2, 1), status="approved"
    )
    f.ActivityValueFactory(report=approved, indicator=world.patrol, value=7)
    f.MonthlyReportFactory(sub_agreement=world.sub_a, month=dt.date(2024, 1, 1), status="submitted")
    other = f.MonthlyReportFactory(sub_agreement=world.sub_b, month=dt.date(2024, 3, 1))
    f.ActivityValueFactory(report=other, indicator=world.patrol, value=4242)
    return world


def _values() -> dict:
    """Every figure, keyed the way the preview names it: (district, indicator, MM/YYYY)."""
    return {
        (v.report.sub_agreement.org_unit.name, v.indicator.code, f"{v.report.month:%m/%Y}"): {
            "value": v.value,
            "numerator": v.numerator,
            "denominator": v.denominator,
            "comment": v.comment,
        }
        for v in ActivityValue.objects.select_related(
            "report__sub_agreement__org_unit", "indicator"
        )
    }


def _xlsx(rows: list[list], *, headers=HEADERS, sheet=SHEET_NAME) -> bytes:
    def cell(value):
        # XML cannot hold control characters at all: openpyxl refuses to write them.
        return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value

    workbook = Workbook()
    worksheet = workbook.active
    # Excel's own limits on a sheet's name (openpyxl enforces them when writing).
    worksheet.title = re.sub(r"[\\/?*\[\]:]", "", cell(sheet))[:31] or "x"
    worksheet.append([cell(h) for h in headers])
    for cells in rows:
        worksheet.append([cell(c) for c in cells])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv(rows: list[list], *, headers=HEADERS, delimiter=",", bom=True, encoding="utf-8"):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers)
    for cells in rows:
        writer.writerow(["" if c is None else c for c in cells])
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode(encoding, "replace")


def _page_messages(response) -> list[str]:
    context = response.context
    errors = list(context.get("errors") or [])
    form = context.get("form")
    if form is not None:
        errors += [str(m) for messages in form.errors.values() for m in messages]
    return errors


def _drive_import(client, user, content: bytes, name: str) -> str:
    """Upload → preview → confirm through the real views, checking every promise on the way.
    Returns what happened, for the tally."""
    before, values_before = db_snapshot(), _values()
    batches = ImportBatch.objects.filter(user=user).count()
    reports_before = dict(MonthlyReport.objects.values_list("pk", "status"))
    response = client.post(UPLOAD, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        messages = _page_messages(response)
        assert messages
        assert_vietnamese(messages)
        assert db_snapshot() == before
        assert ImportBatch.objects.filter(user=user).count() == batches
        return "file refused"

    batch = ImportBatch.objects.filter(user=user).latest("pk")
    assert response["Location"] == reverse("activities:import_preview", args=[batch.token])
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert db_snapshot() == before, "the preview wrote something"
    preview = batch.preview
    shown = list(preview["file_errors"]) + [m for r in preview["rows"] for m in r["messages"]]
    assert_vietnamese(shown)
    has_errors = bool(preview["file_errors"]) or preview["counts"]["error"] > 0

    response = client.post(reverse("activities:import_confirm", args=[batch.token]))
    assert response.status_code == 302, response.status_code
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages
    assert_vietnamese(messages)
    if has_errors:
        assert db_snapshot() == before, "a file with errors wrote something"
        return "rows refused"

    # Confirmed: exactly the previewed changes, nothing else.
    expected = dict(values_before)
    changes = [r for r in preview["rows"] if r["status"] in ("new", "changed")]
    for row in changes:
        expected[(row["unit"], row["indicator"], row["month"])] = row["new"]
    assert _values() == expected
    for pk, status in reports_before.items():
        if status in ("submitted", "approved"):
            assert MonthlyReport.objects.get(pk=pk).status == status, "a locked month changed"
    if not changes:
        assert db_snapshot()[:2] == before[:2]
        return "nothing to change"
    assert AuditEvent.objects.filter(action="import").count() == len(
        {(r["unit"], r["month"]) for r in changes}
    )
    comments = [r["new"]["comment"] for r in changes]
    if any(c.startswith(FORMULA_PREFIXES) for c in comments):
        _assert_export_neutralises(client, comments)
    return "written"


def _assert_export_neutralises(client, comments: list[str]) -> None:
    """Approve every month and read the export back: no comment is a formula there."""
    MonthlyReport.objects.update(status="approved")
    response = client.get(
        reverse("activities:export"), {"format": "xlsx", "start": "2023-06", "end": "2024-12"}
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))[SHEET_NAME]
    position = KEYS.index("comment")
    exported = []
    for row in sheet.iter_rows(min_row=2):
        cell = row[position]
        assert cell.data_type != "f", cell.value
        if isinstance(cell.value, str):
            assert not cell.value.startswith(FORMULA_PREFIXES), cell.value
            exported.append(cell.value)
    for comment in comments:
        if comment.startswith(FORMULA_PREFIXES):
            # Control characters XML cannot hold are dropped on the way out.
            assert "'" + ILLEGAL_CHARACTERS_RE.sub("", comment) in exported


UNITS = ["A", "B", "a", ""]  # "": the district given by name instead
CODES = ["TUAN_TRA", "HOA_GIAI", "VNEID", "DVC_TT", "tuan_tra"]
# 02/2024 is approved and 01/2024 submitted for A: rows for them are "locked", not written.
MONTHS = ["03/2024", "2024-03", "04/2024", "02/2024", "01/2024", "3/2024", "2024-05-01"]
BAD_MONTHS = ["05/2023", "12/2099", "13/2024", "00/2024", "", "2024-02-30"]
small = st.integers(0, 2000)
cell_value = st.one_of(
    small,
    st.none(),
    small.map(str),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**20), 10**20),
    hostile_text,
)
formula_text = st.sampled_from(["=1+1", '=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "@SUM(A1)"])


def _valid_only(valid, hostile=None):
    return valid


@st.composite
def import_rows(draw):
    # Three rows in four are well formed throughout, so that whole files get accepted and
    # written; in the others each cell is hostile one time in four.
    pick = _valid_only if draw(st.integers(0, 3)) else mostly
    unit = draw(pick(st.sampled_from(UNITS)))
    code = draw(pick(st.sampled_from(CODES)))
    month = draw(pick(st.sampled_from(MONTHS), st.sampled_from(BAD_MONTHS) | hostile_text))
    ratio = code.upper() == "DVC_TT"
    value = draw(pick(st.none() if ratio else small, cell_value))
    numerator = draw(pick(small if ratio else st.none(), cell_value))
    denominator = draw(pick(st.integers(2000, 4000) if ratio else st.none(), cell_value))
    comment = draw(st.one_of(st.just(""), formula_text, pick(st.text(max_size=30), hostile_text)))
    key = draw(pick(st.just(""), st.just(f"{unit}|{code}|2024-03") | hostile_text))
    cells = dict.fromkeys(KEYS, "")
    cells.update(
        key=key,
        unit_code=unit,
        unit_name="Huyện Anh Sơn" if unit == "" else draw(pick(st.just(""))),
        indicator_code=code,
        month=month,
        value=value,
        numerator=numerator,
        denominator=denominator,
        comment=comment,
    )
    return [cells[k] for k in KEYS]


def _file(rows, kind: str, stem: str) -> tuple[bytes, str]:
    if kind == "xlsx":
        return _xlsx(rows), f"{stem}.xlsx"
    return _csv(rows, delimiter=";" if kind == "csv;" else ","), f"{stem}.csv"


IMPORT_EXAMPLES = 40


@fuzz_settings(IMPORT_EXAMPLES)
@given(
    rows=st.lists(import_rows(), min_size=1, max_size=4),
    kind=st.sampled_from(["xlsx", "csv", "csv;"]),
    who=st.sampled_from(["officer_a", "staff"]),
    stem=mostly(st.just("so-lieu"), hostile_text.map(lambda text: text[:200])),
)
# A comment with a formula prefix is accepted, stored as typed and neutralised in the export.
@example(
    rows=[["", "A", "", "TUAN_TRA", "", "", "03/2024", 3, None, None, "=1+1"]],
    kind="xlsx",
    who="officer_a",
    stem="so-lieu",
)
@example(
    rows=[["", "A", "", "HOA_GIAI", "", "", "04/2024", "1.800", None, None, "@SUM(A1)"]],
    kind="csv",
    who="staff",
    stem="so-lieu",
)
@example(  # a control character in a comment made the Excel export a 500
    rows=[
        ["", "A", "", "HOA_GIAI", "", "", "03/2024", 0, None, None, "\x1b"],
        ["", "A", "", "TUAN_TRA", "", "", "03/2024", 0, None, None, "=1+1\x1b"],
    ],
    kind="csv",
    who="staff",
    stem="so-lieu",
)
@example(  # a hostile file name ends up in the batch and in the audit events' reason
    rows=[["", "A", "", "TUAN_TRA", "", "", "04/2024", 5, None, None, ""]],
    kind="xlsx",
    who="officer_a",
    stem='<img src="file:///etc/passwd">\x00\u202e"; DROP TABLE x; --' + "đ" * 300,
)
@example(  # the officer's file touching B is refused whole
    rows=[
        ["", "A", "", "TUAN_TRA", "", "", "03/2024", 1, None, None, ""],
        ["", "B", "", "TUAN_TRA", "", "", "03/2024", 1, None, None, ""],
    ],
    kind="xlsx",
    who="officer_a",
    stem="so-lieu",
)
@example(
    rows=[["", "A", "", "TUAN_TRA", "", "", "03/2024", float("nan"), None, None, "\x00"]],
    kind="csv",
    who="officer_a",
    stem="so-lieu",
)
@example(
    rows=[["", "A", "", "DVC_TT", "", "", "03/2024", None, "1e400", "Infinity", "x" * 1_000_000]],
    kind="xlsx",
    who="staff",
    stem="so-lieu",
)
def test_import_survives_hostile_cells(months, client, rows, kind, who, stem):
    user = getattr(months, who)
    client.force_login(user)
    content, name = _file(rows, kind, stem)
    in_savepoint(lambda: tally(_drive_import(client, user, content, name)))


def _structure(kind: str, noise: bytes, text: str, world) -> tuple[bytes, str]:
    good = ["", "A", "", "TUAN_TRA", "", "", "03/2024", 12, None, None, "ghi chú"]
    if kind == "extra column":
        return _xlsx([[*good, text or "x"]], headers=[*HEADERS, text or "Thêm"]), "a.xlsx"
    if kind == "missing column":
        drop = len(noise) % len(HEADERS)
        headers = HEADERS[:drop] + HEADERS[drop + 1 :]
        return _xlsx([good[:drop] + good[drop + 1 :]], headers=headers), "a.xlsx"
    if kind == "hostile header":
        return _xlsx([good], headers=[text, *HEADERS[1:]]), "a.xlsx"
    if kind == "header only":
        return _xlsx([]), "a.xlsx"
    if kind == "empty sheet":
        workbook = Workbook()
        workbook.active.title = SHEET_NAME
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue(), "a.xlsx"
    if kind == "wrong sheet":
        return _xlsx([good], sheet=text), "a.xlsx"
    if kind == "random bytes":
        return noise, "a.xlsx"
    if kind == "zip prefix":
        return b"PK\x03\x04" + noise, "a.xlsx"
    if kind == "xls prefix":
        return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + noise, "a.xls"
    if kind == "csv nul early":
        return _csv([[*good[:-1], "a\x00b"]]), "a.csv"
    if kind == "csv nul late":
        # Past the first 8 KB, where the sniffer no longer looks.
        padding = [[*good[:-1], "đ" * 100] for _ in range(50)]
        return _csv([*padding, [*good[:-1], f"a\x00{text}"]]), "a.csv"
    if kind == "csv latin-1":
        return _csv([good], encoding="latin-1", bom=False), "a.csv"
    if kind == "csv cp1258":
        return _csv([good], encoding="cp1258", bom=False), "a.csv"
    if kind == "csv utf-16":
        return _csv([good], encoding="utf-16"), "a.csv"
    if kind == "csv double bom":
        return b"\xef\xbb\xbf" + _csv([good]), "a.csv"
    if kind == "csv ragged":
        return _csv([good[:3], [*good, text, text]]), "a.csv"
    if kind == "csv text":
        return text.encode("utf-8", "surrogatepass") + b"\n" + noise, "a.csv"
    if kind == "csv unbalanced quote":
        return _csv([good]) + b'"' + noise, "a.csv"
    if kind == "csv cr only":
        return _csv([good]).replace(b"\r\n", b"\r"), "a.csv"
    raise AssertionError(kind)


STRUCTURES = [
    "extra column",
    "missing column",
    "hostile header",
    "header only",
    "empty sheet",
    "wrong sheet",
    "random bytes",
    "zip prefix",
    "xls prefix",
    "csv nul early",
    "csv nul late",
    "csv latin-1",
    "csv cp1258",
    "csv utf-16",
    "csv double bom",
    "csv ragged",
    "csv text",
    "csv unbalanced quote",
    "csv cr only",
]
STRUCTURE_EXAMPLES = 40


@fuzz_settings(STRUCTURE_EXAMPLES)
@given(
    kind=st.sampled_from(STRUCTURES),
    noise=st.binary(max_size=400),
    text=hostile_text,
    who=st.sampled_from(["officer_a", "staff"]),
)
@example(kind="csv nul late", noise=b"", text="", who="officer_a")
@example(kind="wrong sheet", noise=b"", text="Số liệu\x00", who="staff")
def test_import_survives_hostile_structure(months, client, kind, noise, text, who):
    user = getattr(months, who)
    client.force_login(user)
    content, name = _structure(kind, noise, text, months)
    in_savepoint(lambda: tally(f"{kind}: {_drive_import(client, user, content, name)}"))


@pytest.mark.parametrize("who", ["officer_a", "staff"])
def test_import_survives_huge_files_and_cells(months, client, settings, who):
    """A 10 MB cell compresses to a few KB of xlsx; a file just over the limit is refused."""
    user = getattr(months, who)
    client.force_login(user)
    huge = ["", "A", "", "TUAN_TRA", "", "", "03/2024", 12, None, None, "x" * 10_000_000]
    outcomes = [
        _drive_import(client, user, _xlsx([huge]), "lon.xlsx"),
        _drive_import(client, user, b"a" * (settings.MAX_UPLOAD_BYTES + 1), "lon.csv"),
    ]
    assert outcomes == ["rows refused", "file refused"]


# --- The administration's target import -----------------------------------------------------


def _target_cell(valid):
    return mostly(
        valid,
        st.one_of(
            hostile_text,
            st.floats(allow_nan=True, allow_infinity=True),
            st.integers(-(10**30), 10**30),
            st.decimals(allow_nan=True, allow_infinity=True).map(str),
        ),
    )


@st.composite
def target_rows(draw, world):
    ratio = draw(st.booleans())
    return (
        draw(_target_cell(st.sampled_from([world.sub_a.code, world.sub_b.code, world.plan.code]))),
        draw(_target_cell(st.just("DVC_TT" if ratio else "TUAN_TRA"))),
        draw(_target_cell(st.sampled_from([None, 2024, "2024", 2025]))),
        draw(_target_cell(st.integers(0, 100).map(str) if ratio else st.integers(0, 10**6))),
    )


@fuzz_settings(25)
@given(data=st.data(), fmt=st.sampled_from(["xlsx", "csv"]))
def test_target_import_survives_hostile_values(client, world, staff, data, fmt):  # noqa: F811
    client.force_login(staff)
    rows = data.draw(st.lists(target_rows(world), min_size=1, max_size=4), label="rows")
    if fmt == "xlsx":
        upload = SimpleUploadedFile("chi-tieu.xlsx", _xlsx(rows, headers=TARGET_HEADERS))
    else:
        upload = SimpleUploadedFile("chi-tieu.csv", _csv(rows, headers=TARGET_HEADERS))

    def check():
        before, events = target_snapshot(), AuditEvent.objects.count()
        response = target_preview(client, upload, fmt="0" if fmt == "xlsx" else "1")
        assert response.status_code == 200, response.status_code
        assert target_snapshot() == before, "the dry run wrote something"
        result = response.context.get("result")
        confirm_form = response.context.get("confirm_form")
        if result is not None:
            # A crash inside the import shows a traceback in English: never acceptable.
            assert not result.has_errors(), [e.error for e in result.base_errors]
        if result is None or confirm_form is None:
            # Refused: the file, or some row in it. Nothing written, reasons in Vietnamese.
            tally("refused")
            if result is not None:
                assert result.has_validation_errors()
                assert_vietnamese(
                    [
                        str(message)
                        for row in result.invalid_rows
                        for messages in row.error_dict.values()
                        for message in messages
                    ]
                )
            else:
                form = response.context["form"]
                assert_vietnamese([str(m) for ms in form.errors.values() for m in ms])
            assert AuditEvent.objects.count() == events
            return
        tally("accepted")
        new, changed = result.totals["new"], result.totals["update"]
        fields = {name: confirm_form[name].value() for name in confirm_form.fields}
        response = client.post(reverse("admin:agreements_target_process_import"), fields)
        assert response.status_code == 302, response.status_code
        # Exactly the previewed rows are written, each audited.
        assert Target.objects.count() == len(before) + new
        assert AuditEvent.objects.count() == events + new + changed

    in_savepoint(check)


# --- Dashboards and documents ---------------------------------------------------------------

param = st.one_of(st.sampled_from(HOSTILE[:-1]), hostile_text, st.integers().map(str))


@fuzz_settings(40)
@given(
    view=st.sampled_from(["province", "district", "indicator"]),
    query=st.dictionaries(
        st.sampled_from(["period", "task", "district", "sort", "provisional", "page"]),
        mostly(st.sampled_from(["2024-Q1", "2024", "2024-03", "plan", "1", "2", "-status"]), param),
    ),
    who=st.sampled_from(["officer_a", "staff", "leader"]),
    code=mostly(st.just("TUAN_TRA"), param),
)
@example(view="province", query={"task": "²"}, who="staff", code="TUAN_TRA")
@example(view="province", query={"district": "²"}, who="staff", code="TUAN_TRA")
@example(view="province", query={"district": "9" * 40}, who="staff", code="TUAN_TRA")
@example(view="province", query={"task": "9" * 40}, who="staff", code="TUAN_TRA")
@example(view="indicator", query={"period": "\x00"}, who="leader", code="a\x00b")
def test_dashboards_survive_hostile_parameters(months, client, view, query, who, code):
    client.force_login(getattr(months, who))
    query = {key: value[:2000] for key, value in query.items()}
    if view == "district":
        url = reverse("reports:district", args=[months.sub_a.pk])
    elif view == "indicator":
        code = code[:200].replace("/", "") or "x"
        url = reverse("reports:indicator", args=[code])
    else:
        url = reverse("reports:province")
    response = client.get(url, query)
    # 302: an officer asking for the province is sent to their own district.
    assert response.status_code in (200, 302, 404), response.status_code
    tally(str(response.status_code))


IMG = '<img src="file:///etc/passwd">'


@fuzz_settings(15)
@given(
    params=st.fixed_dictionaries(
        {"kind": mostly(st.sampled_from(["provincial", "district", "final"]), param)},
        optional={
            "period": mostly(st.sampled_from(["2024-Q1", "2024", "plan", "2024-03"]), param),
            "sub": mostly(st.just("SUB"), param),
        },
    ),
    post=st.fixed_dictionaries(
        {},
        optional={
            "issuer": param,
            "number": st.one_of(st.just(IMG), param),
            "issued_on": param,
            "narrative": st.one_of(st.just(IMG), param),
            "signatory_title": param,
            "signatory_name": st.one_of(st.just(IMG), param),
            "co_signatory_title": param,
            "co_signatory_name": param,
            "recipients": param,
            "action": st.sampled_from(["", "issue", "<x>"]),
        },
    ),
    method=st.sampled_from(["get", "post"]),
)
@example(params={"kind": "district", "sub": "9" * 40, "period": "2024-Q1"}, post={}, method="get")
@example(params={"kind": "district", "sub": "²"}, post={}, method="get")
def test_document_draft_survives_hostile_input(months, client, params, post, method):
    from reports.models import RenderJob

    client.force_login(months.staff)
    params = {key: value[:2000] for key, value in params.items()}
    if params.get("sub") == "SUB":
        params["sub"] = str(months.sub_a.pk)
    url = reverse("pdf:draft") + "?" + urlencode(params)
    if method == "post":
        # An invalid date or issuer keeps the form on the validation path: no render is queued.
        post = {**post, "issued_on": post.get("issued_on", "") + "x"}
    jobs = RenderJob.objects.count()
    response = getattr(client, method)(url, post)
    assert response.status_code in (200, 302, 404), response.status_code
    tally(f"{method} {response.status_code}")
    if response.status_code == 200 and method == "post":
        form = response.context["form"]
        messages = [str(m) for messages in form.errors.values() for m in messages]
        assert messages
        assert_vietnamese(messages)
        assert RenderJob.objects.count() == jobs
        page = response.content.decode()
        assert IMG not in page


def test_every_new_fuzz_test_runs_at_most_forty_examples():
    for test in (
        test_import_survives_hostile_cells,
        test_import_survives_hostile_structure,
        test_target_import_survives_hostile_values,
        test_dashboards_survive_hostile_parameters,
        test_document_draft_survives_hostile_input,
    ):
        assert test._hypothesis_internal_use_settings.max_examples <= 40


@pytest.mark.parametrize("task", ["²", "9" * 40, "-1", "1.5", "NaN", "\x00"])
def test_indicator_import_refuses_a_hostile_task_number_in_vietnamese(
    client,
    world,
    staff,  # noqa: F811
    task,
):
    client.force_login(staff)
    before = list(Indicator.objects.values_list("pk", "task_id", "name"))
    row = [world.plan.code, "MOI", task, "Chỉ tiêu mới", "", "buổi", "sum", "", "", 9]
    upload = SimpleUploadedFile("chi-tieu.csv", _csv([row], headers=INDICATOR_HEADERS))
    response = target_preview(client, upload, fmt="1", model="indicator")
    assert response.status_code == 200
    result = response.context["result"]
    assert not result.has_errors(), [e.error for e in result.base_errors]
    assert response.context.get("confirm_form") is None
    messages = [
        str(message)
        for row in result.invalid_rows
        for messages in row.error_dict.values()
        for message in messages
    ]
    assert messages
    assert_vietnamese(messages)
    assert list(Indicator.objects.values_list("pk", "task_id", "name")) == before
