"""The written summary of a document, produced from its figures by plain templated rules.

No judgement is invented: every number in the text is one printed in the tables, so the
narrative is always true to the figures. Staff may edit it before issuing; the edited text is
stored with the issued report (and escaped when rendered)."""

from decimal import Decimal

from reports.pdf_data import DocumentFigures, IndicatorFigure, Kind, format_number

LAGGING_COUNT = 3


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def indicator_phrase(figure: IndicatorFigure) -> str:
    """ "412 ca tuần tra ban đêm phối hợp, đạt 103 % kế hoạch"."""
    value = format_number(figure.achieved)
    if figure.is_ratio:
        phrase = f"{_lower_first(figure.name)} là {format_number(figure.achieved, 1)} %"
    else:
        first_word = figure.name.split(" ", 1)[0].lower()
        unit_word = figure.unit.split(" ", 1)[0].lower()
        if first_word == unit_word or figure.name.lower().startswith(figure.unit.lower()):
            # The name starts with its unit ("Ca tuần tra…", unit "ca"): "412 ca tuần tra…".
            phrase = f"{value} {_lower_first(figure.name)}"
        else:
            phrase = f"{value} {figure.unit} ({_lower_first(figure.name)})"
    if figure.percent is not None:
        verb = "bằng" if figure.is_ratio else "đạt"
        phrase += f", {verb} {format_number(figure.percent)} % kế hoạch"
    return phrase


def _month_list(months) -> str:
    return ", ".join(f"{m.month}/{m.year}" for m in months)


def narrative_build(figures: DocumentFigures) -> str:
    """Paragraphs separated by blank lines, in Vietnamese."""
    # Unit names are lower-cased inside a sentence ("huyện Anh Sơn", "thành phố Vinh").
    area = _lower_first(figures.area_name)
    period = figures.period_label
    paragraphs = []
    reported = [f for f in figures.indicators if f.achieved is not None]
    if not reported:
        paragraphs.append(
            f"Trong {period}, {area} chưa có số liệu được phê duyệt cho các chỉ tiêu của kế hoạch."
        )
    for task in figures.tasks:
        items = [indicator_phrase(f) for f in task.indicators if f.achieved is not None]
        if not items:
            continue
        lead = (
            f"Trong {period}, {area} đã thực hiện"
            if task.order == figures.tasks[0].order
            else "Về nhiệm vụ"
        )
        if lead.startswith("Về"):
            paragraphs.append(f"Về nhiệm vụ {task.order} ({task.name}): " + "; ".join(items) + ".")
        else:
            paragraphs.append(f"{lead}: " + "; ".join(items) + ".")

    lagging = sorted(
        (f for f in figures.indicators if f.percent is not None and f.percent < 100),
        key=lambda f: f.percent,
    )[:LAGGING_COUNT]
    if lagging:
        names = "; ".join(f"{f.name} (đạt {format_number(f.percent)} %)" for f in lagging)
        paragraphs.append(f"Các chỉ tiêu còn chậm nhất so với kế hoạch: {names}.")
    elif any(f.percent is not None for f in figures.indicators):
        paragraphs.append("Tất cả các chỉ tiêu có kế hoạch đều đạt hoặc vượt kế hoạch.")

    if figures.months_due:
        completeness = format_number(figures.completeness or Decimal(0))
        text = (
            f"Tình hình báo cáo: đã nộp {figures.months_submitted}/{figures.months_due} "
            f"báo cáo tháng phải nộp ({completeness} %)."
        )
        missing = figures.districts_missing
        if figures.kind == Kind.DISTRICT and missing:
            text += f" Chưa nộp báo cáo tháng {_month_list(missing[0].missing_months)}."
        elif missing:
            names = "; ".join(f"{d.name} (thiếu {len(d.missing_months)} tháng)" for d in missing)
            text += f" Đơn vị chưa báo cáo đầy đủ: {names}."
        elif figures.kind == Kind.DISTRICT:
            text += " Đã nộp đủ báo cáo các tháng trong kỳ."
        else:
            text += " Tất cả các đơn vị đã báo cáo đầy đủ."
        paragraphs.append(text)
    return "\n\n".join(paragraphs)
