"""A count as a share of another: the one way pages and exports (percent) and the API and
the CLI (fraction) turn counts into rates. Queries and figure modules call these; views only
show their results."""


def percent(part, whole, *, digits: int = 1):
    """`part` as a percentage of `whole`, rounded to `digits` decimals (0: a whole number);
    0 when there is nothing to divide by (no recipients yet is a rate of 0, not an error)."""
    if not whole:
        return 0 if digits == 0 else 0.0
    share = 100 * part / whole
    return round(share) if digits == 0 else round(share, digits)


def fraction(part, whole, *, digits: int = 4) -> float:
    """`part` as a share of `whole` between 0 and 1 (the API's and the CLI's rates); 0.0
    when there is nothing to divide by."""
    return round(part / whole, digits) if whole else 0.0
