"""Checking uploaded files by their content, not their name (requests, visits and key projects share it)."""

import unicodedata
from pathlib import PurePosixPath, PureWindowsPath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# Detected type -> content type we store and serve.
ALLOWED_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "heic": "image/heic",
    "pdf": "application/pdf",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
IMAGE_TYPES = {"jpg", "png", "gif", "webp", "heic"}
# Served inline (shown in the browser); everything else downloads as an attachment. Browsers only ever
# render these as pictures, whatever else the bytes contain.
INLINE_CONTENT_TYPES = {ALLOWED_TYPES[kind] for kind in ("jpg", "png", "gif", "webp")}
EXTENSION_OF = {content_type: kind for kind, content_type in ALLOWED_TYPES.items()}
# Other spellings of a detected type's extension that a download name may keep.
SAME_TYPE = {"jpg": {"jpeg", "jfif"}}
NAME_LIMIT = 200


def detect_type(upload) -> str | None:
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None:
        return None
    if kind.extension == "zip":
        # Office Open XML files are zips; filetype needs the whole member list for those.
        kind = filetype.guess(upload.read())
        upload.seek(0)
    return kind.extension if kind and kind.extension in ALLOWED_TYPES else None


def check_uploads(files, *, existing: int = 0, images_only: bool = False) -> list[tuple[object, str]]:
    """Validate a batch of uploads; returns (file, content type) pairs or raises one ValidationError listing
    every problem, so nothing is stored unless every file is acceptable."""
    errors = []
    checked = []
    if existing + len(files) > settings.UPLOAD_MAX_FILES:
        errors.append(_("At most %(n)d files may be attached.") % {"n": settings.UPLOAD_MAX_FILES})
    for upload in files:
        if upload.size > settings.UPLOAD_MAX_BYTES:
            errors.append(
                _("%(name)s is %(size)s; the limit is %(limit)s.")
                % {
                    "name": upload.name,
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(settings.UPLOAD_MAX_BYTES),
                }
            )
            continue
        if upload.size == 0:
            errors.append(_("%(name)s is empty.") % {"name": upload.name})
            continue
        kind = detect_type(upload)
        if kind is None or (images_only and kind not in IMAGE_TYPES):
            allowed = _("images") if images_only else _("images, PDF or Office documents")
            errors.append(
                _("%(name)s is not an accepted file type (%(allowed)s); its content was checked, not its name.")
                % {"name": upload.name, "allowed": allowed}
            )
            continue
        checked.append((upload, ALLOWED_TYPES[kind]))
    if errors:
        raise ValidationError(errors)
    return checked


def download_name(name: str, content_type: str) -> str:
    """The file name to store and serve: the uploaded name without folders or control characters, with the
    extension of the type detected from the content (``evil.html`` holding a GIF becomes ``evil.gif``)."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip(" .")
    kind = EXTENSION_OF.get(content_type, "bin")
    stem, dot, extension = base.rpartition(".")
    if not dot:
        stem = base
    elif extension.lower() == kind or extension.lower() in SAME_TYPE.get(kind, ()):
        return base[:NAME_LIMIT]
    stem = stem.strip(" .") or "file"
    return stem[: NAME_LIMIT - len(kind) - 1] + "." + kind


def attachment_response(attachment) -> FileResponse:
    """Serve a stored file with the content type detected when it was uploaded, never sniffed by the browser;
    only pictures are shown inline, everything else downloads under a name whose extension matches its type.
    Raises Http404 when the file is gone from the disk."""
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = attachment.content_type if attachment.content_type in EXTENSION_OF else "application/octet-stream"
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=content_type not in INLINE_CONTENT_TYPES,
        filename=download_name(attachment.original_name, content_type),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
