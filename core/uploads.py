"""Checking an uploaded photo or scanned document before it is stored: shared by activity
records (photos, minutes), the housing register (photos) and the agencies' signature and seal
images.

The type is judged by the content, never by the name or the browser's content type. Images are
decoded whole by Pillow and re-encoded, so what is stored is Pillow's output: EXIF, XMP and
other metadata (GPS position, camera serial, the phone owner's name) are not carried over, nor
anything appended after the image's end (a JPEG+ZIP or JPEG+HTML polyglot loses its second
half). Orientation is applied to the pixels first, so a phone photo stays upright. A PDF is
kept as sent, so it must start with its header and may not carry active content or a second
file format inside it.

Cost is bounded before the costly step: the bytes read (``MAX_UPLOAD_BYTES``), the pixel count
declared in the image header (checked before decoding, so a 1 KB PNG that claims 100.000 ×
100.000 pixels costs nothing) and Pillow's own decompression-bomb guard."""

import io
import re
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from core.workbook import size_text

JPEG, PNG, PDF = "jpeg", "png", "pdf"
CONTENT_TYPES = {JPEG: "image/jpeg", PNG: "image/png", PDF: "application/pdf"}
EXTENSIONS = {JPEG: "jpg", PNG: "png", PDF: "pdf"}
IMAGES = frozenset({JPEG, PNG})

# A 48-megapixel phone photo is 8.000 × 6.000; anything larger is not a photo of a house.
MAX_PIXELS = 50_000_000
# Stored images are scaled down to this longest side: enough to print, far smaller to keep.
MAX_SIDE = 2560
THUMBNAIL_SIDE = 320
JPEG_QUALITY = 85
CHUNK = 64 * 1024

# Markers that make a PDF more than a document: scripts, launch actions, embedded files, or
# another format glued to it (a zip's local header, an HTML page).
# PDF names are case-sensitive and end at a delimiter; matching them exactly keeps a random
# run of bytes in a compressed stream from refusing an honest scan.
PDF_FORBIDDEN = re.compile(
    rb"/(?:JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA)(?=[\s/<>\[\]()%])"
    rb"|PK\x03\x04|<(?i:html|script)\b"
)


@dataclass(frozen=True)
class CleanFile:
    """What may be stored: the bytes (re-encoded for images), their kind and size."""

    kind: str
    content: bytes
    width: int | None = None
    height: int | None = None

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.kind]

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.kind]

    @property
    def is_image(self) -> bool:
        return self.kind in IMAGES


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def read_bounded(upload, *, max_bytes: int | None = None) -> bytes:
    """The upload's bytes, read in chunks and refused as soon as they pass the limit: a wrong
    or missing declared size cannot make the server read more."""
    limit = max_bytes or settings.MAX_UPLOAD_BYTES
    size = getattr(upload, "size", None)
    too_large = _refuse(
        _("The file is too large; the limit is %(limit)s.") % {"limit": size_text(limit)},
        "too_large",
    )
    if size is not None and size > limit:
        raise too_large
    if hasattr(upload, "seek"):
        upload.seek(0)
    parts, total = [], 0
    while chunk := upload.read(CHUNK):
        total += len(chunk)
        if total > limit:
            raise too_large
        parts.append(chunk)
    return b"".join(parts)


def sniff(data: bytes) -> str | None:
    """The kind the content says it is, from its first bytes."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"%PDF-"):
        return PDF
    return None


def _clean_pdf(data: bytes) -> CleanFile:
    if PDF_FORBIDDEN.search(data):
        raise _refuse(
            _("The PDF file contains scripts, attachments or another file inside it."),
            "pdf_active",
        )
    # A PDF ends with %%EOF (trailing whitespace allowed); bytes after it are something else.
    if b"%%EOF" not in data[-1024:]:
        raise _refuse(_("The PDF file is damaged or incomplete."), "pdf_damaged")
    return CleanFile(kind=PDF, content=data)


def _encode(image: Image.Image, kind: str) -> bytes:
    out = io.BytesIO()
    if kind == JPEG:
        image.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        # Keep transparency for a seal or signature on a transparent background.
        mode = "RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB"
        image.convert(mode).save(out, "PNG", optimize=True)
    return out.getvalue()


def _open(data: bytes, kind: str) -> Image.Image:
    unreadable = _refuse(_("The image cannot be read; send a JPEG or PNG photo."), "image_bad")
    try:
        with warnings.catch_warnings():
            # Pillow warns, then raises, past its bomb threshold; both mean "refuse".
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            # The header's size is known before any pixel is decoded.
            if image.width * image.height > MAX_PIXELS:
                raise _refuse(
                    _("The image is too large (%(width)s × %(height)s pixels).")
                    % {"width": image.width, "height": image.height},
                    "image_too_large",
                )
            if (image.format or "").lower() != kind:
                raise unreadable
            image.load()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise unreadable from error
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _refuse(_("The image is too large."), "image_too_large") from error
    return image


def clean_upload(
    upload, *, allowed: frozenset[str] = frozenset({JPEG, PNG, PDF}), max_bytes: int | None = None
) -> CleanFile:
    """Read, check and (for images) re-encode an upload; raise ValidationError with a message
    for the user otherwise. Nothing is stored here: the caller stores ``content``."""
    data = read_bounded(upload, max_bytes=max_bytes)
    kind = sniff(data)
    if kind is None or kind not in allowed:
        names = ", ".join(sorted(EXTENSIONS[k].upper() for k in allowed))
        raise _refuse(
            _("This file type is not accepted; send %(types)s.") % {"types": names},
            "wrong_type",
        )
    if kind == PDF:
        return _clean_pdf(data)
    image = _open(data, kind)
    # Apply the EXIF orientation to the pixels, then drop EXIF with everything else.
    image = ImageOps.exif_transpose(image)
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    return CleanFile(
        kind=kind, content=_encode(image, kind), width=image.width, height=image.height
    )


def thumbnail(clean: CleanFile, *, side: int = THUMBNAIL_SIDE) -> bytes:
    """A small JPEG of an already cleaned image, for lists and the review page."""
    if not clean.is_image:
        raise ValueError("only images have thumbnails")
    image = Image.open(io.BytesIO(clean.content))
    image.thumbnail((side, side))
    return _encode(image, JPEG)
