"""Official PDF documents: HTML from templates/reports/pdf/, laid out by WeasyPrint.

Safety: WeasyPrint fetches every URL a document mentions (stylesheets, images, fonts,
``<link rel="attachment">``, SVG ``<image>``, ``url()`` in CSS). Its default fetcher reads any
local file and any network address. ``StaticOnlyURLFetcher`` serves only files that resolve
(after ``..`` and symlinks) inside our own ``static/`` folder, addressed by their ``/static/``
path, and PNG images given inline as ``data:image/png;base64,…`` (uploaded signatures and
seals, decoded here, never fetched); it refuses everything else (file://, http(s)://, other
data: URIs such as SVG or CSS, ftp…) without touching the file system or the network. User
text is escaped by the templates as well; the fetcher is the second wall, not the only one.
"""

import base64
import datetime as dt
import mimetypes
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint.urls import URLFetcher, URLFetcherResponse, URLFetchingError

from agreements.models import Agency
from reports.pdf_data import DocumentFigures, Kind
from reports.selectors import STATUS_LABELS

STATIC_PREFIX = "/static/"
# Relative and root-relative URLs in our templates resolve against this base, so
# "/static/css/pdf.css" becomes "file:///static/css/pdf.css", which the fetcher maps to
# BASE_DIR/static/css/pdf.css (the source folder, present in every checkout; the manifest
# storage's hashed names are not needed for documents).
BASE_URL = "file:///static/"
PNG_DATA_PREFIX = "data:image/png;base64,"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ALLOWED_SUFFIXES = {".css", ".ttf", ".otf", ".woff", ".woff2", ".png", ".svg", ".jpg"}


