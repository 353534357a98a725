"""The 2023–2025 cooperation plan between Nghệ An Provincial Police and the Provincial Youth
Union, as published (Báo Nghệ An, 23/05/2023; see docs/plan.md). Facts from the article
are marked; everything else (codes, task wording, sub-agreement dates) is our reading."""

import csv
import datetime as dt
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from agreements.naming import short_name

PROVINCE = {"code": "NA", "name": "Tỉnh Nghệ An", "kind": "province"}

# (code, unit name, kind, Youth Union body, Police unit). Order as in domain.md.
DISTRICTS = [
    ("VINH", "Thành phố Vinh", "city", "Thành đoàn Vinh", "Công an thành phố Vinh"),
    ("CUA_LO", "Thị xã Cửa Lò", "town", "Thị đoàn Cửa Lò", "Công an thị xã Cửa Lò"),
    ("HOANG_MAI", "Thị xã Hoàng Mai", "town", "Thị đoàn Hoàng Mai", "Công an thị xã Hoàng Mai"),
    ("THAI_HOA", "Thị xã Thái Hòa", "town", "Thị đoàn Thái Hòa", "Công an thị xã Thái Hòa"),
    ("ANH_SON", "Huyện Anh Sơn", "district", "Huyện đoàn Anh Sơn", "Công an huyện Anh Sơn"),
    ("CON_CUONG", "Huyện Con Cuông", "district", "Huyện đoàn Con Cuông", "Công an huyện Con Cuông"),
    ("DIEN_CHAU", "Huyện Diễn Châu", "district", "Huyện đoàn Diễn Châu", "Công an huyện Diễn Châu"),
    ("DO_LUONG", "Huyện Đô Lương", "district", "Huyện đoàn Đô Lương", "Công an huyện Đô Lương"),
    (
        "HUNG_NGUYEN",
        "Huyện Hưng Nguyên",
        "district",
        "Huyện đoàn Hưng Nguyên",
        "Công an huyện Hưng Nguyên",
    ),
    ("KY_SON", "Huyện Kỳ Sơn", "district", "Huyện đoàn Kỳ Sơn", "Công an huyện Kỳ Sơn"),
    ("NAM_DAN", "Huyện Nam Đàn", "district", "Huyện đoàn Nam Đàn", "Công an huyện Nam Đàn"),
    ("NGHI_LOC", "Huyện Nghi Lộc", "district", "Huyện đoàn Nghi Lộc", "Công an huyện Nghi Lộc"),
    ("NGHIA_DAN", "Huyện Nghĩa Đàn", "district", "Huyện đoàn Nghĩa Đàn", "Công an huyện Nghĩa Đàn"),
    ("QUE_PHONG", "Huyện Quế Phong", "district", "Huyện đoàn Quế Phong", "Công an huyện Quế Phong"),
    ("QUY_CHAU", "Huyện Quỳ Châu", "district", "Huyện đoàn Quỳ Châu", "Công an huyện Quỳ Châu"),
    ("QUY_HOP", "Huyện Quỳ Hợp", "district", "Huyện đoàn Quỳ Hợp", "Công an huyện Quỳ Hợp"),
    ("QUYNH_LUU", "Huyện Quỳnh Lưu", "district", "Huyện đoàn Quỳnh Lưu", "Công an huyện Quỳnh Lưu"),
    ("TAN_KY", "Huyện Tân Kỳ", "district", "Huyện đoàn Tân Kỳ", "Công an huyện Tân Kỳ"),
    (
        "THANH_CHUONG",
        "Huyện Thanh Chương",
        "district",
        "Huyện đoàn Thanh Chương",
        "Công an huyện Thanh Chương",
    ),
    (
        "TUONG_DUONG",
        "Huyện Tương Dương",
        "district",
        "Huyện đoàn Tương Dương",
        "Công an huyện Tương Dương",
    ),
    ("YEN_THANH", "Huyện Yên Thành", "district", "Huyện đoàn Yên Thành", "Công an huyện Yên Thành"),
]

