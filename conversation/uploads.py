"""What an attachment may be: its size, its extension on an allow-list, and its first bytes
matching that extension. Executables, HTML and SVG are refused whatever they are called."""

from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.formats import number_format
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

TOO_LARGE = _("“{name}” is {size} bytes; attachments may be at most {limit} bytes.")
EMPTY = _("“{name}” is empty.")
TYPE_REFUSED = _("“{name}” is not a file type attachments accept ({allowed}).")
CONTENT_MISMATCH = _("“{name}” does not contain what a .{ext} file does; it is refused.")
ACTIVE_CONTENT = _("“{name}” contains a program, HTML or SVG; attachments never do.")
NAME_MAX = 200
SNIFF_BYTES = 2048

_TEXT = "text/plain; charset=utf-8"
# Extension → the Content-Type it is served with (always as a download).
ALLOWED: dict[str, str] = {
    "txt": _TEXT,
    "log": _TEXT,
    "md": _TEXT,
    "csv": _TEXT,
    "json": _TEXT,
    "diff": _TEXT,
    "patch": _TEXT,
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "zip": "application/zip",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
# The first bytes a binary type must start with (text types must be UTF-8 without NUL).
_MAGIC: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "zip": _ZIP,
    "docx": _ZIP,
    "xlsx": _ZIP,
    "pptx": _ZIP,
}
# Programs (Windows, ELF, Mach-O, scripts with a #!) and markup a browser would run.
_EXECUTABLE = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"#!")
_ACTIVE_MARKUP = (b"<!doctype html", b"<html", b"<script", b"<svg", b"<iframe", b"<body")


class UploadRefused(ValueError):
    def __init__(self, message: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


@dataclass(frozen=True, slots=True)
class CheckedUpload:
    name: str  # the uploader's file name, made safe to put in a header
    extension: str
    content_type: str


def attachment_max_bytes() -> int:
    return settings.ATTACHMENT_MAX_BYTES


def too_large(*, name: str, size: int, limit: int) -> str:
    """The refusal of an upload over the limit, its numbers grouped as the reader writes them."""
    return TOO_LARGE.format(
        name=name,
        size=number_format(size, force_grouping=True),
        limit=number_format(limit, force_grouping=True),
    )


def upload_check(*, upload: UploadedFile) -> CheckedUpload:
    """The upload's safe name and served type, or UploadRefused saying why (413 when too large)."""
    name = get_valid_filename((upload.name or "attachment").rsplit("/", 1)[-1])[-NAME_MAX:]
    limit = attachment_max_bytes()
    if upload.size > limit:
        raise UploadRefused(too_large(name=name, size=upload.size, limit=limit), 413)
    if upload.size == 0:
        raise UploadRefused(EMPTY.format(name=name))
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED:
        allowed = ", ".join(f".{ext}" for ext in ALLOWED)
        raise UploadRefused(TYPE_REFUSED.format(name=name, allowed=allowed))
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    if head.startswith(_EXECUTABLE):
        raise UploadRefused(ACTIVE_CONTENT.format(name=name))
    magic = _MAGIC.get(extension)
    if magic is not None:
        # The format's own signature: what follows is that format's, not markup's.
        if not head.startswith(magic):
            raise UploadRefused(CONTENT_MISMATCH.format(name=name, ext=extension))
    elif not _is_text(head):
        raise UploadRefused(CONTENT_MISMATCH.format(name=name, ext=extension))
    elif any(tag in head.lower() for tag in _ACTIVE_MARKUP):
        raise UploadRefused(ACTIVE_CONTENT.format(name=name))
    return CheckedUpload(name=name, extension=extension, content_type=ALLOWED[extension])


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # The sniffed bytes may end inside a character: only a fault before the end counts.
        return error.start >= len(head) - 3
    return True
