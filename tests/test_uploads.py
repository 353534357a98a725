"""core/uploads.py: a file is judged by its content; what is stored carries no metadata and
nothing glued to it."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core import uploads

GPS_IFD = 0x8825


def jpeg_with_gps(size=(64, 48)) -> bytes:
    """A phone-like photo: EXIF with a GPS position (Huồi Tụ, Kỳ Sơn) and a camera owner."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x013B] = "Nguyễn Văn A"  # Artist
    exif[0x010F] = "PhoneMaker"  # Make
    exif[GPS_IFD] = {1: "N", 2: (19.0, 24.0, 0.0), 3: "E", 4: (104.0, 8.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def upload(content: bytes, name="anh.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_the_sample_photo_really_has_gps():
    image = Image.open(io.BytesIO(jpeg_with_gps()))
    assert image.getexif().get_ifd(GPS_IFD)
    assert b"Exif" in jpeg_with_gps()


def test_gps_and_every_exif_field_are_gone_after_cleaning():
    clean = uploads.clean_upload(upload(jpeg_with_gps()))
    assert clean.kind == uploads.JPEG
    image = Image.open(io.BytesIO(clean.content))
    assert not image.getexif().get_ifd(GPS_IFD)
    assert len(image.getexif()) == 0
    assert b"Exif" not in clean.content
    assert b"PhoneMaker" not in clean.content
    assert (clean.width, clean.height) == (64, 48)


def test_a_jpeg_zip_polyglot_loses_its_zip():
    archive = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("payload.html", "<script>alert(1)</script>")
    polyglot = jpeg_with_gps() + archive.getvalue()
    clean = uploads.clean_upload(upload(polyglot))
    assert b"PK\x03\x04" not in clean.content
    assert b"payload.html" not in clean.content
    assert b"<script>" not in clean.content


def test_an_oversize_file_is_refused(settings):
    settings.MAX_UPLOAD_BYTES = 10_000
    with pytest.raises(ValidationError) as error:
        uploads.clean_upload(upload(b"\xff\xd8\xff" + b"\0" * 20_000))
    assert error.value.code == "too_large"


def test_a_pdf_with_javascript_is_refused():
    pdf = (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /OpenAction << /S /JavaScript "
        b"/JS (app.alert(1)) >> >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )
    with pytest.raises(ValidationError) as error:
        uploads.clean_upload(upload(pdf, "bien-ban.pdf", "application/pdf"))
    assert error.value.code == "pdf_active"


def test_a_plain_pdf_is_kept_as_sent():
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    clean = uploads.clean_upload(upload(pdf, "bien-ban.pdf", "application/pdf"))
    assert clean.kind == uploads.PDF and clean.content == pdf


def test_a_script_named_as_a_photo_is_refused():
    with pytest.raises(ValidationError) as error:
        uploads.clean_upload(upload(b"<html><script>alert(1)</script>", "anh.jpg"))
    assert error.value.code == "wrong_type"


def test_a_thumbnail_is_a_small_jpeg():
    clean = uploads.clean_upload(upload(jpeg_with_gps((1200, 900))))
    small = Image.open(io.BytesIO(uploads.thumbnail(clean)))
    assert small.format == "JPEG" and max(small.size) == uploads.THUMBNAIL_SIDE
