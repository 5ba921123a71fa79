"""How a Letter reads: the words stored with it (see models.Letter)."""

from renraku.channels.message import Message

from .models import Letter


def message_of(letter: Letter) -> Message:
    link = letter.link
    return Message(
        title=letter.title,
        body=letter.body,
        link=lambda _recipient_id: link,
        tag=letter.tag,
        urgency=letter.urgency,
    )


def wording(notice_ids: list[int]) -> dict:
    """For the pipeline: each letter's Message (a letter is never withdrawn)."""
    return {letter.pk: message_of(letter) for letter in Letter.objects.filter(pk__in=notice_ids)}
