"""`{% delivery_funnel alert as funnel %}`: an alert's delivery funnel for a page whose view
does not compute it (the headquarters' view), shared between screens like the dashboard's
figures."""

from django import template

from renraku.broadcast import funnel, live

register = template.Library()


@register.simple_tag
def delivery_funnel(alert):
    return live.shared(
        "funnel", alert.pk, compute=lambda: funnel.of(alert), periods=live.CURVE_PERIODS
    )
