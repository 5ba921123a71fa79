"""Who may see, post, manage and moderate which posts: one function per decision, so the
pages, the CLI, the API and search agree.

A member of staff sees a published post whose audience includes them *now* (someone who
joins a department reads its standing notices). Its author and administrators see it in
every state. Staff never see who read what.
"""

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from renraku.accounts import permissions
from renraku.notices.models import Recipient

from .models import AudienceEntry, Post, Status


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def audience_rows(spec: dict) -> list[tuple[str, str]]:
    """A validated audience as (selector, code) rows; [] for everyone."""
    if spec.get("all"):
        return []
    return [(key, str(code)) for key, codes in sorted(spec.items()) for code in codes]


def keys_of(staff) -> list[tuple[str, str]]:
    """Every (selector, code) that puts this person in an audience."""
    if staff is None:
        return []
    department = staff.department
    keys = [
        ("departments", department.code),
        ("domains", department.domain.code),
        ("sites", staff.site.code),
        ("staff", staff.employee_number),
        ("ranks", str(staff.position.rank)),
    ]
    if staff.section_id:
        keys.append(("sections", staff.section.code))
    keys += [("titles", code) for code in staff.titles.values_list("code", flat=True)]
    # Saved groups (broadcast's, shared by both): through the reverse relation's name.
    keys += [("groups", name) for name in staff.alert_groups.values_list("name", flat=True)]
    return keys


def audience_includes(staff) -> Q:
    """Posts whose audience takes in `staff` (a Q on Post)."""
    match = Q()
    for key, code in keys_of(staff):
        match |= Q(key=key, code=code)
    entries = AudienceEntry.objects.filter(match, post=OuterRef("pk")) if match else None
    everyone = Q(audience__all=True)
    return everyone | Exists(entries) if entries is not None else everyone


def readable_posts(user):
    """The published posts, in their 掲示 period or past it, that `user` may open."""
    if not _signed_in(user):
        return Post.objects.none()
    published = Post.objects.filter(status=Status.PUBLISHED)
    if permissions.is_administrator(user):
        return published
    staff = getattr(user, "staff", None)
    return published.filter(audience_includes(staff) | Q(author=user))


def can_read(user, post) -> bool:
    """Its audience includes them now, or it was sent to them (someone who has moved
    department since still opens the post their notification links to)."""
    if not _signed_in(user):
        return False
    if is_author_or_administrator(user, post):
        return True
    if post.status != Status.PUBLISHED:
        return False
    if post.audience.get("all"):  # the common case, answered without a query
        return True
    staff_id = getattr(user, "staff_id", None)
    sent_to_them = Recipient.objects.filter(notice_id=post.notice_id, staff_id=staff_id)
    if staff_id and post.notice_id and sent_to_them.exists():
        return True
    return readable_posts(user).filter(pk=post.pk).exists()


def is_author_or_administrator(user, post) -> bool:
    """Who may change, withdraw or attach to `post`: its author and administrators."""
    return post.author_id == user.pk or permissions.is_administrator(user)


def can_manage_post(user, post) -> bool:
    """Open the author's pages of `post`: its figures (read and acknowledgement rates, the
    feedback, and for posts requiring acknowledgement who has not acknowledged), editing,
    attachments, withdrawing: the author and administrators."""
    return _signed_in(user) and is_author_or_administrator(user, post)


def is_named_author_of(user, *, series=None, category=None) -> bool:
    """Named by administrators as an author of this series or this category."""
    return _signed_in(user) and any(
        owner is not None and owner.authors.filter(pk=user.pk).exists()
        for owner in (series, category)
    )


def can_post_in(user, *, series=None, category=None) -> bool:
    """Authors named by administrators per series or category; administrators. (A
    department administrator's audiences are checked by can_address.)"""
    if permissions.is_administrator(user):
        return True
    if series is not None:
        return is_named_author_of(user, series=series)
    if is_named_author_of(user, category=category):
        return True
    return permissions.is_department_admin(user)


def can_address(user, spec: dict, *, series=None, category=None) -> bool:
    """Whether `user` may post to this audience, in this series or category:
    administrators anywhere; an author named for *this* series (or category) to anyone;
    department administrators only to their own departments."""
    if permissions.is_administrator(user):
        return True
    if is_named_author_of(user, series=series, category=category):
        return True
    if not permissions.is_department_admin(user) or spec.get("all"):
        return False
    if set(spec) != {"departments"}:
        return False
    mine = set(user.scope_departments.values_list("code", flat=True))
    return set(spec["departments"]) <= mine


def can_post_as(user, department) -> bool:
    """Speak for a department (発信元): administrators for any; department administrators
    for theirs; anyone else only for their own department."""
    if department is None:
        return True
    if not _signed_in(user):
        return False
    if permissions.is_administrator(user):
        return True
    if permissions.is_department_admin(user):
        return permissions.administers_department(user, department.pk)
    staff = getattr(user, "staff", None)
    return staff is not None and staff.department_id == department.pk


def postable_departments(user):
    """The departments `user` may post as (for the compose form)."""
    from renraku.directory.models import Department

    if not _signed_in(user):
        return Department.objects.none()
    if permissions.is_administrator(user):
        return Department.objects.all()
    if permissions.is_department_admin(user):
        return user.scope_departments.all()
    return Department.objects.filter(staff=getattr(user, "staff", None))


def is_current(post, now=None) -> bool:
    """In its 掲示期間: shown on the home page."""
    now = now or timezone.now()
    return post.visible_until is None or post.visible_until > now
