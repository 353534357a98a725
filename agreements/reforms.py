"""Reading a reform before it is recorded: the mapping file (or the small form's rows) and
the preview of everything the reform would create and end.

A reform is a date ``on`` (the successors' first day; the old units end the day before), a
legal basis and rows "old unit → new unit". Two file formats are read (xlsx or csv, within
the limits of core/workbook.py):

- the shared map ``nghean_communes_2025.csv``: ``code, name, kind, former_districts`` — the
  old unit is named (``Anh Sơn``, ``Thị xã Hoàng Mai``), several separated by ``;``;
- the plain format ``old_code, new_code, new_name, kind``.

Nothing here writes. ``reform_preview`` answers with the full list of what
``agreements.services.reform_apply`` would write, computed by the same function in the
apply's own transaction, so the preview and the write cannot drift; its ``fingerprint``
lets the apply refuse when the data changed since the preview was shown."""

import csv
import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass

from django.core.exceptions import ValidationError
from django.db.models import Min, Q
from django.utils.translation import gettext as _

from agreements import plan_data
from agreements.models import Agency, Agreement, Membership, OrgUnit, UnitSuccession
from agreements.naming import (
    POLICE_ABBREVIATION,
    POLICE_NAME,
    UNION_ABBREVIATION,
    UNION_NAME,
    short_name,
)
from core.text import nfc
from core.workbook import (
    ImportFileError,
    csv_table,
    csv_unreadable,
    max_bytes,
    max_rows,
    number_text,
    read_xlsx_table,
    size_text,
    sniff,
)

Kind = OrgUnit.Kind

# What a "kind" cell may say, in either file format (accents and case ignored by nfc+lower).
KIND_WORDS = {
    "xa": Kind.COMMUNE,
    "xã": Kind.COMMUNE,
    "commune": Kind.COMMUNE,
    "phuong": Kind.WARD,
    "phường": Kind.WARD,
    "ward": Kind.WARD,
    "huyen": Kind.DISTRICT,
    "huyện": Kind.DISTRICT,
    "district": Kind.DISTRICT,
    "thi_xa": Kind.TOWN,
    "thị xã": Kind.TOWN,
    "town": Kind.TOWN,
    "thanh_pho": Kind.CITY,
    "thành phố": Kind.CITY,
    "city": Kind.CITY,
}
# Memberships that follow a unit: the district roles (province-wide roles hang on the
# province, which no reform ends).
UNIT_ROLES = (Membership.Role.DISTRICT_OFFICER, Membership.Role.DISTRICT_VIEWER)

SHARED_COLUMNS = ("code", "name", "kind", "former_districts")
PLAIN_COLUMNS = ("old_code", "new_code", "new_name", "kind")


# --- Rows ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReformRow:
    """One "old unit → new unit" line, as read: the old unit by code, or (shared map) by
    name; ``kind`` an OrgUnit kind, or "" with ``raw_kind`` what the cell said."""

    number: int
    old_code: str
    old_name: str
    new_code: str
    new_name: str
    kind: str
    raw_kind: str = ""


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return nfc(str(value)).strip()


def _kind(text: str) -> str:
    return KIND_WORDS.get(text.strip().lower(), "")


