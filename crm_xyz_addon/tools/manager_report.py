"""The arithmetic of the manager performance report, free of the ORM.

Periods, ratios, shares of the team total, the weighted score and the ranking
are plain functions of plain values, so that each rule can be read (and
tested) on its own.
"""

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

PERCENT_DIGITS = 2
SCORE_DIGITS = 2

# the days a report may cover: far enough from date.min and date.max for the day
# before, the day after, the previous period and a classification window of up to
# 120 months before it
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(9998, 12, 31)
MAX_YEARS = 10

# the preset periods of the report, with their labels (the report's choices)
PERIODS = (
    ("this_month", "This Month"),
    ("last_month", "Last Month"),
    ("this_quarter", "This Quarter"),
    ("last_quarter", "Last Quarter"),
    ("this_year", "This Year"),
    ("last_year", "Last Year"),
)


def preset_range(preset, today):
    """First and last day of a preset period around ``today``."""
    month_start = today.replace(day=1)
    quarter_start = month_start.replace(month=(today.month - 1) // 3 * 3 + 1)
    year_start = today.replace(month=1, day=1)
    starts = {
        "this_month": (month_start, relativedelta(months=1)),
        "last_month": (month_start - relativedelta(months=1), relativedelta(months=1)),
        "this_quarter": (quarter_start, relativedelta(months=3)),
        "last_quarter": (quarter_start - relativedelta(months=3), relativedelta(months=3)),
        "this_year": (year_start, relativedelta(years=1)),
        "last_year": (year_start - relativedelta(years=1), relativedelta(years=1)),
    }
    start, length = starts[preset]
    return start, start + length - timedelta(days=1)


def period_fault(date_from, date_to):
    """What is wrong with a period, or None.

    ``"out_of_range"`` (a day before FIRST_DAY or after LAST_DAY), ``"reversed"``
    (the start after the end) or ``"too_long"`` (more than MAX_YEARS years).
    """
    if not FIRST_DAY <= date_from <= LAST_DAY or not FIRST_DAY <= date_to <= LAST_DAY:
        return "out_of_range"
    if date_from > date_to:
        return "reversed"
    # (the years first: near LAST_DAY, date_from + MAX_YEARS years would overflow)
    if date_to.year - date_from.year >= MAX_YEARS and date_to >= date_from + relativedelta(
        years=MAX_YEARS
    ):
        return "too_long"
    return None


def previous_period(date_from, date_to):
    """The period of the same length that ends the day before ``date_from``.

    A period made of whole calendar months (a month, a quarter, a year...) is
    compared with the same number of whole months before it, so that June is
    compared with May and not with May 2 - May 31; any other range with the
    same number of days before it. ``(None, None)`` when it would start before
    the first day of the calendar (year 1).
    """
    try:
        day_before = date_from - timedelta(days=1)
        whole_months = date_from.day == 1 and (
            date_to == date.max or (date_to + timedelta(days=1)).day == 1
        )
        if whole_months:
            months = (date_to.year - date_from.year) * 12 + date_to.month - date_from.month + 1
            return date_from - relativedelta(months=months), day_before
        days = (date_to - date_from).days + 1
        return date_from - timedelta(days=days), day_before
    except (OverflowError, ValueError):  # before year 1
        return None, None


def ratio_pct(part, whole):
    """``part`` as a percentage of ``whole``; None (unknown) when there is nothing to divide by."""
    if part is None or not whole:
        return None
    return round(100.0 * float(part) / float(whole), PERCENT_DIGITS)


def difference(now, before, digits):
    """``now - before`` rounded, None when either is unknown."""
    if now is None or before is None:
        return None
    return round(now - before, digits)


def has_data(row, additive_keys):
    """Whether a salesperson has anything to be measured on: customers or activity.

    ``row`` holds his absolute values, with ``customers`` (his portfolio);
    ``additive_keys`` are the indicators that count or add up something.
    """
    return bool(row.get("customers")) or any(row[key] for key in additive_keys)


def normalise(values, higher_is_better=True):
    """Each known value measured against the best value of the team, in [0, 1].

    Unknown values (None) are left out. Where more is better: the value divided
    by the best (the highest); a team whose best is zero or negative gets 0
    everywhere, and negative values count as 0. Where less is better there is
    no natural zero to divide by, so the best (the lowest) gets 1, the worst
    gets 0 and the others lie in between in proportion; a team where everyone
    is equal gets 1 everywhere.
    """
    values = {key: value for key, value in values.items() if value is not None}
    if not values:
        return {}
    if higher_is_better:
        best = max(values.values())
        if best <= 0:
            return dict.fromkeys(values, 0.0)
        return {key: max(value, 0) / best for key, value in values.items()}
    best, worst = min(values.values()), max(values.values())
    if worst == best:
        return dict.fromkeys(values, 1.0)
    return {key: (worst - value) / (worst - best) for key, value in values.items()}


def scored_keys(row, weights):
    """The indicators the score of a salesperson rests on: weighed and known for him."""
    return [key for key, weight in weights.items() if weight > 0 and row[key] is not None]


def weighted_scores(rows, weights, lower_is_better=()):
    """Score of each salesperson, 0 to 100: the weighted mean of his normalised indicators.

    ``rows`` maps a salesperson to his absolute values by indicator key,
    ``weights`` maps the indicator keys that count to their weights; only
    positive weights count, and for each salesperson only the indicators known
    for him (not None): the weights of the others are left out of his mean;
    ``lower_is_better`` the keys where less is better. None for a salesperson
    with no such indicator.
    """
    counted = {key: weight for key, weight in weights.items() if weight > 0}
    sums, used_weights = dict.fromkeys(rows, 0.0), dict.fromkeys(rows, 0.0)
    for key, weight in counted.items():
        normalised = normalise(
            {user: row[key] for user, row in rows.items()}, key not in lower_is_better
        )
        for user, value in normalised.items():
            sums[user] += weight * value
            used_weights[user] += weight
    return {
        user: round(100.0 * sums[user] / used_weights[user], SCORE_DIGITS)
        if used_weights[user]
        else None
        for user in rows
    }


def competition_ranks(scores):
    """Rank 1 for the best score; equal scores share a rank and the next rank is skipped.

    Scores are compared as rounded to SCORE_DIGITS, so 80, 70, 70, 50 rank
    1, 2, 2, 4 ("standard competition ranking"). An unknown score (None) gets
    no rank (None).
    """
    known = {user: score for user, score in scores.items() if score is not None}
    ordered = sorted((round(score, SCORE_DIGITS) for score in known.values()), reverse=True)
    first_position = {}
    for position, score in enumerate(ordered, start=1):
        first_position.setdefault(score, position)
    return {
        user: first_position[round(score, SCORE_DIGITS)] if score is not None else None
        for user, score in scores.items()
    }
