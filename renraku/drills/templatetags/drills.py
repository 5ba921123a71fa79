from django import template

from renraku.directory import audience

from .. import report

register = template.Library()


@register.filter
def clock(seconds):
    """Seconds as m:ss (h:mm:ss past an hour); "—" when the mark was not reached."""
    return report.clock(seconds)


@register.filter
def get(mapping, key):
    return mapping.get(key, "")


@register.filter
def signed(number):
    return f"{number:+d}"


@register.filter
def audience_words(spec):
    return audience.describe(spec)
