"""Server-drawn SVG charts: accessible, CSP-safe, escaped, and well-formed XML (WeasyPrint
reads the same markup in the PDFs)."""

import xml.etree.ElementTree as ET
from decimal import Decimal

from django.utils import translation

from reports.charts import Bar, Series, bar_chart, fmt, line_chart

NS = {"svg": "http://www.w3.org/2000/svg"}


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 — our own markup, not untrusted input


def _assert_accessible(root: ET.Element, title: str) -> None:
    assert root.get("role") == "img"
    title_el = root.find("svg:title", NS)
    desc_el = root.find("svg:desc", NS)
    assert title_el is not None and title_el.text == title
    assert desc_el is not None and desc_el.text
    assert root.get("aria-labelledby") == f"{title_el.get('id')} {desc_el.get('id')}"
    for element in root.iter():
        assert "style" not in element.attrib  # CSP: presentation attributes only
        assert not element.tag.endswith(("script", "style", "foreignObject"))


def test_bar_chart_is_accessible_and_escapes_text():
    svg = bar_chart(
        title="Nhiệm vụ 1 <b>",
        description="Ca tuần tra: 88,3 % & dự kiến 100 %",
        bars=[
            Bar(
                label='Ca tuần tra "đêm" <script>',
                value=Decimal("88.3"),
                marker=100,
                status="at_risk",
            ),
            Bar(label="Hòa giải", value=None, marker=50, status="behind"),
        ],
        max_value=100,
        marker_label="Mức dự kiến đến nay",
    )
    root = _parse(svg)
    _assert_accessible(root, "Nhiệm vụ 1 <b>")
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert 'Ca tuần tra "đêm" <script>' in texts
    assert "88 %" in texts and "—" in texts
    assert "<script>" not in svg  # escaped, never markup
    filled = [
        r for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.get("fill") == "#b35c00"
    ]
    assert len(filled) == 1  # one status-coloured bar; the missing value draws none


def test_line_chart_leaves_gaps_and_has_a_legend():
    svg = line_chart(
        title="VNeID theo tháng",
        description="Từ 01/2024 đến 04/2024",
        labels=["01/24", "02/24", "03/24", "04/24"],
        series=[
            Series(label="Đạt được", values=[1, 2, None, 4]),
            Series(label="Chỉ tiêu", values=[1, 2, 3, 4], dashed=True),
        ],
        unit="tài khoản",
    )
    root = _parse(svg)
    _assert_accessible(root, "VNeID theo tháng")
    lines = list(root.iter("{http://www.w3.org/2000/svg}polyline"))
    # Achieved: 01–02 joined, the gap at 03, 04 alone (a point, no line); target: one line.
    assert len(lines) == 2
    assert lines[1].get("stroke-dasharray")
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Đạt được" in texts and "Chỉ tiêu" in texts and "tài khoản" in texts


def test_empty_charts_are_still_valid_svg():
    _parse(bar_chart(title="t", description="d", bars=[]))
    _parse(line_chart(title="t", description="d", labels=[], series=[]))


def test_numbers_are_written_the_vietnamese_way(settings):
    settings.LANGUAGE_CODE = "vi"

    with translation.override("vi"):
        assert fmt(1800) == "1.800"
        assert fmt(Decimal("45.03"), 2) == "45,03"
        assert fmt(2350476) == "2.350.476"
        assert fmt(None) == "—"
