"""Who may open what: every URL in the project × every role × GET and POST, against one table.

The URLs are discovered from the resolver, so a new view without an entry in EXPECTED fails
`test_every_url_is_in_the_table` with the line to add. Outcomes:

    ok     the view answers (200, or a redirect that is not to the login page)
    login  redirect to the login page (anonymous users)
    403    wrong role
    404    object outside the user's scope (or absent): never 403, which would leak existence
    405    method not accepted
    400    the request reached the view and was refused as bad input (an empty upload)

Roles (the columns): anonymous; district officer of district A looking at A's objects (own)
and at B's (other); district viewer of A, own and other; provincial staff; leadership; admin.
For province-wide roles "own"/"other" makes no difference, so they get A's objects.
"""

import datetime as dt
import re

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from activities.models import ImportBatch, MonthlyReport
from audit.models import AuditEvent
from notifications.models import Notification
from reports.models import IssuedReport, RenderJob
from tests import factories as f
from tests.conftest import TODAY
from tests.records_helpers import add_record, photo

ROLES = (
    "anon",
    "officer_own",
    "officer_other",
    "viewer_own",
    "viewer_other",
    "staff",
    "leader",
    "admin",
)
METHODS = ("GET", "POST")

# fmt: off
# Columns:          anon   off.own off.oth view.own view.oth staff leader admin
LOGGED_IN =        "login  ok      ok      ok       ok       ok    ok     ok"
DISTRICT_READ =    "login  ok      404     ok       404      ok    ok     ok"
DISTRICT_WRITE =   "login  ok      404     403      404      ok    403    ok"
REVIEWERS =        "login  403     403     403      403      ok    403    ok"
REVIEW_ACTION =    "login  403     404     403      404      ok    403    ok"
NOT_ALLOWED =      "login  405     405     405      405      405   405    405"
PUBLIC =           "ok     ok      ok      ok       ok       ok    ok     ok"
NOT_ALLOWED_ANYONE = "405  405     405     405      405      405   405    405"
TO_LOGIN =         "login  login   login   login    login    login login  login"
IMPORTERS =        "login  ok      ok      403      403      ok    403    ok"
UPLOAD_EMPTY =     "login  400     400     403      403      400   403    400"
OWN_BATCH =        "login  ok      404     403      403      404   403    404"
OWN_JOB =          "login  ok      404     404      404      404   404    404"
STAFF_UPLOAD_EMPTY = "login 403     403     403      403      400   403    400"
# The housing register: an empty form is refused as bad input by the unit's writers; an
# upload batch is its uploader's only (anyone else: 404); personal data and the province view.
WRITE_EMPTY =      "login  400     404     403      404      400   403    400"
HOUSE_BATCH =      "login  ok      404     404      404      404   404    404"
PROVINCE_WIDE =    "login  403     403     403      403      ok    ok     ok"
ADMIN_ONLY =       "login  403     403     403      403      403   403    ok"

