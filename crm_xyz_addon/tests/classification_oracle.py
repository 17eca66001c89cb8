"""The rules of the customer classification in plain Python, as the README states them.

The analysis computes them in SQL (``tools/classification_query.py``); the tests hold
its results to these functions, customer by customer. Every comparison with a
threshold is made on exact fractions of the decimal values, so that a value that
sits exactly on a threshold (a CV of exactly 10 %, a cumulative share of exactly
80 %) falls on the documented side of it.
"""

from decimal import Decimal
from fractions import Fraction
from math import sqrt

from ..tools.classification import period_bounds
from ..tools.vocabulary import (
    STAGE_LOST,
    STAGE_ONE_OFF,
    STAGE_POTENTIAL,
    STAGE_REGULAR,
    STAGES_BY_RANK,
    TREND_DOWN,
    TREND_NEW,
    TREND_SAME,
    TREND_UP,
)


def exact(value):
    """The exact fraction of a decimal amount (a float is taken at its shortest repr)."""
    if isinstance(value, float):
        return Fraction(Decimal(repr(value)))
    return Fraction(value)


def relationship_stage(sales_before_window, sales_in_window, one_off_max):
    """Stage of a customer from its number of sales before and inside the window."""
    if sales_in_window > one_off_max:
        return STAGE_REGULAR
    if sales_in_window > 0:
        return STAGE_ONE_OFF
    if sales_before_window > 0:
        return STAGE_LOST
    return STAGE_POTENTIAL


def abc_class(total, cumulative_before, grand_total, a_percent, b_percent):
    """ABC class of a customer ranked after ``cumulative_before`` of ``grand_total``;
    False for a customer without a positive total."""
    if total is None or exact(total) <= 0 or exact(grand_total) <= 0:
        return False
    share = 100 * exact(cumulative_before) / exact(grand_total)
    if share < exact(a_percent):
        return "A"
    if share < exact(a_percent) + exact(b_percent):
        return "B"
    return "C"


def _mean_and_variance(values):
    """The mean and the population variance of the values, exactly."""
    values = [exact(value) for value in values]
    mean = sum(values) / len(values)
    return mean, sum((value - mean) ** 2 for value in values) / len(values)


def coefficient_of_variation(values):
    """Population CV in percent of the sub-period values, or None when the mean is <= 0."""
    if not values:
        return None
    mean, variance = _mean_and_variance(values)
    if mean <= 0:
        return None
    return 100 * sqrt(variance) / float(mean)


def xyz_class(values, x_max_cv, y_max_cv):
    """XYZ class of a regular customer from its sub-period values (empty ones are 0)."""
    if not values:
        return "Z"
    mean, variance = _mean_and_variance(values)
    if mean <= 0:
        return "Z"

    # CV <= limit  <=>  variance <= (limit / 100 * mean)^2, both sides exact
    def within(limit):
        return variance <= (exact(limit) / 100 * mean) ** 2

    if within(x_max_cv):
        return "X"
    if within(y_max_cv):
        return "Y"
    return "Z"


def trend(previous_stage, new_stage):
    """Direction of a change of automatic stage; 'new' at a first classification."""
    if not previous_stage:
        return TREND_NEW
    if not new_stage or new_stage == previous_stage:
        return TREND_SAME
    rank = STAGES_BY_RANK.index
    return TREND_UP if rank(new_stage) > rank(previous_stage) else TREND_DOWN


def period_values(sales, bounds):
    """Sub-period values v1..vN (1 = most recent) of ``sales``, (date, amount, ...):
    sub-period k holds the dates d with b_k < d <= b_(k-1); empty ones are 0."""
    values = [0] * (len(bounds) - 1)
    for day, amount, *_purchase in sales:
        for k in range(1, len(bounds)):
            if bounds[k] < day <= bounds[k - 1]:
                values[k - 1] += exact(amount)
    return values


def _is_purchase(sale):
    """A sale (day, amount[, purchase]) is a purchase unless it says otherwise."""
    return sale[2] if len(sale) > 2 else True


def classify(sales, prospects, as_of, settings):
    """The classification of a company's customers as of ``as_of``.

    :param sales: {customer id: [(local date, amount[, purchase]), ...]}, one a document:
        a sale, or with purchase False a credit note (its amount negative)
    :param prospects: the ids of the customers with an open opportunity or quotation
    :param settings: the company's classification settings (``_xyz_settings``)
    :return: {customer id: {"stage", "abc", "xyz", "cv", "amount", "purchases"}}
    """
    bounds = period_bounds(as_of, settings["xyz_period_unit"], settings["xyz_period_count"])
    floor = bounds[-1]
    result = {}
    for customer, customer_sales in sales.items():
        upto = [sale for sale in customer_sales if sale[0] <= as_of]
        in_window = [sale for sale in upto if sale[0] > floor]
        purchases = sum(1 for sale in upto if _is_purchase(sale))
        in_window_purchases = sum(1 for sale in in_window if _is_purchase(sale))
        if not purchases:
            continue
        stage = relationship_stage(
            purchases - in_window_purchases,
            in_window_purchases,
            settings["xyz_one_off_max_purchases"],
        )
        values = period_values(in_window, bounds)
        regular = stage == STAGE_REGULAR
        result[customer] = {
            "stage": stage,
            "amount": sum(values),
            "purchases": in_window_purchases,
            "xyz": xyz_class(values, settings["xyz_x_max_cv"], settings["xyz_y_max_cv"])
            if regular
            else False,
            "cv": coefficient_of_variation(values) if regular else None,
        }
    for customer in prospects:
        result.setdefault(
            customer,
            {"stage": STAGE_POTENTIAL, "amount": 0, "purchases": 0, "xyz": False, "cv": None},
        )
    # ranked by total, the customer's id breaking ties, as the analysis ranks them
    ranked = sorted(
        (customer for customer, figures in result.items() if figures["amount"] > 0),
        key=lambda customer: (-result[customer]["amount"], customer),
    )
    grand_total = sum(result[customer]["amount"] for customer in ranked)
    cumulative = 0
    for figures in result.values():
        figures["abc"] = False
    for customer in ranked:
        figures = result[customer]
        figures["abc"] = abc_class(
            figures["amount"],
            cumulative,
            grand_total,
            settings["abc_a_percent"],
            settings["abc_b_percent"],
        )
        cumulative += figures["amount"]
    return result
