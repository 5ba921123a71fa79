"""A post's attachments served from storage, with HTTP range requests (a phone's player
asks for the part of the video it needs, and again on each seek), and the player's
reports of what was watched.

Files are read through the FileField's storage (open, seek, read; size), never a local
path, so several web servers can share the files on shared or object storage. Anyone who
may not read the post gets a 404: the same answer as for an attachment that does not
exist, so ids do not tell what is there.
"""

import zlib

from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_POST

from . import video
from .access import can_read
from .models import Attachment, AttachmentKind

# Read and sent this much at a time: a few hundred MB never sit in a worker's memory.
CHUNK_BYTES = 256 * 1024
# Shown in the page (inline). Anything else is served as a download of bytes: an uploaded
# HTML or SVG opened from our origin would run its script with the reader's session.
INLINE_TYPES = {
    "application/pdf",
    "image/gif",
    "image/jpeg",
    "image/png",
    "image/webp",
    "video/mp4",
    "video/quicktime",
    "video/webm",
}


class Unsatisfiable(Exception):
    """The Range asks only for bytes past the end of the file: 416."""


def byte_range(header: str, size: int):
    """The (first, last) byte, inclusive, that a Range header asks of a file of `size`
    bytes, or None to send the whole file; raises Unsatisfiable.

    None for a header we do not understand (RFC 9110 lets a server ignore Range) and for
    several ranges: players ask for one, and one full 200 is simpler and as correct as a
    multipart/byteranges answer."""
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    # At most 18 digits each: a longer number is no file's size (and int() of thousands of
    # digits is refused by Python, which would be a 500).
    if not dash or not (first + last).isdigit() or not (first + last).isascii():
        return None
    if len(first) > 18 or len(last) > 18:
        return None
    if not first:  # bytes=-n: the last n bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        return max(size - suffix, 0), size - 1
    start = int(first)
    if last and int(last) < start:
        return None  # invalid: ignored, not unsatisfiable
    if start >= size:
        raise Unsatisfiable
    return start, min(int(last) if last else size - 1, size - 1)


class FileRange:
    """`length` bytes of a stored file from `start`, a chunk at a time. Django closes it
    when the response ends, also when the phone goes away mid-video."""

    def __init__(self, storage, name, start, length):
        self.file = storage.open(name, "rb")
        try:
            self.file.seek(start)
        except Exception:
            self.file.close()
            raise
        self.remaining = length

    def __iter__(self):
        while self.remaining > 0:
            chunk = self.file.read(min(CHUNK_BYTES, self.remaining))
            if not chunk:  # the file shrank under us; the client sees a short body
                return
            self.remaining -= len(chunk)
            yield chunk

    def close(self):
        self.file.close()


def readable_attachment(request, pk) -> Attachment:
    """The attachment, if this person may read its post; 404 otherwise."""
    attachment = get_object_or_404(Attachment.objects.select_related("post"), pk=pk)
    if not can_read(request.user, attachment.post):
        raise Http404
    return attachment


@login_required
@require_http_methods(["GET", "HEAD"])
def stream(request, pk):
    """The file, shown in the page: the video in <video>, an image, a PDF."""
    attachment = readable_attachment(request, pk)
    video.note_request(attachment, request.user.staff)
    return serve(request, attachment, as_attachment=False)


@login_required
@require_http_methods(["GET", "HEAD"])
def download(request, pk):
    """The file, saved under its own name."""
    attachment = readable_attachment(request, pk)
    video.note_request(attachment, request.user.staff)
    return serve(request, attachment, as_attachment=True)


def serve(request, attachment, *, as_attachment):
    storage, name = attachment.file.storage, attachment.file.name
    if not name:
        raise Http404
    try:
        size = storage.size(name)
    except OSError:  # gone from storage: nothing to send
        raise Http404 from None
    # Strong enough for If-Range: an upload is never rewritten in place (a replaced file
    # gets a new name from the storage).
    etag = f'"{attachment.pk}-{size}-{zlib.crc32(name.encode()):08x}"'
    first, last, status = 0, size - 1, 200
    header = request.headers.get("Range")
    # If-Range: the player's earlier bytes came from this very file, else send it all.
    if header and request.headers.get("If-Range", etag) == etag:
        try:
            wanted = byte_range(header, size)
        except Unsatisfiable:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return _headers(response, attachment, etag, as_attachment)
        if wanted is not None:
            (first, last), status = wanted, 206
    length = max(last - first + 1, 0)
    if request.method == "HEAD":
        response = HttpResponse(status=status)
    else:
        response = StreamingHttpResponse(FileRange(storage, name, first, length), status=status)
    response["Content-Length"] = str(length)
    if status == 206:
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    return _headers(response, attachment, etag, as_attachment)


def _headers(response, attachment, etag, as_attachment):
    content_type = attachment.content_type.split(";")[0].strip().lower()
    if content_type not in INLINE_TYPES:
        content_type, as_attachment = "application/octet-stream", True
    if response.status_code != 416:
        response["Content-Type"] = content_type
        response["Content-Disposition"] = content_disposition_header(
            as_attachment, attachment.name or "attachment"
        )
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    # Only the reader's own browser may keep a copy: access depends on who asks.
    response["Cache-Control"] = "private"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def progress(request, pk):
    """The player's report of a range it played: start and end in seconds (form-encoded;
    a `duration` it sends is ignored: lengths are the server's). 204 when recorded, 400
    with the reason when not."""
    attachment = readable_attachment(request, pk)
    if attachment.kind != AttachmentKind.VIDEO:
        raise Http404
    staff = request.user.staff
    if staff is None:
        return HttpResponseForbidden(
            "Only members of staff have viewing records.", content_type="text/plain"
        )
    try:
        video.record_progress(
            attachment,
            staff,
            request.POST.get("start"),
            request.POST.get("end"),
        )
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    return HttpResponse(status=204)