EXPECTED: dict[str, dict[str, str]] = {
    "home":                     {"GET": LOGGED_IN,      "POST": LOGGED_IN},
    # The login page sends signed-in users home (a redirect that is not to login: "ok").
    "login":                    {"GET": PUBLIC,         "POST": PUBLIC},
    # Logging out (POST only) ends on the login page, whoever you were.
    "logout":                   {"GET": NOT_ALLOWED_ANYONE, "POST": TO_LOGIN},
    "password_change":          {"GET": LOGGED_IN,      "POST": LOGGED_IN},
    "password_change_done":     {"GET": LOGGED_IN,      "POST": NOT_ALLOWED},
    # The guide: every signed-in role, read only.
    "help":                     {"GET": LOGGED_IN,      "POST": NOT_ALLOWED},
    # A forgotten password, by email: open to anyone (a bad link answers a page saying so).
    "password_reset":           {"GET": PUBLIC,         "POST": PUBLIC},
    "password_reset_done":      {"GET": PUBLIC,         "POST": NOT_ALLOWED_ANYONE},
    "password_reset_confirm":   {"GET": PUBLIC,         "POST": PUBLIC},
    "password_reset_complete":  {"GET": PUBLIC,         "POST": NOT_ALLOWED_ANYONE},
    "activities:month_list":    {"GET": DISTRICT_READ,  "POST": DISTRICT_READ},
    # Reading a month is a district read; POSTing figures needs the officer role.
    "activities:month_entry":   {"GET": DISTRICT_READ,  "POST": DISTRICT_WRITE},
    "activities:review_inbox":  {"GET": REVIEWERS,      "POST": REVIEWERS},
    "activities:review_approve_many": {"GET": NOT_ALLOWED, "POST": REVIEWERS},
    "activities:report_detail": {"GET": DISTRICT_READ,  "POST": DISTRICT_READ},
    "activities:report_review": {"GET": NOT_ALLOWED,    "POST": REVIEW_ACTION},
    "audit:list":               {"GET": REVIEWERS,      "POST": NOT_ALLOWED},
    "audit:user":               {"GET": REVIEWERS,      "POST": NOT_ALLOWED},
    "agreements:document":      {"GET": DISTRICT_READ,  "POST": NOT_ALLOWED},
    # Recording a reform: provincial staff only; an empty POST is a form with errors.
    "agreements:reform":        {"GET": REVIEWERS,      "POST": STAFF_UPLOAD_EMPTY},
    # Excel: the template and upload carry no district in the URL (the officer's own is
    # used); an upload batch belongs to its uploader, so anyone else's token is a 404.
    "activities:import_template": {"GET": IMPORTERS,    "POST": NOT_ALLOWED},
    "activities:import_upload":   {"GET": IMPORTERS,    "POST": UPLOAD_EMPTY},
    "activities:import_preview":  {"GET": OWN_BATCH,    "POST": NOT_ALLOWED},
    "activities:import_confirm":  {"GET": NOT_ALLOWED,  "POST": OWN_BATCH},
    "activities:export":          {"GET": LOGGED_IN,    "POST": NOT_ALLOWED},
    # Dashboards: officers and viewers are sent to their own district; another's is a 404.
    "reports:province":           {"GET": LOGGED_IN,    "POST": NOT_ALLOWED},
    "reports:district":           {"GET": DISTRICT_READ, "POST": NOT_ALLOWED},
    "reports:indicator":          {"GET": LOGGED_IN,    "POST": NOT_ALLOWED},
    "reports:units":              {"GET": LOGGED_IN,    "POST": NOT_ALLOWED},
    "reports:grid":               {"GET": LOGGED_IN,    "POST": NOT_ALLOWED},
    # PDF documents: a render job is private to whoever asked for it.
    "pdf:index":                  {"GET": LOGGED_IN,    "POST": NOT_ALLOWED},
    "pdf:draft":                  {"GET": LOGGED_IN,    "POST": LOGGED_IN},
    "pdf:job":                    {"GET": OWN_JOB,      "POST": NOT_ALLOWED},
    "pdf:job_download":           {"GET": OWN_JOB,      "POST": NOT_ALLOWED},
    "pdf:issued_download":        {"GET": DISTRICT_READ, "POST": NOT_ALLOWED},
    # Withdrawing an issued report: reviewers only (an empty reason changes nothing).
    "pdf:issued_withdraw":        {"GET": NOT_ALLOWED,  "POST": REVIEW_ACTION},
    # Granting late entry for a district's month: reviewers only (without the button's
    # value nothing is granted).
    "activities:late_entry_grant": {"GET": NOT_ALLOWED, "POST": REVIEW_ACTION},
    # Notifications are private to their recipient: anyone else's id is a 404.
    "notifications:list":          {"GET": LOGGED_IN,   "POST": NOT_ALLOWED},
    "notifications:open":          {"GET": OWN_JOB,     "POST": NOT_ALLOWED},
    "notifications:mark_read":     {"GET": NOT_ALLOWED, "POST": OWN_JOB},
    "notifications:mark_all_read": {"GET": NOT_ALLOWED, "POST": LOGGED_IN},
    "notifications:preferences":   {"GET": LOGGED_IN,   "POST": LOGGED_IN},
    # Plans: everyone browses the archive; closing, starting the next plan and activating
    # are for staff (the world plan is active with no final review: each is refused with a
    # message and a redirect, "ok").
    "plan_list":                  {"GET": LOGGED_IN,    "POST": NOT_ALLOWED},
    "plan_close":                 {"GET": NOT_ALLOWED,  "POST": REVIEWERS},
    "plan_next":                  {"GET": REVIEWERS,    "POST": REVIEWERS},
    "plan_activate":              {"GET": NOT_ALLOWED,  "POST": REVIEWERS},
    # Housing register: houses are read like the unit's months and written by its officer
    # and staff; the household's data (its export) is for those writers only, never for
    # leadership or the district viewer. Deleting the matrix house is refused (its completion
    # is in an approved month), anonymising without a request is refused: "ok" redirects.
    "housing:list":               {"GET": DISTRICT_READ, "POST": NOT_ALLOWED},
    "housing:create":             {"GET": DISTRICT_WRITE, "POST": WRITE_EMPTY},
    "housing:import_upload":      {"GET": DISTRICT_WRITE, "POST": WRITE_EMPTY},
    "housing:detail":             {"GET": DISTRICT_READ, "POST": NOT_ALLOWED},
    "housing:edit":               {"GET": DISTRICT_WRITE, "POST": WRITE_EMPTY},
    "housing:advance":            {"GET": NOT_ALLOWED,  "POST": DISTRICT_WRITE},
    "housing:photo_add":          {"GET": NOT_ALLOWED,  "POST": DISTRICT_WRITE},
    "housing:delete":             {"GET": NOT_ALLOWED,  "POST": DISTRICT_WRITE},
    "housing:household_export":   {"GET": DISTRICT_WRITE, "POST": NOT_ALLOWED},
    "housing:anonymise":          {"GET": NOT_ALLOWED,  "POST": DISTRICT_WRITE},
    "housing:photo":              {"GET": DISTRICT_READ, "POST": NOT_ALLOWED},
    "housing:import_preview":     {"GET": HOUSE_BATCH,  "POST": NOT_ALLOWED},
    "housing:import_confirm":     {"GET": NOT_ALLOWED,  "POST": HOUSE_BATCH},
    "housing:export":             {"GET": PROVINCE_WIDE, "POST": NOT_ALLOWED},
    "housing:province":           {"GET": PROVINCE_WIDE, "POST": NOT_ALLOWED},
    "housing:access_log":         {"GET": ADMIN_ONLY,   "POST": NOT_ALLOWED},
    # Activity records: read within the district, written by its officer or staff (an empty
    # POST is a form with errors; a delete without confirmation asks first). Their files are
    # served only through the record's scope.
    "records:record_list":        {"GET": LOGGED_IN,    "POST": NOT_ALLOWED},
    "records:coverage":           {"GET": LOGGED_IN,    "POST": NOT_ALLOWED},
    "records:record_create":      {"GET": DISTRICT_WRITE, "POST": DISTRICT_WRITE},
    "records:record_detail":      {"GET": DISTRICT_READ, "POST": NOT_ALLOWED},
    "records:record_edit":        {"GET": DISTRICT_WRITE, "POST": DISTRICT_WRITE},
    "records:record_delete":      {"GET": NOT_ALLOWED,  "POST": DISTRICT_WRITE},
    "records:attachment":         {"GET": DISTRICT_READ, "POST": NOT_ALLOWED},
    "records:attachment_thumbnail": {"GET": DISTRICT_READ, "POST": NOT_ALLOWED},
}
# fmt: on

