"""Dialogues (対話): chats an executive hosts and any member of staff can join — lunch
(お昼ザツダン), after hours (お夕ザツダン), director visits (部長のお部屋訪問), the deputy
mayors' chats and exchanges with council members — their slots, who booked which seats,
the waiting list, and what the host heard."""

import datetime as dt
import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from renraku.notices.models import Notice


class Kind(models.Model):
    """A kind of dialogue and its rules, kept as data (administrators add kinds)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    open_signup = models.BooleanField(
        _("anyone may sign up"), default=True, help_text=_("Otherwise by invitation only.")
    )
    default_seats = models.PositiveSmallIntegerField(_("seats"), default=6)
    # Said on the sign-up page: whether taking part is working time or a break.
    is_break_time = models.BooleanField(_("counts as break time (休憩時間)"), default=False)
    allows_guests = models.BooleanField(_("guests from outside"), default=False)
    # At most this many upcoming chats per person with the same host (0: no limit).
    upcoming_per_host = models.PositiveSmallIntegerField(
        _("upcoming chats per person and host"), default=1
    )
    # Hours before the start until which a booking may be cancelled.
    cancel_hours = models.PositiveSmallIntegerField(_("cancel until (hours before)"), default=3)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("kind of dialogue")
        verbose_name_plural = _("kinds of dialogue")

    def __str__(self):
        return self.name


class Host(models.Model):
    """A member of staff an administrator names as a host (the three deputy mayors …)."""

    staff = models.OneToOneField(
        "directory.Staff",
        verbose_name=_("member of staff"),
        on_delete=models.PROTECT,
        related_name="dialogue_host",
    )
    kinds = models.ManyToManyField(Kind, verbose_name=_("kinds"), blank=True)
    visits_directors = models.BooleanField(
        _("visits every director, and each April the newly appointed"), default=False
    )
    # Applications until a deadline, then a draw (first those who never met the host).
    lottery = models.BooleanField(_("popular: draw lots among applicants"), default=False)

    class Meta:
        verbose_name = _("host")
        verbose_name_plural = _("hosts")

    def __str__(self):
        return str(self.staff)


class SlotStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CANCELLED = "cancelled", _("Cancelled")


class Slot(models.Model):
    kind = models.ForeignKey(Kind, verbose_name=_("kind"), on_delete=models.PROTECT)
    host = models.ForeignKey(
        Host, verbose_name=_("host"), on_delete=models.PROTECT, related_name="slots"
    )
    start = models.DateTimeField(_("starts at"), db_index=True)
    minutes = models.PositiveSmallIntegerField(_("minutes"), default=60)
    place = models.CharField(_("place"), max_length=200, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    seats = models.PositiveSmallIntegerField(_("seats"))
    status = models.CharField(max_length=10, choices=SlotStatus.choices, default=SlotStatus.OPEN)
    # For a lottery: applications until then, then the draw.
    draw_at = models.DateTimeField(_("lots drawn at"), null=True, blank=True)
    drawn_at = models.DateTimeField(null=True, blank=True)
    recurrence = models.ForeignKey(
        "Recurrence", null=True, blank=True, on_delete=models.SET_NULL, related_name="slots"
    )
    # iCalendar: the same UID for the slot's whole life, SEQUENCE raised on every change.
    uid = models.CharField(max_length=80, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    # Council exchanges: materials and minutes.
    minutes_text = models.TextField(_("minutes of the meeting"), blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start", "pk"]
        verbose_name = _("slot")
        verbose_name_plural = _("slots")

    def __str__(self):
        return f"{self.kind} {self.start:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self.uid:
            self.uid = f"{secrets.token_hex(16)}@renraku"
        super().save(*args, **kwargs)

    @property
    def end(self):
        return self.start + dt.timedelta(minutes=self.minutes)


class Recurrence(models.Model):
    """Every Tuesday and Thursday lunch for three months: the rule the slots were made
    from, with the dates left out (exceptions)."""

    kind = models.ForeignKey(Kind, on_delete=models.PROTECT)
    host = models.ForeignKey(Host, on_delete=models.PROTECT)
    weekdays = models.JSONField(default=list)  # 0 = Monday
    time = models.TimeField()
    minutes = models.PositiveSmallIntegerField(default=60)
    seats = models.PositiveSmallIntegerField()
    place = models.CharField(max_length=200, blank=True)
    first_day = models.DateField()
    last_day = models.DateField()
    exceptions = models.JSONField(default=list)  # ISO dates

    def __str__(self):
        return f"{self.kind} {self.first_day}–{self.last_day}"


class BookingStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    APPLIED = "applied", _("Applied (lots to be drawn)")
    NOT_DRAWN = "not_drawn", _("Not drawn")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE = (BookingStatus.CONFIRMED, BookingStatus.WAITLISTED, BookingStatus.APPLIED)


class Booking(models.Model):
    """One person's booking, alone or for a group of named colleagues (a group takes as
    many seats as people)."""

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="bookings")
    booked_by = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="dialogue_bookings"
    )
    status = models.CharField(max_length=10, choices=BookingStatus.choices)
    seats = models.PositiveSmallIntegerField(default=1)
    topic = models.CharField(_("what I would like to talk about"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Waiting list order: the time the booking joined it (then id).
    waiting_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")

    def __str__(self):
        return f"{self.slot_id}: {self.booked_by_id} ({self.status})"


class Participant(models.Model):
    """Everyone a booking brings (the booker included): one row each, so that a person
    is in a slot at most once, whoever booked them."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="participants")
    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="participants")
    staff = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="dialogue_participations"
    )
    # Kept in step with the booking's status: only active ones are unique per slot.
    active = models.BooleanField(default=True)
    attended = models.BooleanField(_("came"), default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "staff"],
                condition=models.Q(active=True),
                name="one_active_seat_per_person_and_slot",
            )
        ]

    def __str__(self):
        return f"{self.slot_id}: {self.staff_id}"


