"""Text typed by a user, and any markup that reaches WeasyPrint, can neither read server
files nor reach the network: the fetcher serves our static files only."""

import base64
import http.server
import io
import os
import threading

import pytest
from pypdf import PdfReader

from reports.pdf import StaticOnlyURLFetcher, html_to_pdf
from tests.test_pdf import docs, issue, issued_pdf, pdf_text  # noqa: F401 — fixtures

PASSWD = "/etc/passwd"


@pytest.fixture(autouse=True)
def _inline(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def listener():
    """A tiny HTTP server on a free local port that records every request it gets."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { background: red }")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], requests
    server.shutdown()
    server.server_close()


def secret_line() -> str:
    # A line of the file that would never appear in a report by chance.
    with open(PASSWD, encoding="utf-8") as handle:
        return next(line for line in handle if line.startswith("root:")).strip()


def payloads(port: int) -> str:
    base = f"http://127.0.0.1:{port}"
    return f"""
<img src="file://{PASSWD}">
<img src="/static/../../../../../../{PASSWD}">
<img src="file:///static/../../../../{PASSWD}">
<link rel="attachment" href="file://{PASSWD}">
<link rel="attachment" href="{base}/attachment">
<link rel="stylesheet" href="{base}/link.css">
<style>@import url("{base}/import.css");
@font-face {{ font-family: X; src: url("{base}/font.ttf"); }}
body {{ background: url("{base}/css-url.png"); }}</style>
<div style="background-image: url({base}/style-attr.png)">x</div>
<object data="{base}/object"></object>
<embed src="{base}/embed">
<iframe src="{base}/iframe"></iframe>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10"
  height="10"><image href="{base}/svg-image.png" width="10" height="10"/>
  <image xlink:href="file://{PASSWD}" width="10" height="10"/></svg>
<img src="http://169.254.169.254/latest/meta-data/">
<img src="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'%3E%3Cimage
  href='{base}/data-svg.png'/%3E%3C/svg%3E">
<a href="{base}/link">a link is only an annotation, never fetched</a>
"""


def test_markup_reaching_weasyprint_cannot_read_files_or_open_connections(listener):
    port, requests = listener
    fetcher = StaticOnlyURLFetcher()
    html = (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
        '<link rel="stylesheet" href="/static/css/pdf.css"></head><body>'
        f"<p>Hòa giải thành công</p>{payloads(port)}</body></html>"
    )
    data = html_to_pdf(html, fetcher=fetcher)
    assert requests == []
    text = pdf_text(data)
    assert "Hòa giải thành công" in text
    assert secret_line() not in text
    assert secret_line().encode() not in data
    reader = PdfReader(io.BytesIO(data))
    assert reader.attachments == {}
    # Our own stylesheet and fonts were served; every payload was refused.
    assert any(url.endswith("/static/css/pdf.css") for url in fetcher.served)
    assert any(url.endswith(".ttf") for url in fetcher.served)
    assert not any(PASSWD in url for url in fetcher.served)
    assert any(PASSWD in url for url in fetcher.refused)
    assert any(f"127.0.0.1:{port}" in url for url in fetcher.refused)


def test_user_text_is_printed_as_text_not_markup(
    docs,  # noqa: F811 — the fixture
    client,
    django_capture_on_commit_callbacks,
    listener,
):
    port, requests = listener
    narrative = payloads(port) + f"\n\nurl(http://127.0.0.1:{port}/narrative)"
    response = issue(
        client,
        docs.staff,
        narrative=narrative,
        signatory_name=f'<img src="http://127.0.0.1:{port}/signatory">',
        recipients=f'<link rel="attachment" href="file://{PASSWD}">',
        capture=django_capture_on_commit_callbacks,
    )
    _report, data = issued_pdf(response)
    assert requests == []
    text = pdf_text(data)
    assert f'<img src="file://{PASSWD}">' in text  # shown, escaped, as typed
    assert secret_line() not in text
    assert PdfReader(io.BytesIO(data)).attachments == {}


def test_fetcher_refuses_symlinks_and_files_outside_the_static_folder(tmp_path):
    root = tmp_path / "static"
    (root / "css").mkdir(parents=True)
    (root / "css" / "ok.css").write_text("p { color: black }")
    os.symlink(PASSWD, root / "css" / "evil.css")
    (tmp_path / "outside.css").write_text("secret")
    fetcher = StaticOnlyURLFetcher(root=root)
    assert fetcher.fetch("file:///static/css/ok.css").read() == b"p { color: black }"
    for url in (
        "file:///static/css/evil.css",
        "file:///static/../outside.css",
        "file:///static/%2e%2e/outside.css",
        "file:///static/css/ok.css?x=1",
        "file://remote-host/static/css/ok.css",
        f"file://{PASSWD}",
        "http://127.0.0.1/static/css/ok.css",
        "data:text/css,p{}",
        "ftp://127.0.0.1/x",
    ):
        with pytest.raises(OSError):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 9
    # Uploaded signatures and seals come inline as PNG data: URIs, decoded in process; a
    # data: URI that is not a PNG (an SVG could point elsewhere) is refused.
    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
    )
    served = fetcher.fetch("data:image/png;base64," + base64.b64encode(png).decode())
    assert served.read() == png
    for url in ("data:image/png;base64,PHN2Zz4=", "data:image/svg+xml;base64,PHN2Zz4="):
        with pytest.raises(OSError):
            fetcher.fetch(url)


def test_redirecting_server_cannot_bypass_the_fetcher(listener):
    """CVE-2025-68616: redirects once bypassed custom fetchers. Ours never uses urllib, so a
    server is never contacted in the first place."""
    port, requests = listener
    fetcher = StaticOnlyURLFetcher()
    with pytest.raises(OSError):
        fetcher.open(f"http://127.0.0.1:{port}/redirect")
    assert requests == []


def test_the_payloads_do_reach_out_with_weasyprints_default_fetcher(listener):
    """Control: the same markup with WeasyPrint's own fetcher does contact the server and
    embeds the file, so the tests above are not passing by accident."""
    from weasyprint.urls import URLFetcher

    port, requests = listener
    html = f"<!DOCTYPE html><html><body><p>x</p>{payloads(port)}</body></html>"
    data = html_to_pdf(html, fetcher=URLFetcher(timeout=2))
    assert len(requests) >= 5
    assert PASSWD.rsplit("/", 1)[-1] in str(PdfReader(io.BytesIO(data)).attachments)
