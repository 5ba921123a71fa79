"""E-mail over SMTP, one message per person (each carries that person's own link)."""

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from renraku.directory.models import EmailRefusal, Staff

from .base import Channel, Outcome


def address_of(staff) -> str:
    """The work address, or the personal one for someone who has no work address."""
    personal = getattr(getattr(staff, "personal_contact", None), "email", "")
    return staff.work_email or personal


class EmailChannel(Channel):
    kind = "email"
    batch_size = 200

    def reachable(self, staff_ids):
        has_address = ~Q(work_email="") | Q(personal_contact__email__gt="")
        return Staff.objects.filter(has_address, pk__in=staff_ids).values_list("pk", flat=True)

    def send(self, message, deliveries):
        outcomes = []
        # What the server said of each address, kept for readiness (who e-mail reaches).
        accepted, refused = set(), {}
        # One SMTP connection for the whole batch: a new one per message would cost a
        # handshake (and TLS) per person.
        connection = get_connection()
        try:
            connection.open()
        except OSError as exc:  # the mail server is down: everyone in the batch waits
            return [Outcome(d.pk, ok=False, error=f"SMTP: {exc}"[:300]) for d in deliveries]
        with connection:
            for delivery in deliveries:
                staff = delivery.recipient.staff
                to = address_of(staff)
                if not to:
                    outcomes.append(
                        Outcome(delivery.pk, ok=False, permanent=True, error="no e-mail address")
                    )
                    continue
                body = render_to_string(
                    "channels/email.txt",
                    {
                        "message": message,
                        "staff": staff,
                        "url": message.link(delivery.recipient_id),
                        "ward_name": settings.WARD_NAME,
                    },
                )
                email = EmailMessage(
                    message.title,
                    body,
                    to=[to],
                    connection=connection,
                    headers={"X-Renraku-Notice": message.tag},
                )
                if message.calendar:  # an invitation calendar apps add with one tap
                    method, text = message.calendar
                    email.attach(
                        "invite.ics", text, f"text/calendar; charset=utf-8; method={method}"
                    )
                try:
                    email.send()
                except OSError as exc:  # smtplib errors are OSErrors
                    outcomes.append(
                        Outcome(
                            delivery.pk, ok=False, permanent=_refused(exc), error=str(exc)[:300]
                        )
                    )
                    if _refused(exc):
                        refused[to] = str(exc)[:300]
                except ValueError as exc:  # an address no message can carry: this one fails
                    outcomes.append(
                        Outcome(delivery.pk, ok=False, permanent=True, error=str(exc)[:300])
                    )
                else:
                    outcomes.append(Outcome(delivery.pk, ok=True))
                    accepted.add(to)
        _remember(accepted, refused)
        return outcomes


def _remember(accepted: set, refused: dict) -> None:
    """An address refused for good is kept (EmailRefusal); one that later takes a message
    is forgiven: one query a batch when every address took its message."""
    if accepted:
        EmailRefusal.objects.filter(address__in=accepted).delete()
    if refused:
        now = timezone.now()
        known = set(
            EmailRefusal.objects.filter(address__in=refused).values_list("address", flat=True)
        )
        EmailRefusal.objects.bulk_create(
            (
                EmailRefusal(address=a, refused_at=now, reason=r)
                for a, r in refused.items()
                if a not in known
            ),
            ignore_conflicts=True,  # another worker's batch may have refused it too
        )
        EmailRefusal.objects.filter(address__in=known).update(refused_at=now)


def _refused(exc) -> bool:
    """A 5xx answer for the recipient (no such mailbox) is permanent; anything else,
    such as the server being down, is worth retrying."""
    import smtplib

    return isinstance(exc, smtplib.SMTPRecipientsRefused)
