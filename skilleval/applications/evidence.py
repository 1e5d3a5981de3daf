"""Evidence for the condition claimed (diplomas, work certificates …): PDF or image, sealed at rest.

The type is read from the content, never from the name; images are decoded and re-encoded so no metadata
(GPS, camera, author) is kept; the stored name is the server's. SECURITY.md "Input and files"."""

import io

from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from skilleval.applications.lifecycle import EDITABLE, Status
from skilleval.applications.models import Application, Evidence
from skilleval.audit.services import record
from skilleval.core.errors import DomainError
from skilleval.core.filetypes import JPEG, PDF, document_type
from skilleval.privacy.files import read_private, sha256, store_private

PURPOSE = "applications.evidence"
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_FILES = 20
OPEN_FOR_EVIDENCE = EDITABLE | {Status.SUBMITTED}


def _clean_image(content: bytes) -> bytes:
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise DomainError(_("The image is too large."), code="too_large", field="file")
            image.load()
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=88)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise DomainError(_("The image cannot be read."), code="corrupt", field="file") from None
    return out.getvalue()


def checked_document(content: bytes) -> tuple[bytes, str]:
    """A PDF as it is, or an image decoded and re-encoded as JPEG without its metadata; with its type.
    Also used for discipline evidence."""
    if len(content) > MAX_BYTES:
        raise DomainError(_("A file may be at most 10 MB."), code="too_large", field="file")
    kind = document_type(content)
    if kind is None:
        raise DomainError(_("Upload a PDF, JPEG or PNG file."), code="format", field="file")
    if kind != PDF:
        content, kind = _clean_image(content), JPEG
    return content, kind


def add_evidence(
    application: Application, *, content: bytes, filename: str, description: str, by
) -> Evidence:
    if application.status not in OPEN_FOR_EVIDENCE:
        raise DomainError(_("Evidence can no longer be added to this application."), code="not_editable")
    if application.evidence.count() >= MAX_FILES:
        raise DomainError(
            _("At most %(count)s files per application.") % {"count": MAX_FILES}, code="too_many"
        )
    content, kind = checked_document(content)
    description = (description or "").strip()[:200] or filename[:200]
    with transaction.atomic():
        evidence = Evidence.objects.create(
            application=application,
            description=description,
            file_name=store_private(content, purpose=PURPOSE),
            original_name=filename[:200],
            content_type=kind,
            size=len(content),
            sha256=sha256(content),
            uploaded_by=by if getattr(by, "pk", None) else None,
        )
        record(by, "applications.evidence.add", application, {"evidence": evidence.pk, "type": kind})
    return evidence


def evidence_bytes(evidence: Evidence) -> bytes:
    return read_private(evidence.file_name, purpose=PURPOSE)
