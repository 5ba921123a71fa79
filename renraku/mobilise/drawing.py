"""The status's pictures, as numbers for SVG templates: a stacked bar per post or team
(arrived, coming by expected arrival, cannot, not answered, against the minimum) and the
arrivals over time against the minimum. Every colour reads at 4.5:1 or more on white,
segments are parted by a white gap, and every picture carries its numbers in words."""

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renraku import charts

from .queries import Line

# (key, label, colour): the order of a bar's segments, the nearest to arriving first.
SEGMENTS = [
    ("arrived", gettext_lazy("Arrived"), "#1b5e20"),
    ("30", gettext_lazy("≤30 min"), "#0b57d0"),
    ("60", gettext_lazy("≤1 h"), "#6a1b9a"),
    ("180", gettext_lazy("≤3 h"), "#8a5300"),
    ("day", gettext_lazy("Today"), "#00695c"),
    ("cannot", gettext_lazy("Cannot"), "#b3261e"),
]
UNANSWERED_LABEL = gettext_lazy("Not answered")
BAR_WIDTH, BAR_HEIGHT = 200, 18


def _parts(line: Line) -> list[tuple[str, str, str, int]]:
    values = {"arrived": line.arrived, "cannot": line.cannot, **line.eta}
    parts = [(key, str(label), colour, values[key]) for key, label, colour in SEGMENTS]
    unanswered = max(0, line.called - line.answered)
    return [*parts, ("unanswered", str(UNANSWERED_LABEL), "", unanswered)]


def _size(line: Line) -> int:
    return sum(p[3] for p in _parts(line))


def bars(lines: list[Line]) -> list[dict]:
    """For each line, its segments ({x, w, colour, key}), where its minimum falls
    (`minimum_x`, None without one), its numbers in words (`text`) and the picture
    (`svg`), on one scale for the table, so that posts compare."""
    scale = max([max(_size(line), line.required or 0) for line in lines] + [1])
    out = []
    for line in lines:
        x, segments, words = 0.0, [], []
        for key, label, colour, n in _parts(line):
            if n:
                w = n / scale * BAR_WIDTH
                segments.append({"key": key, "x": round(x, 1), "w": round(w, 1), "colour": colour})
                x += w
                words.append(f"{label} {n}")
        if line.required is not None:
            words.append(_("Minimum %(n)d") % {"n": line.required})
        bar = {
            "segments": segments,
            "minimum_x": None
            if line.required is None
            else round(line.required / scale * BAR_WIDTH, 1),
            "text": "、".join(words) or _("Nobody called"),
        }
        bar["svg"] = bar_svg(bar)
        out.append(bar)
    return out


def bar_svg(bar: dict) -> str:
    """The bar as a few short elements, written here rather than by a template (a table
    has hundreds): a white frame, each coloured segment one thick stroke in a group that
    sets its width, ending half a unit short on each side so that segments are parted by
    white, and the minimum a dashed line. Its numbers are its accessible name."""
    strokes = "".join(
        f'<path d="M{s["x"] + 1.5:g} 11h{max(s["w"] - 1, 0.5):.1f}" stroke="{s["colour"]}"/>'
        for s in bar["segments"]
        if s["colour"]
    )
    minimum = (
        ""
        if bar["minimum_x"] is None
        else f'<path d="M{bar["minimum_x"] + 1:g} 0v22" stroke="#1c1b1f" stroke-width="2" '
        'stroke-dasharray="3 2"/>'
    )
    return mark_safe(  # noqa: S308 — numbers and our own colours; the words are escaped
        f'<svg class="mob-bar" viewBox="0 0 204 22" width="204" height="22" role="img" '
        f'aria-label="{escape(bar["text"])}" focusable="false">'
        '<rect x="1" y="2" width="200" height="18" fill="#fff" stroke="#5f5b66"/>'
        f'<g stroke-width="18">{strokes}</g>{minimum}</svg>'
    )


def legend() -> list[tuple[str, str]]:
    return [(str(label), colour) for _key, label, colour in SEGMENTS] + [
        (str(UNANSWERED_LABEL), "")
    ]


# The arrivals chart's geometry, in SVG user units.
WIDTH, HEIGHT = 360, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 12, 14, 40
_MINUTE_STEPS = (5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880)


def _step(top: float, ticks: int = 4) -> int:
    raw = max(1, top / ticks)
    magnitude = 10 ** (len(str(int(raw))) - 1)
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)


def arrivals_chart(points: list, minimum: int | None) -> dict:
    """People arrived against minutes since the start (a step line), with the minimum
    as a level line; `text` says the last count and the minimum in words."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    last_minute = points[-1][0] if points else 0
    x_step = next((s for s in _MINUTE_STEPS if last_minute / s <= 6), _MINUTE_STEPS[-1])
    x_span = max(x_step, -(-last_minute // x_step) * x_step)
    arrived = points[-1][1] if points else 0
    y_step = _step(max(arrived, minimum or 0, 1))
    y_top = max(y_step, -(-max(arrived, minimum or 0, 1) // y_step) * y_step)
    steps, before = [(0.0, 0)], 0
    for minute, n in points:
        steps += [(minute, before), (minute, n)]
        before = n
    steps.append((x_span, before))
    shares = [(m, n / y_top) for m, n in steps]

    def y(n):
        return round(TOP + plot_h - n / y_top * plot_h, 1)

    text = _("%(n)d arrived") % {"n": arrived}
    if minimum is not None:
        text += "、" + _("minimum %(n)d") % {"n": minimum}
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": TOP + plot_h,
        "line": charts.polyline(
            shares, x_span=x_span, width=plot_w, height=plot_h, left=LEFT, top=TOP
        ),
        "minimum_y": None if minimum is None else y(minimum),
        "x_ticks": [
            {"x": round(LEFT + m / x_span * plot_w, 1), "label": int(m)}
            for m in range(0, int(x_span) + 1, x_step)
        ],
        "y_ticks": [{"y": y(n), "label": n} for n in range(0, int(y_top) + 1, y_step)],
        "x_title_x": (LEFT + WIDTH - RIGHT) / 2,
        "x_title_y": HEIGHT - 6,
        "text": text,
    }
