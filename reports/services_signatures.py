"""Signature and seal images for electronic originals (Decree 30/2020, Appendix I).

An agency's administrator uploads them. The file is checked the way every upload of the portal
is (``core.uploads.clean_upload``: type judged by content, PNG or JPEG only, bytes and pixels
bounded before decoding, re-encoded by Pillow so no metadata or trailing bytes survive), then
made fit for a document: at most ``MAX_SIDE`` pixels, the white paper made transparent so the
seal can lie over the signature, stored as PNG. The stored PNG is what documents embed, as a
data: URI (reports.pdf.image_data_uri)."""

import hashlib
import io

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageChops

from agreements.models import Agency
from agreements.selectors import user_scope
from audit.models import AuditEvent
from audit.services import audit_record
from core.scope import ADMIN
from core.text import nfc
from core.uploads import IMAGES, clean_upload
from reports.models import SignatureImage

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_SIDE = 1200  # stored size: ample for 35 mm at 600 dpi
WHITE_THRESHOLD = 235  # lighter pixels (paper) become transparent


def signature_image_prepare(upload) -> tuple[bytes, int, int]:
    """(PNG bytes, width, height) of an uploaded image, or a ValidationError in Vietnamese."""
    clean = clean_upload(upload, allowed=IMAGES, max_bytes=MAX_UPLOAD_BYTES)
    # Pillow's own output from here on: already checked, bounded and re-encoded.
    image = Image.open(io.BytesIO(clean.content)).convert("RGBA")
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
