"""Panels that capabilities built on alerts add to the headquarters' view and the wall (a
mobilisation shows its posts short of staff, its arrivals and its facility reports).

Each registers `panel(alerts, where)` (the alerts read as one, the page's first first),
`where` being "situation" or "wall", returning None (nothing to add) or a dict with the
"template" to include and its context. It is asked on every refresh: it should know
without a query when it has nothing to add (from the alerts' own fields).
Registered by them (in their AppConfig.ready), so broadcast never imports what sits above
it. A panel is asked only once the viewer's right to the whole alert has been checked: it
shows ward-wide figures, never to a department administrator's part of the view nor on a
department's wall link.
"""

_PANELS = []


def register(panel) -> None:
    if panel not in _PANELS:
        _PANELS.append(panel)


def for_alerts(alerts, where: str) -> list[dict]:
    """The panels `alerts` have, in the order registered."""
    return [found for panel in _PANELS if (found := panel(list(alerts), where))]
