"""Checks of uploaded documents: only known types (by name and by content) within a size limit."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# suffix -> (content type, how the file starts)
KNOWN_TYPES = {
    ".pdf": ("application/pdf", b"%PDF"),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK"),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", b"PK"),
    ".png": ("image/png", b"\x89PNG"),
    ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
    ".jpeg": ("image/jpeg", b"\xff\xd8\xff"),
}
DOCUMENTS = (".pdf", ".docx")
EVIDENCE = (".pdf", ".docx", ".xlsx", ".pptx", ".png", ".jpg", ".jpeg")
ATTACHMENTS = EVIDENCE

MSG_TYPE = _("Only these files can be uploaded: %(types)s.")
MSG_SIZE = _("The file is larger than %(mb)s MB.")


def check_upload(upload, *, allowed: tuple[str, ...], field: str, type_message=None) -> str:
    """Return the upload's content type, or raise ValidationError on `field` saying why not.

    `type_message` replaces the generic message for a file of another type.
    """
    suffix = Path(upload.name or "").suffix.lower()
    types = ", ".join(s.lstrip(".").upper() for s in allowed)
    wrong_type = type_message or MSG_TYPE % {"types": types}
    if suffix not in allowed or suffix not in KNOWN_TYPES:
        raise ValidationError({field: wrong_type})
    if upload.size > settings.ATTACHMENT_MAX_MB * 1024 * 1024:
        raise ValidationError({field: MSG_SIZE % {"mb": settings.ATTACHMENT_MAX_MB}})
    content_type, magic = KNOWN_TYPES[suffix]
    head = upload.read(8)
    upload.seek(0)
    if not head.startswith(magic):
        raise ValidationError({field: wrong_type})
    return content_type
