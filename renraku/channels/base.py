"""The one interface every delivery channel implements.

A channel takes a batch of deliveries of one notice, with the notice's words as a
message-neutral `renraku.channels.message.Message` (title, body, link, tag, urgency, reply
hints), and reports an Outcome for each. It knows nothing of alerts, posts or chats. It
never raises for a single person's failure: it says whether that failure is permanent
(the address is gone: retire it, move the person to their next channel) or temporary
(try again, after `retry_after` seconds when the service said so).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet


@dataclass
class Outcome:
    delivery_id: int
    ok: bool
    permanent: bool = False
    error: str = ""
    provider_id: str = ""
    retry_after: float | None = None


class Channel:
    kind: str = ""
    # How many deliveries one task hands to send() at once.
    batch_size: int = 100
    # What send() reads of each delivery, loaded with it. Every delivery also carries its
    # recipient's `notice_id`, `staff_id` and `answered_at` (a push needs no more).
    related: tuple[str, ...] = ("recipient__staff__personal_contact",)

    def reachable(self, staff_ids: Iterable[int]) -> QuerySet:
        """Of these people (ids, or a subquery of them), those this channel has an address
        for: a flat queryset of staff ids, which the database can take as a subquery."""
        raise NotImplementedError

    def send(self, message, deliveries: list) -> list[Outcome]:
        """Send `message` to each delivery's recipient; one Outcome per delivery, in order.

        `deliveries` come with `related` loaded, and `staff_id` on each.
        """
        raise NotImplementedError
