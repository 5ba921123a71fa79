"""An attached PDF's text is read outside the upload's request, by a child process with
limits on CPU time and memory: a hostile PDF cannot hold a web worker, and the post says
when a file's text could not be read. Dave (administrator) writes to 総務部."""

import io
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from renraku.bulletin import actions, extract_text
from renraku.bulletin.models import Attachment, TextStatus
from renraku.testing import sign_in


def pdf(operators: bytes, pages: int = 30) -> bytes:
    """A PDF whose pages all share one content stream (compressed) and one font."""
    data = zlib.compress(operators, 9)
    kids = " ".join(f"{4 + i} 0 R" for i in range(pages))
    font = 4 + pages
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream",
        *[
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 %d 0 R >> >> /Contents 3 0 R >>" % font
        ]
        * pages,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


# Tens of thousands of tiny text objects on each of 30 pages: a few KB that take pypdf
# minutes of CPU to read.
HOSTILE = pdf(b"BT /F1 1 Tf 1 0 Td (a) Tj ET " * 30_000)
FRIENDLY = pdf(b"BT /F1 12 Tf 72 712 Td (Bousai kunren no shiryou) Tj ET", pages=1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


@pytest.fixture
def post(people):
    draft = actions.save_draft(
        people.dave, title="防災訓練の資料", body="資料を添付します。",
        audience={"departments": ["SOM"]},
    )  # fmt: skip
    return actions.publish(draft, by=people.dave)


def upload(client, user, post, data, name):
    sign_in(client, user)
    file = SimpleUploadedFile(name, data, content_type="application/pdf")
    return client.post(reverse("bulletin:attach", args=[post.pk]), {"file": file})


def test_the_upload_stores_the_file_and_leaves_reading_it_for_later(
    client, people, post, django_capture_on_commit_callbacks
):
    assert len(HOSTILE) < 10_000
    with django_capture_on_commit_callbacks() as after_commit:
        response = upload(client, people.dave, post, HOSTILE, "hostile.pdf")

    assert response.status_code == 302
    attachment = Attachment.objects.get()
    # Nothing of the file was read in the request: its text waits for the child process,
    # launched after commit.
    assert (attachment.text_status, attachment.text) == (TextStatus.PENDING, "")
    assert len(after_commit) == 1
    sign_in(client, people.alice)
    assert (
        "検索用に本文を読み取っています"
        in client.get(reverse("bulletin:post", args=[post.pk])).text
    )


def test_a_hostile_pdf_is_stopped_by_the_limits_and_said_unreadable(client, people, post):
    upload(client, people.dave, post, HOSTILE, "hostile.pdf")
    attachment = Attachment.objects.get()

    status = extract_text.extract(attachment.pk, cpu_seconds=1)

    assert status == TextStatus.FAILED
    attachment.refresh_from_db()
    assert (attachment.text_status, attachment.text) == (TextStatus.FAILED, "")
    for reader in (people.alice, people.dave):  # readers and its author
        page = sign_in(client, reader).get(reverse("bulletin:post", args=[post.pk])).text
        assert 'data-testid="text-unreadable"' in page
        assert "検索の対象になりません" in page
    assert extract_text.extract(attachment.pk) is None  # done with: not read again


def test_a_readable_pdfs_text_arrives_and_is_found(client, people, post):
    upload(client, people.dave, post, FRIENDLY, "shiryou.pdf")
    attachment = Attachment.objects.get()

    assert extract_text.extract(attachment.pk) == TextStatus.DONE

    attachment.refresh_from_db()
    assert "Bousai kunren" in attachment.text
    sign_in(client, people.alice)
    page = client.get(reverse("bulletin:post", args=[post.pk])).text
    assert "検索用に本文を読み取っています" not in page and "text-unreadable" not in page
    hits = client.get(reverse("bulletin:search"), {"q": "kunren"}).text
    assert "防災訓練の資料" in hits


def test_an_extraction_lost_with_its_process_is_tried_again_then_given_up(people, post):
    attachment = Attachment.objects.create(
        post=post, name="x.pdf", kind="pdf", content_type="application/pdf",
        text_status=TextStatus.PENDING, text_attempts=extract_text.MAX_ATTEMPTS,
    )  # fmt: skip
    assert extract_text.extract(attachment.pk) == TextStatus.FAILED