# Reforms (domain.md): Cửa Lò merged into Vinh on 01/12/2024; district Police abolished on
# 01/03/2025; the district level (and with it the district Youth Union) on 01/07/2025.
CUA_LO_END = dt.date(2024, 11, 30)
DISTRICT_POLICE_END = dt.date(2025, 2, 28)
DISTRICT_LEVEL_END = dt.date(2025, 6, 30)

PLAN = {
    "code": "KH-2023-2025",
    "number": "",  # not public (domain.md)
    "title": "Kế hoạch phối hợp giai đoạn 2023 – 2025 giữa Công an tỉnh Nghệ An và "
    "Ban Chấp hành Tỉnh đoàn Nghệ An",
    "signed_on": dt.date(2023, 5, 23),
    "place": "Nghệ An",
    "start_date": dt.date(2023, 5, 23),
    "end_date": dt.date(2025, 12, 31),
    "status": "active",
}

PROVINCIAL_AGENCIES = [
    {
        "code": "CA_TINH",
        "name": "Công an tỉnh Nghệ An",
        "kind": "police",
        "parent_body": "BỘ CÔNG AN",
        "abbreviation": "CAT",
        "signatory_name": "Thượng tá Trần Ngọc Tuấn",
        "signatory_title": "Phó Giám đốc Công an tỉnh",
    },
    {
        "code": "TINH_DOAN",
        "name": "Ban Chấp hành Tỉnh đoàn Nghệ An",
        "kind": "youth_union",
        "parent_body": "ĐOÀN TNCS HỒ CHÍ MINH",
        "abbreviation": "TĐTN",
        "signatory_name": "Lê Văn Lương",
        "signatory_title": "Ủy viên Ban Thường vụ Trung ương Đoàn, Bí thư Tỉnh đoàn Nghệ An",
    },
]

TASKS = [
    "Bảo vệ an ninh chính trị, giữ gìn trật tự an toàn xã hội; phong trào "
    '"Toàn dân bảo vệ an ninh Tổ quốc"',
    "Tuyên truyền, giáo dục pháp luật cho đoàn viên, thanh thiếu niên, học sinh; "
    "hoạt động tình nguyện, an sinh xã hội",
    "Thực hiện Đề án 06 (dữ liệu dân cư, định danh và xác thực điện tử)",
]

# (code, task number, name vi, name en, unit, aggregation, baseline or None, baseline note)
INDICATORS = [
    (
        "TUAN_TRA",
        1,
        "Ca tuần tra ban đêm phối hợp",
        "Joint night patrol shifts",
        "ca",
        "sum",
        5000,
        "hơn 5.000",
    ),
    (
        "PHAT_DONG",
        1,
        'Đợt phát động phong trào "Toàn dân bảo vệ an ninh Tổ quốc"',
        'Campaigns of the "All people protect national security" movement',
        "đợt",
        "sum",
        500,
        "hơn 500",
    ),
    (
        "PHAT_DONG_TN",
        1,
        "Đoàn viên, thanh niên tham gia các đợt phát động",
        "Union members and youth taking part in the campaigns",
        "người",
        "sum",
        15000,
        "15.000",
    ),
    (
        "HOA_GIAI",
        1,
        "Vụ mâu thuẫn trong nhân dân hòa giải thành công",
        "Disputes among residents successfully mediated",
        "vụ",
        "sum",
        400,
        "hơn 400",
    ),
    (
        "DI_CU",
        1,
        "Hộ dân được vận động từ bỏ ý định di cư sang Lào",
        "Households persuaded not to migrate to Laos",
        "hộ",
        "sum",
        300,
        "hơn 300",
    ),
    (
        "TIN_TTXH",
        1,
        "Vụ xâm phạm trật tự xã hội giải quyết nhờ tin báo của đoàn viên",
        "Public-order cases solved thanks to tips from Union members",
        "vụ",
        "sum",
        780,
        "hơn 780",
    ),
    (
        "TIN_MA_TUY",
        1,
        "Vụ về ma túy giải quyết nhờ tin báo của đoàn viên",
        "Drug cases solved thanks to tips from Union members",
        "vụ",
        "sum",
        800,
        "800",
    ),
    (
        "TOA_DAM",
        2,
        "Buổi tọa đàm, sinh hoạt câu lạc bộ về phòng, chống tội phạm và tệ nạn xã hội",
        "Seminars and club sessions on crime and social-evil prevention",
        "buổi",
        "sum",
        3000,
        "hơn 3.000",
    ),
    (
        "NOI_CHUYEN",
        2,
        "Buổi nói chuyện, họp dân tuyên truyền pháp luật tại khối, xóm, thôn, bản",
        "Talks and residents' meetings on the law in hamlets and villages",
        "buổi",
        "sum",
        3800,
        "hơn 3.800",
    ),
    (
        "NHA",
        2,
        "Nhà cho hộ nghèo, hộ khó khăn về nhà ở hoàn thành",
        "Houses completed for poor households",
        "căn",
        "sum",
        1800,
        "gần 1.800 trong 2.820 căn do Bộ Công an và Công an tỉnh hỗ trợ",
    ),
    (
        "TINH_NGUYEN",
        2,
        'Hoạt động tình nguyện phối hợp ("Thanh niên tình nguyện Hè", '
        '"Đông ấm – Xuân tình nguyện")',
        "Joint volunteer activities",
        "hoạt động",
        "sum",
        None,
        "",
    ),
    (
        "VNEID",
        3,
        "Tài khoản định danh điện tử VNeID đã kích hoạt trên địa bàn",
        "VNeID electronic identity accounts activated in the area",
        "tài khoản",
        "latest",
        1500000,
        "hơn 1,5 triệu tài khoản (toàn tỉnh)",
    ),
    (
        "DVC_TT",
        3,
        "Tỷ lệ hồ sơ tiếp nhận trực tuyến (hồ sơ trực tuyến / tổng hồ sơ)",
        "Share of dossiers received online",
        "%",
        "ratio",
        50,
        "gần 50 %",
    ),
]