class Guest(models.Model):
    """Someone from outside (a council member: name and 会派), with no account."""

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="guests")
    name = models.CharField(_("name"), max_length=100)
    affiliation = models.CharField(_("会派 / affiliation"), max_length=100, blank=True)

    def __str__(self):
        return self.name


class Material(models.Model):
    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="materials")
    file = models.FileField(_("file"), upload_to="dialogues/%Y/")
    name = models.CharField(_("file name"), max_length=200)

    def __str__(self):
        return self.name


class HostNote(models.Model):
    """The host's own notes on a slot: seen by the host alone."""

    slot = models.OneToOneField(Slot, on_delete=models.CASCADE, related_name="note")
    text = models.TextField(_("notes"), max_length=20_000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"note {self.slot_id}"


class Concern(models.Model):
    """「困っていること」 heard in a chat: kept by the host, published (anonymised, tagged
    by topic and department) when the host chooses — the purpose of the chats."""

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="concerns")
    text = models.TextField(_("what people struggle with"), max_length=2_000)
    topic = models.CharField(_("topic"), max_length=50)
    department = models.ForeignKey(
        "directory.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.text[:40]


class VisitStatus(models.TextChoices):
    NOT_YET = "not_yet", _("Not yet")
    SCHEDULED = "scheduled", _("Scheduled")
    VISITED = "visited", _("Visited")


class DirectorVisit(models.Model):
    """One director (部長級) a host is to visit in a fiscal year (April–March)."""

    host = models.ForeignKey(Host, on_delete=models.CASCADE, related_name="visits")
    director = models.ForeignKey(
        "directory.Staff", on_delete=models.CASCADE, related_name="director_visits"
    )
    year = models.PositiveSmallIntegerField(_("fiscal year"))
    status = models.CharField(
        max_length=10, choices=VisitStatus.choices, default=VisitStatus.NOT_YET
    )
    slot = models.ForeignKey(Slot, null=True, blank=True, on_delete=models.SET_NULL)
    # The director may propose another time.
    proposed_start = models.DateTimeField(_("proposed time"), null=True, blank=True)
    newly_appointed = models.BooleanField(default=False)
    visited_at = models.DateTimeField(_("visited at"), null=True, blank=True)
    queued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["year", "director__department__order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["host", "director", "year"], name="one_visit_per_director_and_year"
            )
        ]

    def __str__(self):
        return f"{self.host_id} → {self.director_id} ({self.year})"


class CalendarFeed(models.Model):
    """A private calendar subscription (a secret URL) for one member of staff: their
    bookings, and their slots if they host. Only the token's digest is kept."""

    staff = models.OneToOneField(
        "directory.Staff", on_delete=models.CASCADE, related_name="calendar_feed"
    )
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"feed {self.staff_id}"


class Purpose(models.TextChoices):
    REMINDER = "reminder", _("Reminder the day before")
    MOVED = "moved", _("Moved")
    CANCELLED = "cancelled", _("Cancelled")
    PROMOTED = "promoted", _("From the waiting list to a seat")
    DRAWN = "drawn", _("Result of the draw")
    INVITED = "invited", _("Invitation")
    ADDED = "added", _("Booked by a colleague")
    PROPOSED = "proposed", _("A director proposes another time")
    NOT_RUN = "not_run", _("Deferred work not done")


class SlotNotice(Notice):
    """A notice about a slot to its participants, through the one pipeline at normal
    urgency: the reminder the day before, a move, a cancellation, a seat freed for
    someone waiting, the result of a draw, an invitation."""

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="notices")
    purpose = models.CharField(max_length=10, choices=Purpose.choices)

    def __str__(self):
        return f"{self.slot_id} {self.purpose}"