def rows_from_table(header: list, table) -> list[ReformRow]:
    """Rows from a header and (number, values) pairs; the format is told by the header."""
    names = [_cell(value).lower() for value in header]
    position = {name: index for index, name in enumerate(names) if name}
    if all(column in position for column in SHARED_COLUMNS):
        shared = True
    elif all(column in position for column in PLAIN_COLUMNS):
        shared = False
    else:
        raise ImportFileError(
            _(
                "The file's first row must name the columns %(plain)s (or, as in the shared "
                "map of communes, %(shared)s)."
            )
            % {"plain": ", ".join(PLAIN_COLUMNS), "shared": ", ".join(SHARED_COLUMNS)}
        )

    def get(values: list, column: str) -> str:
        index = position[column]
        return _cell(values[index]) if index < len(values) else ""

    rows: list[ReformRow] = []
    for number, values in table:
        if not any(_cell(value) for value in values):
            continue
        raw_kind = get(values, "kind")
        if shared:
            old_names = [name.strip() for name in get(values, "former_districts").split(";")]
            for old_name in [name for name in old_names if name] or [""]:
                rows.append(
                    ReformRow(
                        number=number,
                        old_code="",
                        old_name=old_name,
                        new_code=get(values, "code"),
                        new_name=get(values, "name"),
                        kind=_kind(raw_kind),
                        raw_kind=raw_kind,
                    )
                )
        else:
            rows.append(
                ReformRow(
                    number=number,
                    old_code=get(values, "old_code"),
                    old_name="",
                    new_code=get(values, "new_code"),
                    new_name=get(values, "new_name"),
                    kind=_kind(raw_kind),
                    raw_kind=raw_kind,
                )
            )
    if not rows:
        raise ImportFileError(_("The file has no rows under its header."))
    return rows


def reform_file_read(*, content: bytes) -> list[ReformRow]:
    """The rows of an uploaded mapping file (xlsx or csv, judged by its bytes), or an
    ImportFileError in Vietnamese. Within the monthly import's limits: size, zip, rows."""
    if len(content) > max_bytes():
        raise ImportFileError(
            _("The file is larger than %(limit)s. Split it into smaller files.")
            % {"limit": size_text(max_bytes())}
        )
    if sniff(content) == "xlsx":
        header, values = read_xlsx_table(content)
        return rows_from_table(header, enumerate(values, start=2))
    reader = csv_table(content)
    try:
        _number, header = next(reader, (1, None))
        if header is None:
            raise ImportFileError(_("The file is empty."))
        table = []
        for number, values in reader:
            if number > max_rows() + 1:
                raise ImportFileError(
                    _("The file has more than %(limit)s rows. Split it into smaller files.")
                    % {"limit": number_text(max_rows())}
                )
            table.append((number, values))
    except csv.Error as error:
        raise csv_unreadable() from error
    return rows_from_table(header, table)


def reform_rows_from_form(*, old_codes: list[str], successor_lines: str) -> list[ReformRow]:
    """The small form: each chosen old unit goes to each successor line "code, name, kind"
    (one old unit and several lines is a split; several old units and one line a merger).
    Lines are numbered as typed."""
    rows = []
    for number, line in enumerate(nfc(successor_lines).splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.replace(";", ",").split(",")]
        parts += [""] * (3 - len(parts))
        new_code, new_name, raw_kind = parts[0], parts[1], ",".join(parts[2:]).strip(", ")
        for old_code in old_codes:
            rows.append(
                ReformRow(
                    number=number,
                    old_code=old_code,
                    old_name="",
                    new_code=new_code,
                    new_name=new_name,
                    kind=_kind(raw_kind),
                    raw_kind=raw_kind,
                )
            )
    return rows


def rows_dump(rows: list[ReformRow]) -> list[dict]:
    return [asdict(row) for row in rows]


def rows_load(data: list[dict]) -> list[ReformRow]:
    return [ReformRow(**item) for item in data]


# --- The preview --------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    number: int
    message: str


@dataclass(frozen=True)
class UnitNew:
    code: str
    name: str
    kind: str
    valid_from: dt.date
    parent_code: str | None


@dataclass(frozen=True)
class UnitEnd:
    code: str
    name: str
    valid_to_before: dt.date | None
    valid_to: dt.date


@dataclass(frozen=True)
class LinkNew:
    predecessor_code: str
    predecessor_name: str
    successor_code: str
    successor_name: str
    on: dt.date
    basis: str


@dataclass(frozen=True)
class AgencyNew:
    code: str
    name: str
    kind: str
    unit_code: str
    parent_body: str
    abbreviation: str


