"""Checking uploaded files by their content: the checks live in portal/uploads.py, shared with key projects."""

from portal.uploads import (  # noqa: F401
    ALLOWED_TYPES,
    EXTENSION_OF,
    IMAGE_TYPES,
    INLINE_CONTENT_TYPES,
    NAME_LIMIT,
    SAME_TYPE,
    attachment_response,
    check_uploads,
    detect_type,
    download_name,
)