RATIO_LABELS = {"DVC_TT": ("Hồ sơ trực tuyến", "Tổng số hồ sơ")}
BASELINE_SOURCE = "Bài báo 23/05/2023"

# Document headers: the superior body printed above a district or commune agency.
YOUTH_UNION_PARENT_BODY = "BCH TỈNH ĐOÀN NGHỆ AN"
POLICE_PARENT_BODY = "CÔNG AN TỈNH NGHỆ AN"
# Sub-agreements were signed after the provincial plan: reporting starts in June 2023.
SUB_AGREEMENTS_FROM = dt.date(2023, 6, 1)
DISTRICT_PERIOD = "giai đoạn 2023 – 2025"
COMMUNE_PERIOD = "giai đoạn 2025"

# --- The reforms, as data -------------------------------------------------------------------

CUA_LO_MERGER = dt.date(2024, 12, 1)
CUA_LO_MERGER_BASIS = "NQ 1243/NQ-UBTVQH15"
COMMUNES_FROM = dt.date(2025, 7, 1)
COMMUNES_BASIS = "NQ 1678/NQ-UBTVQH15"
# The district-level unit a former-district name in the map file means (after the 2024
# merger: "Vinh" includes the former Cửa Lò and four Nghi Lộc communes).
DISTRICT_CODES = {short_name(name): code for code, name, *_rest in DISTRICTS}
DATA_DIR = Path(__file__).resolve().parent / "data"
COMMUNES_FILE = DATA_DIR / "nghean_communes_2025.csv"


@dataclass(frozen=True)
class Commune:
    """One of the 130 commune-level units formed on 01/07/2025 (agreements/data, see SOURCES.md)."""

    code: str
    name: str  # "Xã Anh Sơn", "Phường Thành Vinh"
    kind: str  # "commune" or "ward"
    former_district: str  # the code of the district-level unit it came from
    former_communes: tuple[str, ...]

    @property
    def short_name(self) -> str:
        return short_name(self.name)


def communes_2025() -> list[Commune]:
    with COMMUNES_FILE.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    return [
        Commune(
            code=row["code"],
            name=unicodedata.normalize("NFC", row["name"]),
            kind="ward" if row["kind"] == "phuong" else "commune",
            former_district=DISTRICT_CODES[unicodedata.normalize("NFC", row["former_districts"])],
            former_communes=tuple(row["former_communes"].split(";")),
        )
        for row in rows
    ]
