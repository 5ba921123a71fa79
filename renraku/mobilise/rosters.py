"""Who is behind a post's (or a team's) figures, a page at a time: who is expected and when,
who has arrived (when, where), who cannot come (why), and who has not answered — the
people to phone. Each list is one query for its page (the people with their section and
work phone joined), however many are called."""

from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Q, Value, When

from .models import Callup, Eta, Mobilisation

PER_PAGE = 50
# The lists, each with the query parameter that pages it.
LISTS = {"expected": "e", "arrived": "a", "cannot": "c", "unanswered": "u"}
_ETA_ORDER = Case(
    *[When(eta=value, then=Value(i)) for i, value in enumerate(Eta.values)],
    default=Value(len(Eta.values)),
    output_field=IntegerField(),
)
_BY_NAME = ("staff__family_name_kana", "staff__given_name_kana", "pk")


def place_filter(by: str, pk: int | None) -> Q:
    """Those called at this post (its current post) or in this team; pk None: without one."""
    return Q(**{f"{by}__isnull": True}) if pk is None else Q(**{f"{by}_id": pk})


def lists(mobilisation: Mobilisation, by: str, pk: int | None, pages: dict) -> dict:
    """The four lists of a post or team, each a Paginator page (`pages`: list → number)."""
    called = Callup.objects.filter(
        mobilisation=mobilisation, stood_down_at__isnull=True
    ).select_related("staff__section", "staff__department", "site", "team", "arrived_site")
    here = called.filter(place_filter(by, pk))
    not_arrived = Q(arrived_at__isnull=True)
    # By post, arrivals are those recorded there (whatever their post); by team, the team's.
    if by == "site":
        arrived = called.filter(arrived_at__isnull=False, arrived_site_id=pk)
    else:
        arrived = here.filter(arrived_at__isnull=False)
    queries = {
        "expected": here.filter(not_arrived, coming=True).order_by(_ETA_ORDER, *_BY_NAME),
        "arrived": arrived.order_by("-arrived_at", "pk"),
        "cannot": here.filter(not_arrived, coming=False).order_by("reason", *_BY_NAME),
        "unanswered": here.filter(not_arrived, answered_at__isnull=True).order_by(*_BY_NAME),
    }
    return {
        name: Paginator(rows, PER_PAGE).get_page(pages.get(name, 1))
        for name, rows in queries.items()
    }
