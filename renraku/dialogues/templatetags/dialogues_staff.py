"""How a slot's time reads on the staff pages: 「12月10日（木）12:00〜13:00」 in Tokyo."""

from django import template

from .. import queries

register = template.Library()


@register.filter
def when(slot) -> str:
    return queries.when(slot)


@register.filter
def day_time(moment) -> str:
    return queries.day_time(moment) if moment else ""
