"""How units and their agencies are named, the Vietnamese way: the level word before a
unit's own name ("Xã Anh Sơn", "Thị xã Hoàng Mai") and the names of its Youth Union and
Police ("Đoàn xã Anh Sơn", "Công an xã Anh Sơn", "Huyện đoàn Anh Sơn"). One place for
load_plan and the reform page, so the agencies a reform creates are named as load_plan's.
Keys are OrgUnit.Kind values; no model is imported (plan_data uses this too)."""

LEVEL_PREFIX = {
    "commune": "Xã ",
    "ward": "Phường ",
    "district": "Huyện ",
    "town": "Thị xã ",
    "city": "Thành phố ",
}
UNION_NAME = {
    "commune": "Đoàn xã {}",
    "ward": "Đoàn phường {}",
    "district": "Huyện đoàn {}",
    "town": "Thị đoàn {}",
    "city": "Thành đoàn {}",
}
POLICE_NAME = {
    "commune": "Công an xã {}",
    "ward": "Công an phường {}",
    "district": "Công an huyện {}",
    "town": "Công an thị xã {}",
    "city": "Công an thành phố {}",
}
# Abbreviations in document numbers of a unit's Youth Union and Police.
UNION_ABBREVIATION, POLICE_ABBREVIATION = "ĐTN", "CA"


def short_name(name: str) -> str:
    """ "Xã Anh Sơn" → "Anh Sơn", "Thị xã Hoàng Mai" → "Hoàng Mai"."""
    for prefix in sorted(LEVEL_PREFIX.values(), key=len, reverse=True):
        if name.startswith(prefix):
            return name.removeprefix(prefix)
    return name
