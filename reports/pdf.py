"""Official PDF documents: HTML from templates/reports/pdf/, laid out by WeasyPrint.

Safety: WeasyPrint fetches every URL a document mentions (stylesheets, images, fonts,
``<link rel="attachment">``, SVG ``<image>``, ``url()`` in CSS). Its default fetcher reads any
local file and any network address. ``StaticOnlyURLFetcher`` serves only files that resolve
(after ``..`` and symlinks) inside our own ``static/`` folder, addressed by their ``/static/``
path, and refuses everything else (file://, http(s)://, data:, ftp…) without touching the file
system or the network. User text is escaped by the templates as well; the fetcher is the
second wall, not the only one.
"""

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

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
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
    title: str  # position, e.g. "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC"
    name: str
    agency_name: str = ""


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
        number = self.number.strip() or "\u2003\u2003"  # blank to be filled in by the office
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
    if figures.kind == Kind.DISTRICT:
        return (
            "BÁO CÁO",
            f"Kết quả thực hiện {_lower_first(figures.sub_agreement.title)} {figures.period_label}",
        )
    return "BÁO CÁO", f"Kết quả thực hiện {_lower_first(plan_title)} {figures.period_label}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


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
