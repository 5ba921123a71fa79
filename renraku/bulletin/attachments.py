"""Attaching files to a post: a PDF (its text searched, once read by extract_text.py
outside the request), an image, or a video (MP4 or
QuickTime, hundreds of MB, its length read from the file). The type is decided by the
file's first bytes, never by its name or the browser's word; the file goes to Django's
storage (shared storage when there are several web servers)."""

import io
import struct

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from renraku.audit.actions import record

from . import access, actions, extract_text, search
from .models import Attachment, AttachmentKind, TextStatus

MB = 1024 * 1024


def sniff(head: bytes) -> tuple[str, str] | None:
    """(kind, content type) from a file's first bytes, or None for anything else."""
    if head.startswith(b"%PDF-"):
        return AttachmentKind.PDF, "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return AttachmentKind.IMAGE, "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return AttachmentKind.IMAGE, "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return AttachmentKind.IMAGE, "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return AttachmentKind.IMAGE, "image/webp"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return AttachmentKind.VIDEO, "video/quicktime" if brand == b"qt  " else "video/mp4"
    return None


def mp4_duration(stream) -> float | None:
    """Seconds, from the movie header (moov/mvhd) of an MP4 or QuickTime file: walks the
    top-level boxes without reading the media, wherever moov is (start or end)."""

    def boxes(start, end):
        position = start
        while position + 8 <= end:
            stream.seek(position)
            header = stream.read(8)
            if len(header) < 8:
                return
            size, kind = struct.unpack(">I4s", header)
            offset = 8
            if size == 1:
                size, offset = struct.unpack(">Q", stream.read(8))[0], 16
            elif size == 0:
                size = end - position
            if size < offset:
                return
            yield kind, position + offset, position + size
            position += size

    stream.seek(0, io.SEEK_END)
    total = stream.tell()
    for kind, body, end in boxes(0, total):
        if kind != b"moov":
            continue
        for inner, start, _end in boxes(body, end):
            if inner != b"mvhd":
                continue
            stream.seek(start)
            version = stream.read(1)[0]
            stream.read(3)
            if version == 1:
                _created, _modified, scale, length = struct.unpack(">QQIQ", stream.read(28))
            else:
                _created, _modified, scale, length = struct.unpack(">IIII", stream.read(16))
            return round(length / scale, 3) if scale else None
    return None


def attach(post, upload, *, by, request=None) -> Attachment:
    """Check and store `upload` (a Django UploadedFile) on `post`. ValidationError for a
    type or size renraku does not take; PermissionDenied unless by its author or an
    administrator."""
    if not access.is_author_or_administrator(by, post):
        raise PermissionDenied(_("Only its author or an administrator may change this post."))
    head = upload.read(16)
    upload.seek(0)
    found = sniff(head)
    if found is None:
        raise ValidationError(_("Attach a PDF, an image (PNG, JPEG, GIF, WebP) or an MP4 video."))
    kind, content_type = found
    limit = settings.BULLETIN_MAX_VIDEO_MB if kind == AttachmentKind.VIDEO else 20
    if upload.size > limit * MB:
        raise ValidationError(_("The file is larger than %(n)d MB.") % {"n": limit})
    name = (upload.name or "file").replace("\x00", "")[-200:]
    duration = mp4_duration(upload) if kind == AttachmentKind.VIDEO else None
    upload.seek(0)
    with transaction.atomic():
        attachment = Attachment.objects.create(
            post=post,
            file=upload,
            name=name,
            kind=kind,
            content_type=content_type,
            size=upload.size,
            # Read later, in a limited process of its own (extract_text.py).
            text_status=TextStatus.PENDING if kind == AttachmentKind.PDF else "",
            duration_seconds=duration,
        )
        if kind == AttachmentKind.PDF:
            transaction.on_commit(lambda: extract_text.start(attachment.pk))
        if post.status == "published":
            search.index_post(post)
        actions.touch(post)
        record(
            "bulletin.attached",
            request=request,
            actor=by,
            target=f"post:{post.pk}",
            detail={"name": name, "kind": kind, "size": upload.size},
        )
    return attachment


def detach(attachment, *, by, request=None) -> None:
    post = attachment.post
    if not access.is_author_or_administrator(by, post):
        raise PermissionDenied(_("Only its author or an administrator may change this post."))
    with transaction.atomic():
        attachment.file.delete(save=False)
        attachment.delete()
        if post.status == "published":
            search.index_post(post)
        actions.touch(post)
        record(
            "bulletin.detached",
            request=request,
            actor=by,
            target=f"post:{post.pk}",
            detail={"name": attachment.name},
        )