# Not walked here: the admin has its own tests (tests/test_security_admin.py), the API its
# own matrix over every operation of its schema (tests/test_api_authorization.py: tokens and
# JSON answers, not logins and redirects), set_language is Django's and takes no data of
# ours, static files are served by whitenoise.
SKIPPED_PREFIXES = ("admin:", "api:")
SKIPPED_NAMES = {"set_language"}


def _walk(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin" or str(entry.pattern).startswith("static"):
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            yield (f"{namespace}{entry.name}" if entry.name else None), entry


def project_urls() -> dict[str, URLPattern]:
    found = {}
    for name, pattern in _walk(get_resolver().url_patterns):
        if name is None:
            raise AssertionError(f"URL pattern {pattern.pattern} has no name; give it one.")
        if name in SKIPPED_NAMES or name.startswith(SKIPPED_PREFIXES):
            continue
        found[name] = pattern
    return found


def _parameters(name: str) -> list[str]:
    """The keyword arguments a URL name takes (from its converters)."""
    pattern = project_urls()[name]
    return re.findall(r"<(?:\w+:)?(\w+)>", str(pattern.pattern))


# --- How URL kwargs are filled, by parameter name (override per URL name when needed). -------


def _sub_agreement(ctx, other):
    return (ctx.sub_b if other else ctx.sub_a).pk


def _report(ctx, other):
    return (ctx.report_b if other else ctx.report_a).pk


def _month(ctx, other):
    # The month after the submitted one: no report yet, so officers may still enter figures.
    return ctx.month.replace(month=ctx.month.month + 1).strftime("%Y-%m")


def _user(ctx, other):
    return (ctx.officer_b if other else ctx.officer_a).pk


def _import_token(ctx, other):
    # Upload batches belong to the officer who uploaded: A's for "own", B's for "other".
    return (ctx.batch_b if other else ctx.batch_a).token


def _indicator_code(ctx, other):
    return ctx.patrol.code


def _render_job(ctx, other):
    return (ctx.job_b if other else ctx.job_a).pk


def _notification(ctx, other):
    return (ctx.notification_b if other else ctx.notification_a).pk


def _house(ctx, other):
    return (ctx.house_b if other else ctx.house_a).pk


def _house_photo(ctx, other):
    return (ctx.photo_b if other else ctx.photo_a).pk


def _photo_size(ctx, other):
    return "thumb"


def _house_batch(ctx, other):
    return (ctx.house_batch_b if other else ctx.house_batch_a).token


def _plan(ctx, other):
    return ctx.plan.pk


def _issued_report(ctx, other):
    return (ctx.issued_b if other else ctx.issued_a).pk


def _activity_record(ctx, other):
    return (ctx.record_b if other else ctx.record_a).pk


def _attachment(ctx, other):
    return (ctx.attachment_b if other else ctx.attachment_a).pk


KWARGS_BY_PARAMETER = {
    "sub_agreement_id": _sub_agreement,
    "pk": _report,
    "month": _month,
    "user_id": _user,
    "token": _import_token,
    "code": _indicator_code,
    "notification_id": _notification,
    "house_id": _house,
    "photo_id": _house_photo,
    "size": _photo_size,
    "uidb64": lambda ctx, other: "MQ",
}
KWARGS_BY_URL = {
    "agreements:document": {"pk": _sub_agreement},
    "pdf:job": {"pk": _render_job},
    "pdf:job_download": {"pk": _render_job},
    "pdf:issued_download": {"pk": _issued_report},
    "pdf:issued_withdraw": {"pk": _issued_report},
    "plan_close": {"pk": _plan},
    "plan_next": {"pk": _plan},
    "plan_activate": {"pk": _plan},
    "housing:import_preview": {"token": _house_batch},
    "housing:import_confirm": {"token": _house_batch},
    "records:record_detail": {"pk": _activity_record},
    "records:record_edit": {"pk": _activity_record},
    "records:record_delete": {"pk": _activity_record},
    "records:attachment": {"pk": _attachment},
    "records:attachment_thumbnail": {"pk": _attachment},
}


def url_for(name: str, ctx, other: bool) -> str:
    kwargs = {}
    for parameter in _parameters(name):
        resolve = KWARGS_BY_URL.get(name, {}).get(parameter) or KWARGS_BY_PARAMETER.get(parameter)
        if resolve is None:
            raise AssertionError(
                f"{name}: no way to fill the URL parameter {parameter!r}; add it to "
                "KWARGS_BY_PARAMETER (or KWARGS_BY_URL) in tests/test_authorization_matrix.py."
            )
        kwargs[parameter] = resolve(ctx, other)
    return reverse(name, kwargs=kwargs)


@pytest.fixture
def matrix_world(world, settings, tmp_path):
    """`world` plus a submitted month and an audit event for each district, and a signed
    document on each sub-agreement."""
    settings.MEDIA_ROOT = tmp_path
    for sub in (world.sub_a, world.sub_b):
        sub.document.save("signed.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
    world.report_a = f.MonthlyReportFactory(
        sub_agreement=world.sub_a, month=world.month, status=MonthlyReport.Status.SUBMITTED
    )
    world.report_b = f.MonthlyReportFactory(
        sub_agreement=world.sub_b, month=world.month, status=MonthlyReport.Status.SUBMITTED
    )
    for report, actor in ((world.report_a, world.officer_a), (world.report_b, world.officer_b)):
        AuditEvent.objects.create(
            actor=actor,
            action=AuditEvent.Action.SUBMIT,
            object_type="monthly_report",
            object_id=str(report.pk),
            version=1,
        )
    # An Excel upload waiting for confirmation, a finished PDF render and an issued district
    # report, for each district's officer.
    for suffix, officer, sub in (
        ("a", world.officer_a, world.sub_a),
        ("b", world.officer_b, world.sub_b),
    ):
        batch = ImportBatch.objects.create(
            token=f"token-{suffix}-{'x' * 30}",
            user=officer,
            file_name="so-lieu.xlsx",
            sha256="0" * 64,
        )
        job = RenderJob.objects.create(
            kind="district",
            period="2024-Q1",
            plan=world.plan,
            sub_agreement=sub,
            requested_by=officer,
            status=RenderJob.Status.DONE,
        )
        job.draft_file.save("draft.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
        issued = IssuedReport(
            kind="district",
            period="2024-Q1",
            period_label="quý I/2024",
            plan=world.plan,
            sub_agreement=sub,
            number_line="Số: 1-BC/ĐTN",
            title="Báo cáo",
            issued_by=world.staff,
            file_sha256="0" * 64,
            figures={},
            figures_sha256="0" * 64,
            issuing_agency=f.AgencyFactory(org_unit=sub.org_unit),
        )
        issued.file.save("issued.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
        setattr(world, f"batch_{suffix}", batch)
        setattr(world, f"job_{suffix}", job)
        setattr(world, f"issued_{suffix}", issued)
        notification = Notification.objects.create(
            recipient=officer, kind="approved", key=f"matrix-{suffix}", target="/"
        )
        setattr(world, f"notification_{suffix}", notification)
        _matrix_house(world, suffix, officer, sub)
        # An activity record with a photo (and its thumbnail) in each district.
        record = add_record(officer, sub, files=[photo()])
        attachment = record.attachments.get()
        attachment.thumbnail.save("thumb.jpg", ContentFile(b"\xff\xd8\xff"), save=True)
        setattr(world, f"record_{suffix}", record)
        setattr(world, f"attachment_{suffix}", attachment)
    return world


def _matrix_house(world, suffix, officer, sub):
    """A handed-over house with a household and a photo, counted in an approved month (so a
    delete is refused), and a house-list upload with an error (so a confirm is refused)."""
    from housing.models import House, Household, HouseImportBatch, HousePhoto

    f.MonthlyReportFactory(
        sub_agreement=sub, month=dt.date(2024, 2, 1), status=MonthlyReport.Status.APPROVED
    )
    house = House.objects.create(
        sub_agreement=sub,
        commune="Xã Thử",
        status=House.Status.HANDED_OVER,
        started_on=dt.date(2024, 1, 5),
        completed_on=dt.date(2024, 2, 10),
        handed_over_on=dt.date(2024, 2, 20),
    )
    Household.objects.create(
        house=house, head_name="Hộ Thử", basis="legal_duty", retention_until=dt.date(2030, 12, 31)
    )
    photo = HousePhoto(house=house, content_type="image/jpeg", width=1, height=1)
    photo.image.save("p.jpg", ContentFile(b"\xff\xd8\xff"), save=False)
    photo.thumbnail.save("t.jpg", ContentFile(b"\xff\xd8\xff"), save=False)
    photo.save()
    batch = HouseImportBatch.objects.create(
        token=f"house-{suffix}-{'x' * 30}",
        user=officer,
        sub_agreement=sub,
        file_name="nha.xlsx",
        rows=[[2, {"commune": ""}]],
        preview={"rows": [], "counts": {"error": 1}},
    )
    setattr(world, f"house_{suffix}", house)
    setattr(world, f"photo_{suffix}", photo)
    setattr(world, f"house_batch_{suffix}", batch)


def _user_for(role: str, ctx):
    return {
        "anon": None,
        "officer_own": ctx.officer_a,
        "officer_other": ctx.officer_a,
        "viewer_own": ctx.viewer_a,
        "viewer_other": ctx.viewer_a,
        "staff": ctx.staff,
        "leader": ctx.leader,
        "admin": ctx.admin,
    }[role]


def _outcome(response, login_url: str) -> str:
    if response.status_code in (301, 302, 303):
        return "login" if response["Location"].split("?")[0] == login_url else "ok"
    if response.status_code == 200:
        return "ok"
    return str(response.status_code)


def test_every_url_is_in_the_table():
    missing = sorted(set(project_urls()) - set(EXPECTED))
    assert not missing, "\n".join(
        f'URL {name!r} has no expected outcome: add "{name}": {{"GET": ..., "POST": ...}} '
        "to EXPECTED in tests/test_authorization_matrix.py"
        for name in missing
    )
    stale = sorted(set(EXPECTED) - set(project_urls()))
    assert not stale, f"EXPECTED lists URLs that no longer exist: {stale}"


def test_table_rows_are_well_formed():
    for name, methods in EXPECTED.items():
        assert set(methods) == set(METHODS), f"{name}: give exactly {METHODS}"
        for method, row in methods.items():
            assert len(row.split()) == len(ROLES), f"{name} {method}: {len(ROLES)} columns"
            assert set(row.split()) <= {"ok", "login", "400", "403", "404", "405"}, name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_url_answers_each_role_as_the_table_says(name, matrix_world, client):
    if name not in project_urls():
        pytest.fail(f"{name} is in EXPECTED but not in the URLconf")
    login_url = reverse("login")
    mismatches = []
    checked = 0
    for method in METHODS:
        for role, expected in zip(ROLES, EXPECTED[name][method].split(), strict=True):
            client.logout()
            user = _user_for(role, matrix_world)
            if user is not None:
                client.force_login(user)
            url = url_for(name, matrix_world, other=role.endswith("_other"))
            # An empty POST: enough to reach the permission checks, never a valid change.
            response = client.get(url) if method == "GET" else client.post(url, {})
            got = _outcome(response, login_url)
            checked += 1
            if got != expected:
                mismatches.append(f"{method} {url} as {role}: expected {expected}, got {got}")
    assert not mismatches, f"{name}:\n" + "\n".join(mismatches)
    assert checked == len(METHODS) * len(ROLES)


def test_matrix_changed_nothing_it_should_not(matrix_world, client):
    """The empty POSTs above are harmless: run them all and compare the data."""
    before = (
        list(MonthlyReport.objects.values_list("pk", "status", "version").order_by("pk")),
        AuditEvent.objects.count(),
    )
    for name in EXPECTED:
        for role in ROLES:
            user = _user_for(role, matrix_world)
            client.logout()
            if user is not None:
                client.force_login(user)
            if name == "logout":
                continue
            client.post(url_for(name, matrix_world, other=role.endswith("_other")), {})
    after = (
        list(MonthlyReport.objects.values_list("pk", "status", "version").order_by("pk")),
        AuditEvent.objects.count(),
    )
    assert before == after


def test_month_urls_outside_the_period_or_malformed_are_not_found(matrix_world, client):
    client.force_login(matrix_world.officer_a)
    for month in ("2024-13", "abcd", "2024-3-1", "99999999999999999999-01"):
        url = reverse(
            "activities:month_entry",
            kwargs={"sub_agreement_id": matrix_world.sub_a.pk, "month": month},
        )
        assert client.get(url).status_code == 404, month
    # A month that parses but cannot be reported sends the user back to the month list: the
    # month after the pinned today (inside the plan, not yet come) and one after the plan.
    next_month = TODAY.date().replace(day=1) + dt.timedelta(days=31)
    for month in (next_month.strftime("%Y-%m"), "2026-01"):
        url = reverse(
            "activities:month_entry",
            kwargs={"sub_agreement_id": matrix_world.sub_a.pk, "month": month},
        )
        assert client.get(url).status_code == 302, month


def test_uploaded_documents_are_not_served_from_media(matrix_world, client):
    client.force_login(matrix_world.admin)
    name = matrix_world.sub_a.document.name
    assert client.get(f"/media/{name}").status_code == 404
