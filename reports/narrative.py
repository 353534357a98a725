"""The written summary of a document, produced from its figures by plain templated rules.

No judgement is invented: the text reads the same selector results as the tables (achieved,
% of the period's target, status against the expected value, reports submitted), so every
number in it is one printed in the tables and on the dashboard. Staff may edit it before
issuing; the edited text is stored with the issued report (and escaped when rendered)."""

from reports.charts import fmt
from reports.pdf_data import DocumentFigures, Kind
from reports.selectors import AT_RISK, BEHIND, ON_TRACK, IndicatorProgress

LAGGING_COUNT = 3


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def indicator_phrase(row: IndicatorProgress) -> str:
    """ "412 ca tuần tra ban đêm phối hợp, đạt 103,0 % kế hoạch"."""
    indicator = row.indicator
    if indicator.is_ratio:
        phrase = f"{_lower_first(indicator.name)} là {fmt(row.achieved, 1)} %"
    else:
        value = fmt(row.achieved)
        first_word = indicator.name.split(" ", 1)[0].lower()
        unit_word = indicator.unit.split(" ", 1)[0].lower()
        if first_word == unit_word or indicator.name.lower().startswith(indicator.unit.lower()):
            # The name starts with its unit ("Ca tuần tra…", unit "ca"): "412 ca tuần tra…".
            phrase = f"{value} {_lower_first(indicator.name)}"
        else:
            phrase = f"{value} {indicator.unit} ({_lower_first(indicator.name)})"
    if row.percent is not None:
        verb = "bằng" if indicator.is_ratio else "đạt"
        phrase += f", {verb} {fmt(row.percent, 1)} % kế hoạch"
    return phrase


def _month_list(months) -> str:
    return ", ".join(f"{m.month}/{m.year}" for m in months)


def narrative_build(figures: DocumentFigures) -> str:
    """Paragraphs separated by blank lines, in Vietnamese."""
    # Unit names are lower-cased inside a sentence ("huyện Anh Sơn", "thành phố Vinh").
    area = _lower_first(figures.area_name)
    period = figures.period_label
    paragraphs = []
    if not any(row.achieved is not None for row in figures.rows):
        paragraphs.append(
            f"Trong {period}, {area} chưa có số liệu được phê duyệt cho các chỉ tiêu của kế hoạch."
        )
    first = True
    for group in figures.tasks:
        items = [indicator_phrase(row) for row in group.rows if row.achieved is not None]
        if not items:
            continue
        if first:
            paragraphs.append(f"Trong {period}, {area} đã thực hiện: " + "; ".join(items) + ".")
            first = False
        else:
            paragraphs.append(
                f"Về nhiệm vụ {group.task.order} ({group.task.name}): " + "; ".join(items) + "."
            )

    # Behind first, then at risk; within each, the furthest from the expected value first.
    lagging = sorted(
        (row for row in figures.rows if row.status in (BEHIND, AT_RISK)),
        key=lambda row: (row.status != BEHIND, row.percent_of_expected),
    )[:LAGGING_COUNT]
    if lagging:
        names = "; ".join(
            f"{row.indicator.name} ({row.status_label.lower()}"
            + (f", đạt {fmt(row.percent, 1)} % kế hoạch" if row.percent is not None else "")
            + ")"
            for row in lagging
        )
        paragraphs.append(f"Các chỉ tiêu chưa đạt mức dự kiến đến nay: {names}.")
    elif any(row.status == ON_TRACK for row in figures.rows):
        paragraphs.append("Tất cả các chỉ tiêu có kế hoạch đều đạt mức dự kiến đến nay.")

    if figures.months_due:
        text = (
            f"Tình hình báo cáo: đã nộp {figures.months_submitted}/{figures.months_due} "
            f"báo cáo tháng phải nộp ({fmt(figures.grid.completeness, 1)} %)."
        )
        missing = figures.districts_missing
        if figures.kind == Kind.DISTRICT and figures.own_not_submitted:
            text += (
                " Chưa nộp (hoặc bị trả lại) báo cáo tháng "
                f"{_month_list(figures.own_not_submitted)}."
            )
        elif missing:
            names = "; ".join(f"{d.name} (thiếu {len(d.not_submitted)} tháng)" for d in missing)
            text += f" Đơn vị chưa báo cáo đầy đủ: {names}."
        elif figures.kind == Kind.DISTRICT:
            text += " Đã nộp đủ báo cáo các tháng trong kỳ."
        else:
            text += " Tất cả các đơn vị đã báo cáo đầy đủ."
        paragraphs.append(text)
    return "\n\n".join(paragraphs)