class StaticOnlyURLFetcher(URLFetcher):
    """Serves ``file:///static/<path>`` from our static folder; refuses anything else.

    Never calls the parent's ``fetch``/``open`` (urllib), so no redirect, proxy or protocol
    handler can be reached. Refused URLs are kept in ``refused`` for logs and tests."""

    def __init__(self, root: Path | None = None) -> None:
        super().__init__(allowed_protocols=("file",), allow_redirects=False, timeout=1)
        self.root = (root or Path(settings.BASE_DIR) / "static").resolve()
        self.served: list[str] = []
        self.refused: list[str] = []

    def static_path(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            return None
        if parts.query or not parts.path.startswith(STATIC_PREFIX):
            return None
        relative = unquote(parts.path[len(STATIC_PREFIX) :])
        if "\x00" in relative:
            return None
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        if path.suffix.lower() not in ALLOWED_SUFFIXES:
            return None
        return path

    def inline_png(self, url: str) -> bytes | None:
        """The bytes of a ``data:image/png;base64,…`` URI holding a PNG, else None."""
        if not url.startswith(PNG_DATA_PREFIX):
            return None
        try:
            body = base64.b64decode(url[len(PNG_DATA_PREFIX) :], validate=True)
        except ValueError:
            return None
        return body if body.startswith(PNG_SIGNATURE) else None

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        png = self.inline_png(url)
        if png is not None:
            self.served.append(PNG_DATA_PREFIX)
            return URLFetcherResponse(
                PNG_DATA_PREFIX, body=png, headers={"Content-Type": "image/png"}
            )
        path = self.static_path(url)
        if path is None:
            self.refused.append(url[:200])
            raise URLFetchingError(f"Refused by the document fetcher: {url[:100]}")
        self.served.append(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix.lower() == ".css":
            content_type = "text/css; charset=utf-8"
        return URLFetcherResponse(
            url, body=path.read_bytes(), headers={"Content-Type": content_type}
        )

    def open(self, url, data=None, timeout=None) -> URLFetcherResponse:
        return self.fetch(getattr(url, "full_url", url))

    def __call__(self, url: str) -> URLFetcherResponse:
        return self.fetch(url)


# --- What a document says about itself ---------------------------------------------------


@dataclass(frozen=True)
class Signatory:
    title: str  # position, e.g. "PHÓ GIÁM ĐỐC" (or typed whole: "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC")
    name: str
    agency_name: str = ""
    # A deputy signs on behalf of the head (Decree 30, Appendix I: "KT. GIÁM ĐỐC" over
    # "PHÓ GIÁM ĐỐC"): the head's title, printed after "KT.". Blank: signs in own right.
    deputy_of: str = ""
    # Electronic original: the signer's signature image, a data: URI (never a file or URL).
    signature_uri: str = ""

    @property
    def heading(self) -> str:
        """The lines above the signature, as printed (capitals applied by the template)."""
        lines = [self.agency_name] if self.agency_name else []
        if self.deputy_of and not self.title.upper().startswith("KT."):
            lines.append(f"KT. {self.deputy_of}")
        lines.append(self.title)
        return "\n".join(line for line in lines if line)


@dataclass(frozen=True)
class DocumentMeta:
    """The parts of an official document that are not figures."""

    agencies: tuple[Agency, ...]
    number: str = ""
    place: str = ""
    issued_on: dt.date | None = None
    narrative: str = ""
    signatories: tuple[Signatory, ...] = ()
    recipients: tuple[str, ...] = ()
    is_draft: bool = False
    # "Kính gửi:" — a report from a lower body to a higher one names its addressees.
    addressees: tuple[str, ...] = ()
    # Place names the header must not break inside ("NGHỆ AN", "HƯNG NGUYÊN").
    places: tuple[str, ...] = ()
    # Electronic original (Decree 30, Appendix I): the seal image over the left part of the
    # signature, and who issued the document and when (also in the PDF's metadata).
    seal_uri: str = ""
    issued_by_name: str = ""
    issued_at: dt.datetime | None = None
    extra: dict = field(default_factory=dict)

    @property
    def layout(self) -> str:
        """``police`` (Decree 30/2020), ``youth_union`` (Hướng dẫn 29-HD/TWĐTN-VP) or
        ``joint`` (both agencies; Decree 30 because one of them is a state body)."""
        kinds = {a.kind for a in self.agencies}
        if len(self.agencies) > 1:
            return "joint" if Agency.Kind.YOUTH_UNION in kinds and len(kinds) > 1 else "police"
        if kinds == {Agency.Kind.YOUTH_UNION}:
            return "youth_union"
        return "police"

    @property
    def number_line(self) -> str:
        number = self.number.strip()
        if number.isdigit():
            number = f"{int(number):02d}"  # Decree 30: numbers below 10 take a leading 0
        number = number or "\u2003\u2003"  # blank to be filled in by the office
        abbreviations = [a.abbreviation or a.code for a in self.agencies]
        if self.layout == "youth_union":
            return f"Số: {number}-BC/{abbreviations[0]}"
        return f"Số: {number}/BC-{'-'.join(abbreviations)}"

    @property
    def date_line(self) -> str:
        day = self.issued_on
        if day is None:
            return f"{self.place}, ngày \u2003 tháng \u2003 năm \u2003"
        # Decree 30: days below 10 and months below 3 take a leading zero.
        day_text = f"{day.day:02d}"
        month_text = f"{day.month:02d}" if day.month < 3 else str(day.month)
        return f"{self.place}, ngày {day_text} tháng {month_text} năm {day.year}"


def document_title(figures: DocumentFigures) -> tuple[str, str]:
    """(kind of document, what it is about), as printed under the number line."""
    plan_title = figures.plan.title
    if figures.kind == Kind.FINAL:
        return "BÁO CÁO TỔNG KẾT", f"Thực hiện {_lower_first(plan_title)}"
    # The period before the plan's name, so it never runs into the plan's own period
    # ("…giai đoạn 2023 – 2025 6 tháng đầu năm 2025"): "Kết quả 6 tháng đầu năm 2025
    # thực hiện quy chế phối hợp … giai đoạn 2023 – 2025".
    title = figures.sub_agreement.title if figures.kind == Kind.DISTRICT else plan_title
    return "BÁO CÁO", f"Kết quả {figures.period_label} thực hiện {_lower_first(title)}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


NBSP = "\u00a0"


def image_data_uri(image) -> str:
    """An uploaded signature or seal (``SignatureImage``, PNG bytes) as a data: URI: the
    document carries the image itself, so rendering opens no file and no address."""
    return "data:image/png;base64," + base64.b64encode(bytes(image.png)).decode("ascii")


def keep_places_together(text: str, places: tuple[str, ...]) -> str:
    """``text`` with the spaces inside each place name made non-breaking, so a header line
    wraps before "NGHỆ AN", never inside it. Case-insensitive (headers are in capitals)."""
    upper = text.upper()
    for place in sorted({p.strip() for p in places if p and " " in p.strip()}, key=len)[::-1]:
        target = place.upper()
        start = upper.find(target)
        while start != -1:
            end = start + len(target)
            text = text[:start] + text[start:end].replace(" ", NBSP) + text[end:]
            upper = text.upper()
            start = upper.find(target, end)
    return text


def document_html(figures: DocumentFigures, meta: DocumentMeta) -> str:
    kind_title, subject = document_title(figures)
    context = {
        "figures": figures,
        "meta": meta,
        "kind_title": kind_title,
        "subject": subject,
        "paragraphs": [p.strip() for p in meta.narrative.split("\n\n") if p.strip()],
        "Kind": Kind,
        "status_labels": STATUS_LABELS,
    }
    # Official documents are Vietnamese whatever the interface language of the person who
    # asks for them.
    with translation.override("vi"):
        html = render_to_string("reports/pdf/document.html", context)
    # NFC so that every diacritic is one code point: the bundled font has them all, and
    # pdftotext/pypdf extract exactly what was typed.
    return unicodedata.normalize("NFC", html)


@dataclass
class RenderTimings:
    html_seconds: float = 0.0
    layout_seconds: float = 0.0
    write_seconds: float = 0.0
    pages: int = 0


def html_to_pdf(
    html: str,
    *,
    fetcher: StaticOnlyURLFetcher | None = None,
    timings: RenderTimings | None = None,
) -> bytes:
    from weasyprint import HTML

    fetcher = fetcher or StaticOnlyURLFetcher()
    started = time.perf_counter()
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render()
    laid_out = time.perf_counter()
    pdf = document.write_pdf()
    if timings is not None:
        timings.layout_seconds += laid_out - started
        timings.write_seconds += time.perf_counter() - laid_out
        timings.pages = len(document.pages)
    return pdf


def render_document(
    figures: DocumentFigures,
    meta: DocumentMeta,
    *,
    fetcher: StaticOnlyURLFetcher | None = None,
    timings: RenderTimings | None = None,
) -> bytes:
    started = time.perf_counter()
    html = document_html(figures, meta)
    if timings is not None:
        timings.html_seconds += time.perf_counter() - started
    return html_to_pdf(html, fetcher=fetcher, timings=timings)


# --- File names, as an office files them ---------------------------------------------------

ROMAN_NUMERALS = {"I", "II", "III", "IV"}


def ascii_fold(text: str) -> str:
    """Vietnamese without its marks: "Quý III/2024" → "Quy III/2024" (đ → d)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def file_slug(text: str) -> str:
    """ASCII words joined by hyphens, lower case but Roman numerals (quarters) kept."""
    words = "".join(c if c.isalnum() else " " for c in ascii_fold(text)).split()
    return "-".join(w if w in ROMAN_NUMERALS else w.lower() for w in words)


def document_filename(
    *,
    abbreviations: list[str],
    year: int,
    subject: str,
    number: int | None = None,
    is_draft: bool = False,
    withdrawn: bool = False,
) -> str:
    """``BC-CAT-05-2025-ket-qua-quy-III-2025.pdf``: the kind of document and the issuing
    agencies' abbreviations (as in the number line), the number and year from the register,
    then what it is about. A draft has no number and says so first (``DU-THAO-…``); a
    withdrawn report says so last. ASCII only, safe in any Content-Disposition."""
    parts = ["BC", *(file_slug(a).upper() for a in abbreviations if a)]
    if number is not None:
        parts.append(f"{number:02d}")
    parts += [str(year), file_slug(subject)]
    name = "-".join(p for p in parts if p)[:150].rstrip("-")
    if is_draft:
        name = "DU-THAO-" + name
    if withdrawn:
        name += "-DA-THU-HOI"
    return name + ".pdf"


def file_subject(*, kind: str, period_label: str, area: str = "") -> str:
    if kind == Kind.FINAL:
        return f"tổng kết {period_label}"
    return f"tiến độ {period_label} {area}".strip()
