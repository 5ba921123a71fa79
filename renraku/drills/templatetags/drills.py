from django import template
from django.utils.translation import gettext as _

from renraku.directory import audience

from .. import report

register = template.Library()


@register.filter
def clock(seconds):
    """Seconds as m:ss (h:mm:ss past an hour); "—" when the mark was not reached."""
    return report.clock(seconds)


@register.filter
def duration(seconds):
    """Seconds in words (9分31秒, 1時間2分5秒), where a bare m:ss would have no legend;
    "—" when the mark was not reached."""
    if seconds is None:
        return "—"
    hours, rest = divmod(round(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return _("%(h)d h %(m)d min %(s)d s") % {"h": hours, "m": minutes, "s": secs}
    if minutes:
        return _("%(m)d min %(s)d s") % {"m": minutes, "s": secs}
    return _("%(s)d s") % {"s": secs}


@register.filter
def get(mapping, key):
    return mapping.get(key, "")


@register.filter
def signed(number):
    return f"{number:+d}"


@register.filter
def audience_words(spec):
    return audience.describe(spec)
