"""Signature and seal images for electronic originals (Decree 30/2020, Appendix I).

An agency's administrator uploads them; each is judged by its content (Pillow must read it
as PNG or JPEG: its name and declared type are not trusted), bounded in bytes and pixels
before it is decoded, then re-encoded as a fresh PNG — no metadata, no trailing bytes, a
white background made transparent so the seal can lie over the signature. The stored PNG
is what documents embed, as a data: URI (reports.pdf.image_data_uri)."""

import hashlib
import io

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageChops, ImageOps, UnidentifiedImageError

from agreements.models import Agency
from agreements.selectors import user_scope
from audit.models import AuditEvent
from audit.services import audit_record
from core.scope import ADMIN
from core.text import nfc
from reports.models import SignatureImage

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_SOURCE_PIXELS = 25_000_000  # checked from the header, before any decoding
MAX_SIDE = 1200  # stored size: ample for 35 mm at 600 dpi
ACCEPTED_FORMATS = {"PNG", "JPEG"}
WHITE_THRESHOLD = 235  # lighter pixels (paper) become transparent


def signature_image_prepare(upload) -> tuple[bytes, int, int]:
    """(PNG bytes, width, height) of an uploaded image, or a ValidationError in Vietnamese."""
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The image is too large (at most %(size)s MB).")
            % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    refused = ValidationError(_("The file is not a PNG or JPEG image."))
    try:
        source = Image.open(io.BytesIO(data))
        if source.format not in ACCEPTED_FORMATS:
            raise refused
        width, height = source.size
        if width * height > MAX_SOURCE_PIXELS or not (width and height):
            raise ValidationError(_("The image has too many pixels."))
        source.load()
        image = ImageOps.exif_transpose(source).convert("RGBA")
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise refused from None
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    paper = image.convert("L").point(lambda v: 0 if v > WHITE_THRESHOLD else 255)
    image.putalpha(ImageChops.multiply(image.getchannel("A"), paper))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue(), image.width, image.height


@transaction.atomic
def signature_image_save(
    *, user, agency: Agency, kind: str, signer_name: str, upload
) -> SignatureImage:
    """Store (or replace) an agency's seal or one signer's signature; audited with the
    image's hash. Only administrators may."""
    if ADMIN not in user_scope(user).roles:
        raise PermissionDenied(_("Only an administrator may upload signature and seal images."))
    signer_name = nfc(signer_name).strip() if kind == SignatureImage.Kind.SIGNATURE else ""
    if kind == SignatureImage.Kind.SIGNATURE and not signer_name:
        raise ValidationError(
            {"signer_name": _("Give the signer's name as printed under the signature.")}
        )
    png, width, height = signature_image_prepare(upload)
    image = (
        SignatureImage.objects.select_for_update()
        .filter(agency=agency, kind=kind, signer_name=signer_name)
        .first()
    )
    before = {"sha256": image.sha256} if image else {}
    if image is None:
        image = SignatureImage(agency=agency, kind=kind, signer_name=signer_name)
    image.png, image.width, image.height = png, width, height
    image.sha256 = hashlib.sha256(png).hexdigest()
    image.uploaded_by = user
    image.full_clean()
    image.save()
    audit_record(
        actor=user,
        action=AuditEvent.Action.ADMIN_CHANGE if before else AuditEvent.Action.ADMIN_ADD,
        object_type=image._meta.label_lower,
        object_id=image.pk,
        before=before,
        after={
            "agency": agency.pk,
            "kind": kind,
            "signer_name": signer_name,
            "sha256": image.sha256,
            "size": [width, height],
        },
    )
    return image