@dataclass(frozen=True)
class AgencyEnd:
    code: str
    name: str
    valid_to_before: dt.date | None
    valid_to: dt.date


@dataclass(frozen=True)
class SubAgreementNew:
    code: str
    title: str
    plan_code: str
    unit_code: str
    place: str
    start_date: dt.date
    end_date: dt.date
    party_codes: tuple[str, ...]  # agency codes, in signing order (Youth Union, Police)


@dataclass(frozen=True)
class SubAgreementEnd:
    code: str
    title: str
    end_date_before: dt.date
    end_date: dt.date


@dataclass(frozen=True)
class MembershipNew:
    user_id: int
    username: str
    role: str
    unit_code: str
    from_unit_code: str


@dataclass(frozen=True)
class Predecessor:
    """An old unit of the reform, its successors and the choice for its officers."""

    code: str
    name: str
    successors: tuple[tuple[str, str], ...]  # (code, name)
    member_count: int
    members_to: str  # a successor's code, or "" (memberships stay only on the old unit)


@dataclass(frozen=True)
class ReformPreview:
    on: dt.date
    basis: str
    errors: tuple[RowError, ...] = ()
    predecessors: tuple[Predecessor, ...] = ()
    units_reused: tuple[str, ...] = ()  # codes of existing successors
    units_created: tuple[UnitNew, ...] = ()
    units_ended: tuple[UnitEnd, ...] = ()
    links_created: tuple[LinkNew, ...] = ()
    agencies_created: tuple[AgencyNew, ...] = ()
    agencies_ended: tuple[AgencyEnd, ...] = ()
    sub_agreements_created: tuple[SubAgreementNew, ...] = ()
    sub_agreements_ended: tuple[SubAgreementEnd, ...] = ()
    memberships_created: tuple[MembershipNew, ...] = ()

    @property
    def end_date(self) -> dt.date:
        return self.on - dt.timedelta(days=1)

    @property
    def changes(self) -> dict[str, list]:
        """Everything the apply writes, as plain data (what the fingerprint covers)."""
        return {
            name: [asdict(item) for item in getattr(self, name)]
            for name in (
                "units_created",
                "units_ended",
                "links_created",
                "agencies_created",
                "agencies_ended",
                "sub_agreements_created",
                "sub_agreements_ended",
                "memberships_created",
            )
        }

    @property
    def counts(self) -> dict[str, int]:
        return {name: len(items) for name, items in self.changes.items()}

    @property
    def has_changes(self) -> bool:
        return any(self.changes.values())

    @property
    def fingerprint(self) -> str:
        payload = json.dumps(
            {"on": self.on, "basis": self.basis, "changes": self.changes},
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


def _row_error(row: ReformRow, message: str) -> RowError:
    return RowError(
        row.number, _("Row %(row)s: %(message)s") % {"row": row.number, "message": message}
    )


def _day(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _resolve_by_name(rows, on: dt.date, errors: list[RowError]) -> dict[str, OrgUnit]:
    """Old units named in the shared map ("Anh Sơn", "Vinh"): the district-level unit of
    that name that exists on the day before the reform (Vinh, not the Cửa Lò it absorbed)."""
    names = {row.old_name for row in rows if row.old_name and not row.old_code}
    if not names:
        return {}
    end = on - dt.timedelta(days=1)
    candidates: dict[str, list[OrgUnit]] = {}
    for unit in OrgUnit.objects.filter(kind__in=OrgUnit.DISTRICT_LEVEL):
        for key in {unit.name, short_name(unit.name)}:
            candidates.setdefault(key, []).append(unit)
    resolved = {}
    for name in names:
        alive = [
            unit
            for unit in candidates.get(name, [])
            if (unit.valid_from is None or unit.valid_from <= end)
            and (unit.valid_to is None or unit.valid_to >= end)
        ]
        if len(alive) == 1:
            resolved[name] = alive[0]
        elif len(alive) > 1:
            for row in rows:
                if row.old_name == name:
                    errors.append(
                        _row_error(
                            row,
                            _("several units are named “%(name)s”; use the old unit's code.")
                            % {"name": name},
                        )
                    )
        elif candidates.get(name):
            resolved[name] = candidates[name][0]  # its dates are checked like any old unit's
    return resolved


def reform_preview(
    *, rows: list[ReformRow], on: dt.date, basis: str, members_to: dict[str, str] | None = None
) -> ReformPreview:
    """Everything recording this reform would create and end, or the rows' errors (each
    in Vietnamese, naming its row). Units are matched by code, so what already exists —
    a second run of the same file, or what load_plan created — is reused, never changed:
    a unit is never renamed and an old unit keeps its months and its name."""
    members_to = members_to or {}
    basis = nfc(basis).strip()
    errors: list[RowError] = []
    if on.day != 1:
        raise ValidationError(
            _("The reform date must be the first day of a month: units report by month.")
        )
    end = on - dt.timedelta(days=1)
    codes = {row.old_code for row in rows} | {row.new_code for row in rows}
    units = {unit.code: unit for unit in OrgUnit.objects.filter(code__in=codes - {""})}
    by_name = _resolve_by_name(rows, on, errors)

    # 1. Each row on its own.
    pairs: dict[tuple[str, str], ReformRow] = {}
    new_units: dict[str, ReformRow] = {}
    old_units: dict[str, OrgUnit] = {}
    for row in rows:
        old = units.get(row.old_code) if row.old_code else by_name.get(row.old_name)
        if not (row.old_code or row.old_name):
            errors.append(_row_error(row, _("the old unit is empty.")))
            continue
        if old is None:
            if row.old_code:
                message = _("no unit has the code “%(code)s”.") % {"code": row.old_code}
            else:
                message = _("no district-level unit is named “%(name)s”.") % {"name": row.old_name}
            if not any(e.number == row.number for e in errors):
                errors.append(_row_error(row, message))
            continue
        if not row.new_code:
            errors.append(_row_error(row, _("the new unit's code is empty.")))
            continue
        if row.new_code == old.code:
            errors.append(
                _row_error(
                    row,
                    _("the successor is the unit itself (%(code)s).") % {"code": old.code},
                )
            )
            continue
        if (old.code, row.new_code) in pairs:
            errors.append(
                _row_error(
                    row,
                    _("it repeats row %(other)s.")
                    % {"other": pairs[(old.code, row.new_code)].number},
                )
            )
            continue
        pairs[(old.code, row.new_code)] = row
        old_units[old.code] = old
        if old.valid_from is not None and old.valid_from >= on:
            errors.append(
                _row_error(
                    row,
                    _("%(unit)s only started on %(date)s; it cannot end before %(on)s.")
                    % {"unit": old.name, "date": _day(old.valid_from), "on": _day(on)},
                )
            )
        if old.valid_to is not None and old.valid_to < end:
            errors.append(
                _row_error(
                    row,
                    _("%(unit)s already ended on %(date)s, before %(on)s.")
                    % {"unit": old.name, "date": _day(old.valid_to), "on": _day(on)},
                )
            )
        existing = units.get(row.new_code)
        if existing is None:
            if not row.new_name:
                errors.append(_row_error(row, _("the new unit's name is empty.")))
            if not row.kind:
                errors.append(
                    _row_error(
                        row,
                        _("unknown kind “%(kind)s”: write xa, phuong, huyen, thi_xa or thanh_pho.")
                        % {"kind": row.raw_kind},
                    )
                )
            first = new_units.setdefault(row.new_code, row)
            if first is not row and (first.new_name, first.kind) != (row.new_name, row.kind):
                errors.append(
                    _row_error(
                        row,
                        _(
                            "the new code %(code)s is also on row %(other)s with another name "
                            "or kind (“%(name)s”)."
                        )
                        % {"code": row.new_code, "other": first.number, "name": first.new_name},
                    )
                )
        else:
            renamed = bool(row.new_name) and row.new_name != existing.name
            if renamed or (row.kind and row.kind != existing.kind):
                errors.append(
                    _row_error(
                        row,
                        _(
                            "the code %(code)s already belongs to “%(name)s”; a unit is never "
                            "renamed. Use that name or another code."
                        )
                        % {"code": existing.code, "name": existing.name},
                    )
                )
            if existing.valid_to is not None and existing.valid_to < on:
                errors.append(
                    _row_error(
                        row,
                        _("the successor %(unit)s ended on %(date)s, before %(on)s.")
                        % {"unit": existing.name, "date": _day(existing.valid_to), "on": _day(on)},
                    )
                )
            if existing.valid_from is not None and existing.valid_from > on:
                errors.append(
                    _row_error(
                        row,
                        _("the successor %(unit)s only starts on %(date)s, after %(on)s.")
                        % {
                            "unit": existing.name,
                            "date": _day(existing.valid_from),
                            "on": _day(on),
                        },
                    )
                )
    # 2. Across rows and against what is recorded.
    for (_old_code, new_code), row in pairs.items():
        if new_code in old_units:
            errors.append(
                _row_error(
                    row,
                    _("%(unit)s ends in this reform; it cannot also be a successor.")
                    % {"unit": old_units[new_code].name},
                )
            )
    old_ids = [unit.pk for unit in old_units.values()]
    links = {
        (link.predecessor.code, link.successor.code): link
        for link in UnitSuccession.objects.filter(predecessor_id__in=old_ids).select_related(
            "predecessor", "successor"
        )
    }
    for key, row in pairs.items():
        link = links.get(key)
        if link is not None and link.on != on:
            errors.append(
                _row_error(
                    row,
                    _("%(old)s → %(new)s is already recorded from %(date)s.")
                    % {
                        "old": link.predecessor.name,
                        "new": link.successor.name,
                        "date": _day(link.on),
                    },
                )
            )
    old_subs = list(
        Agreement.objects.filter(parent__isnull=False, org_unit_id__in=old_ids).select_related(
            "org_unit", "parent"
        )
    )
    # A reform never takes months from the old unit: refuse one that has figures after it.
    reported = dict(
        Agreement.objects.filter(
            parent__isnull=False, org_unit_id__in=old_ids, monthly_reports__month__gte=on
        )
        .values_list("org_unit__code")
        .annotate(first=Min("monthly_reports__month"))
    )
    first_rows = {}
    for (old_code, _new), row in pairs.items():
        first_rows.setdefault(old_code, row)
    for old_code, month in reported.items():
        errors.append(
            _row_error(
                first_rows[old_code],
                _("%(unit)s already has figures for %(month)s, after the reform's date.")
                % {"unit": old_units[old_code].name, "month": month.strftime("%m/%Y")},
            )
        )
    for sub in old_subs:
        if sub.start_date > end and sub.end_date >= on:
            errors.append(
                _row_error(
                    first_rows[sub.org_unit.code],
                    _("the sub-agreement %(code)s only starts on %(date)s, after %(end)s.")
                    % {"code": sub.code, "date": _day(sub.start_date), "end": _day(end)},
                )
            )
    successors_of: dict[str, list[str]] = {}
    for old_code, new_code in pairs:
        successors_of.setdefault(old_code, []).append(new_code)
    names = {code: unit.name for code, unit in units.items()}
    names.update({code: row.new_name for code, row in new_units.items()})
    for old_code, new_code in members_to.items():
        if new_code and new_code not in successors_of.get(old_code, []):
            errors.append(
                RowError(
                    0,
                    _("%(unit)s's officers can only follow one of its successors.")
                    % {"unit": old_units[old_code].name if old_code in old_units else old_code},
                )
            )
    if errors:
        errors.sort(key=lambda error: error.number)
        return ReformPreview(on=on, basis=basis, errors=tuple(dict.fromkeys(errors)))
    return _changes(
        on=on,
        basis=basis,
        pairs=pairs,
        units=units,
        new_units=new_units,
        old_units=old_units,
        old_subs=old_subs,
        links=links,
        successors_of=successors_of,
        names=names,
        members_to=members_to,
    )


def _changes(
    *,
    on,
    basis,
    pairs,
    units,
    new_units,
    old_units,
    old_subs,
    links,
    successors_of,
    names,
    members_to,
) -> ReformPreview:
    end = on - dt.timedelta(days=1)
    units_created = tuple(
        UnitNew(
            code=code,
            name=row.new_name,
            kind=row.kind,
            valid_from=on,
            parent_code=next(
                (
                    old_units[old].parent.code
                    for old, new in pairs
                    if new == code and old_units[old].parent_id
                ),
                None,
            ),
        )
        for code, row in new_units.items()
    )
    kinds = {code: unit.kind for code, unit in units.items()}
    kinds.update({unit.code: unit.kind for unit in units_created})
    units_ended = tuple(
        UnitEnd(code=unit.code, name=unit.name, valid_to_before=unit.valid_to, valid_to=end)
        for unit in old_units.values()
        if unit.valid_to is None or unit.valid_to > end
    )
    links_created = tuple(
        LinkNew(
            predecessor_code=old,
            predecessor_name=old_units[old].name,
            successor_code=new,
            successor_name=names[new],
            on=on,
            basis=basis,
        )
        for old, new in pairs
        if (old, new) not in links
    )
    old_ids = [unit.pk for unit in old_units.values()]
    agencies_ended = tuple(
        AgencyEnd(code=agency.code, name=agency.name, valid_to_before=agency.valid_to, valid_to=end)
        for agency in Agency.objects.filter(org_unit_id__in=old_ids)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=end))
        .order_by("code")
    )
    sub_agreements_ended = tuple(
        SubAgreementEnd(code=sub.code, title=sub.title, end_date_before=sub.end_date, end_date=end)
        for sub in sorted(old_subs, key=lambda s: s.code)
        if sub.end_date > end
    )

    # The successors' agencies and sub-agreements, named as load_plan names them.
    successor_codes = list(dict.fromkeys(new for _old, new in pairs))
    existing_ids = [units[code].pk for code in successor_codes if code in units]
    agencies = {
        agency.code: agency
        for agency in Agency.objects.filter(
            Q(org_unit_id__in=existing_ids)
            | Q(code__in=[f"{p}_{c}" for c in successor_codes for p in ("DOAN", "CA")])
        ).select_related("org_unit")
    }
    # The plans the successors report under: those in force on the day in which one of
    # their predecessors had a sub-agreement (they take over its months).
    plans_of: dict[str, list[Agreement]] = {}
    for sub in old_subs:
        plan = sub.parent
        if plan.status == Agreement.Status.ACTIVE and plan.start_date <= on <= plan.end_date:
            for new in successors_of.get(sub.org_unit.code, []):
                if plan not in plans_of.setdefault(new, []):
                    plans_of[new].append(plan)
    existing_subs = {
        (sub.parent_id, sub.org_unit.code)
        for sub in Agreement.objects.filter(
            parent__isnull=False, org_unit_id__in=existing_ids
        ).select_related("org_unit")
    }
    taken_codes = set(
        Agreement.objects.filter(code__in=[f"QC-{code}" for code in successor_codes]).values_list(
            "code", flat=True
        )
    )
    agencies_created: list[AgencyNew] = []
    sub_agreements_created: list[SubAgreementNew] = []
    for code in successor_codes:
        kind = kinds[code]
        name = names[code]
        parties = []
        for agency_kind, prefix, template, parent_body, abbreviation in (
            (
                Agency.Kind.YOUTH_UNION,
                "DOAN",
                UNION_NAME,
                plan_data.YOUTH_UNION_PARENT_BODY,
                UNION_ABBREVIATION,
            ),
            (
                Agency.Kind.POLICE,
                "CA",
                POLICE_NAME,
                plan_data.POLICE_PARENT_BODY,
                POLICE_ABBREVIATION,
            ),
        ):
            agency_code = f"{prefix}_{code}"
            agency = agencies.get(agency_code) or next(
                (
                    a
                    for a in agencies.values()
                    if a.org_unit.code == code
                    and a.kind == agency_kind
                    and (a.valid_to is None or a.valid_to >= on)
                ),
                None,
            )
            if agency is not None:
                parties.append((agency.code, agency.name))
                continue
            if kind not in template:
                continue  # a province or an unusual level: no agency of our making
            new = AgencyNew(
                code=agency_code,
                name=template[kind].format(short_name(name)),
                kind=agency_kind,
                unit_code=code,
                parent_body=parent_body,
                abbreviation=abbreviation,
            )
            agencies_created.append(new)
            parties.append((new.code, new.name))
        for plan in plans_of.get(code, []):
            if (plan.pk, code) in existing_subs:
                continue
            sub_code = f"QC-{code}"
            if sub_code in taken_codes:
                sub_code = f"QC-{plan.code}-{code}"[:32]
            taken_codes.add(sub_code)
            years = (
                str(on.year)
                if on.year == plan.end_date.year
                else f"{on.year} – {plan.end_date.year}"
            )
            title = (
                f"Quy chế phối hợp giữa {parties[0][1]} và {parties[1][1]} giai đoạn {years}"
                if len(parties) == 2
                else f"Quy chế phối hợp {name} giai đoạn {years}"
            )
            sub_agreements_created.append(
                SubAgreementNew(
                    code=sub_code,
                    title=title,
                    plan_code=plan.code,
                    unit_code=code,
                    place=short_name(name),
                    start_date=on,
                    end_date=plan.end_date,
                    party_codes=tuple(agency_code for agency_code, _name in parties),
                )
            )

    # Officers and viewers of an old unit: the same role on the chosen successor.
    memberships = list(
        Membership.objects.filter(org_unit_id__in=old_ids, role__in=UNIT_ROLES)
        .select_related("user", "org_unit")
        .order_by("org_unit__code", "user__username", "role")
    )
    chosen = [(old_code, new_code) for old_code, new_code in members_to.items() if new_code]
    existing_memberships = set(
        Membership.objects.filter(
            org_unit__code__in=[new for _old, new in chosen],
            user_id__in=[m.user_id for m in memberships],
        ).values_list("user_id", "org_unit__code", "role")
    )
    memberships_created = []
    for membership in memberships:
        target = members_to.get(membership.org_unit.code)
        key = (membership.user_id, target, membership.role)
        if target and key not in existing_memberships:
            existing_memberships.add(key)
            memberships_created.append(
                MembershipNew(
                    user_id=membership.user_id,
                    username=membership.user.get_username(),
                    role=membership.role,
                    unit_code=target,
                    from_unit_code=membership.org_unit.code,
                )
            )
    member_counts: dict[str, int] = {}
    for membership in memberships:
        code = membership.org_unit.code
        member_counts[code] = member_counts.get(code, 0) + 1
    predecessors = tuple(
        Predecessor(
            code=code,
            name=unit.name,
            successors=tuple((new, names[new]) for new in successors_of[code]),
            member_count=member_counts.get(code, 0),
            members_to=members_to.get(code, ""),
        )
        for code, unit in old_units.items()
    )
    return ReformPreview(
        on=on,
        basis=basis,
        predecessors=predecessors,
        units_reused=tuple(code for code in successor_codes if code in units),
        units_created=units_created,
        units_ended=units_ended,
        links_created=links_created,
        agencies_created=tuple(agencies_created),
        agencies_ended=agencies_ended,
        sub_agreements_created=tuple(sub_agreements_created),
        sub_agreements_ended=sub_agreements_ended,
        memberships_created=tuple(memberships_created),
    )
