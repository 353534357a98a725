"""Files built to exhaust the server are refused quickly, in little memory, in Vietnamese, and
change nothing: through the monthly import's view and through the admin's target import."""

import random
import tracemalloc
import unicodedata

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from activities.import_files import ImportFileError, read_upload
from agreements.models import Target
from core.workbook import column_letter
from tests import bombs
from tests.excel_helpers import snapshot
from tests.test_target_import import preview as target_preview
from tests.test_target_import import staff as staff

UPLOAD = reverse("activities:import_upload")
PEAK_LIMIT = 100 * 1024 * 1024

TOO_BIG = "Tệp bảng tính khi giải nén lớn hơn 50 MB"
DAMAGED = "Tệp bị hỏng, không đọc được."

BOMBS = {
    "mimetype-1gib": (bombs.mimetype_bomb, TOO_BIG),
    "41m-empty-rows": (bombs.rows_bomb, TOO_BIG),
    "1gib-tag-name": (bombs.tag_bomb, TOO_BIG),
    "lying-sizes": (bombs.lying_bomb, DAMAGED),
}


@pytest.fixture(scope="module")
def bomb_files():
    """Built once: each takes a few seconds to deflate."""
    return {name: build() for name, (build, _message) in BOMBS.items()}


def _peak(function) -> tuple[int, object]:
    tracemalloc.start()
    try:
        result = function()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak, result


def _page(response) -> str:
    text = response.content.decode()
    return unicodedata.normalize("NFC", text).replace("&#x27;", "'").replace("&quot;", '"')


@pytest.mark.parametrize("name", list(BOMBS))
def test_bomb_uploaded_through_the_view_is_refused_in_little_memory(
    client, world, bomb_files, name
):
    content = bomb_files[name]
    assert len(content) < 2 * 1024 * 1024  # small on the wire: the point of a bomb
    client.force_login(world.officer_a)
    before = snapshot()
    peak, response = _peak(
        lambda: client.post(
            UPLOAD, {"file": SimpleUploadedFile("so-lieu.xlsx", content)}, follow=True
        )
    )
    text = _page(response)
    assert "Không thể nhập tệp; không có gì bị thay đổi." in text
    assert BOMBS[name][1] in text
    assert snapshot() == before
    assert peak < PEAK_LIMIT, f"{peak / 1e6:.0f} MB"


@pytest.mark.parametrize("name", list(BOMBS))
def test_read_upload_refuses_each_bomb(bomb_files, name):
    peak, message = _peak(lambda: _refusal(bomb_files[name]))
    assert message
    assert peak < PEAK_LIMIT


def _refusal(content: bytes) -> str:
    with pytest.raises(ImportFileError) as caught:
        read_upload(content=content)
    return " ".join(caught.value.messages)


def test_rows_are_counted_as_read_whatever_the_sheet_declares():
    # Under the zip's limits; the sheet's <dimension> still says A1:K3.
    def rows():
        for number in range(4, 30_000):
            cell = f'<c r="B{number}" t="inlineStr"><is><t>A</t></is></c>'
            yield f'<row r="{number}">{cell}</row>'.encode()

    assert "Tệp có hơn 20.000 dòng." in _refusal(bombs.sheet_with(rows))


def test_a_million_blank_rows_are_refused_before_they_are_all_read():
    def rows():
        for number in range(4, 60_000):
            yield f'<row r="{number * 17}"/>'.encode()

    assert "Tệp có hơn 20.000 dòng." in _refusal(bombs.sheet_with(rows))


def test_a_value_far_to_the_right_is_refused_without_padding_the_rows():
    def rows():
        yield b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'

    message = _refusal(bombs.sheet_with(rows))
    assert "Dòng 1048576 có dữ liệu ở cột XFD" in message


def test_a_row_with_a_hundred_thousand_cells_is_refused():
    # Varied column letters, so that the zip's ratio check does not refuse it first.
    def rows():
        cells = (f'<c r="{column_letter(n % 16_000 + 1)}4"/>' for n in range(60_000))
        yield b'<row r="4">' + "".join(cells).encode() + b"</row>"

    peak, message = _peak(lambda: _refusal(bombs.sheet_with(rows)))
    assert "Dòng 4 có hơn 256 ô." in message
    assert peak < PEAK_LIMIT


def test_a_cell_longer_than_excel_allows_is_refused():
    def rows():
        yield b'<row r="4"><c r="K4" t="inlineStr"><is><t>' + b"x" * 40_000 + b"</t></is></c></row>"

    assert "Dòng 4 có một ô dài hơn 32.767 ký tự" in _refusal(bombs.sheet_with(rows))


def test_a_tag_under_the_zip_limit_but_too_long_to_parse_is_refused():
    # Random letters: a tag that does not compress, so the ratio check lets it through.
    name = bytes(random.Random(0).choices(b"abcdefghijklmnopqrstuvwxyz", k=3 * 1024 * 1024))
    content = bombs.sheet_with(lambda: iter([b"<" + name + b"/>"]))
    peak, message = _peak(lambda: _refusal(content))
    assert "Tệp có một ô hoặc một đoạn mã dài hơn 1 MB" in message
    assert peak < PEAK_LIMIT


def test_unsafe_part_names_are_refused():
    content = bombs.rewrite({"../../etc/passwd": lambda: iter([b"x"])})
    assert "Tệp được nén theo cách mà không chương trình bảng tính nào lưu." in _refusal(content)


def test_the_template_itself_still_reads():
    rows = read_upload(content=bombs.template())
    assert [row.cells["month"] for row in rows] == ["03/2024", "04/2024"]


@pytest.mark.parametrize("name", ["41m-empty-rows", "1gib-tag-name"])
def test_admin_target_import_refuses_a_bomb(client, world, staff, bomb_files, name):
    client.force_login(staff)
    before = list(Target.objects.values_list("pk", "value"))
    upload = SimpleUploadedFile("chi-tieu.xlsx", bomb_files[name])
    peak, response = _peak(lambda: target_preview(client, upload))
    assert response.status_code == 200
    assert TOO_BIG in _page(response)
    assert list(Target.objects.values_list("pk", "value")) == before
    assert peak < PEAK_LIMIT


def test_admin_indicator_import_refuses_rows_beyond_the_limit(client, world, staff, settings):
    settings.IMPORT_MAX_ROWS = 2
    client.force_login(staff)

    def rows():
        for number in range(4, 10):
            yield f'<row r="{number}"><c r="A{number}"><v>1</v></c></row>'.encode()

    upload = SimpleUploadedFile("chi-tieu.xlsx", bombs.sheet_with(rows))
    response = target_preview(client, upload, model="indicator")
    assert "Tệp có hơn 2 dòng." in _page(response)
