"""The SVG charts pages draw, in one place: a line of shares against time (an alert's
answers, a post's readers, the headquarters' wall) and bars (a series' read rates, a
host's sessions by month). Each returns numbers in SVG user units for a template's
<polyline> or <rect>s; the SVG scales to its box. It counts nothing: callers pass what
their queries counted. Below every app that draws (it imports none of them)."""


def polyline(points, *, x_span: float, width: float, height: float, left=0, top=0) -> str:
    """`points` — (x, share) pairs, x from 0 to `x_span`, share of a whole from 0 to 1 — as
    the points of an SVG polyline in a plot `width` × `height` whose top-left corner is at
    (`left`, `top`): x to the right, a share of 1 at the top."""
    x_span = x_span or 1
    return " ".join(
        f"{round(left + x / x_span * width, 1)},{round(top + height - share * height, 1)}"
        for x, share in points
    )


def bars(shares, *, width: float, height: float, base: float, fill: float = 0.8) -> list[dict]:
    """One bar per share (0 to 1 of the tallest bar's `height`), side by side across
    `width`, standing on y = `base`: its x, w, y, h, and the x of its centre (cx) for a
    label. `fill` is the part of each bar's room the bar takes."""
    shares = list(shares)
    if not shares:
        return []
    room = width / len(shares)
    out = []
    for i, share in enumerate(shares):
        h = round(height * share, 1)
        out.append(
            {
                "x": round(i * room + room * (1 - fill) / 2, 1),
                "w": round(max(room * fill, 1), 1),
                "y": round(base - h, 1),
                "h": h,
                "cx": round(i * room + room / 2, 1),
            }
        )
    return out
