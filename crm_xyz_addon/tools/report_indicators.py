"""The indicators of the manager performance report: one entry each.

Everything else is made from this list: the report's options (``show_<option>``),
the company's ranking weights (``xyz_weight_<option>``) and their settings
screen, the columns of the screen, the PDF and the XLSX, the line values and
``get_indicators()``. An indicator reads the raw figures of the report's
queries (``tools/manager_report_query.py``, ``FIGURE_QUERIES``); README.md,
"Adding an indicator", shows the steps.
"""

from dataclasses import dataclass
from typing import Any

from odoo.tools.translate import LazyTranslate

from .manager_report import ratio_pct

_lt = LazyTranslate(__name__)

# the groups of indicators, in the order of the screen: the options are grouped so
# and the PDF prints one table per group when the columns do not fit one
GROUPS = (
    ("contacts", _lt("Contacts")),
    ("stages", _lt("Customer Stages")),
    ("sales", _lt("Sales")),
)
# how a value is written: its digits (None: the company currency's)
UNIT_DIGITS = {"count": 0, "percent": 2, "ratio": 2, "money": None}


def ratio(part, whole):
    """``part / whole`` with two decimals; None (unknown) when there is nothing to divide by."""
    if part is None or not whole:
        return None
    return round(float(part) / float(whole), 2)


@dataclass(frozen=True)
class Indicator:
    """One indicator of the report.

    ``key`` names it in ``get_indicators()`` and in the line values; ``option``
    names the report's ``show_<option>`` checkbox and the company's
    ``xyz_weight_<option>`` weight. ``value(raw)`` computes it from the raw
    figures of the ``queries`` it reads (None: it cannot be known).
    """

    key: str
    option: str
    group: str
    unit: str  # "count", "money" (company currency), "percent" or "ratio"
    label: Any  # in the files: "Revenue"
    column_label: Any  # on the screen, where room is short: "Lost %"
    option_label: Any  # the checkbox that shows it and its weight: "Sales Revenue"
    help: Any
    queries: tuple
    value: Any  # function of the raw figures
    higher_is_better: bool = True
    default_weight: float = 1.0

    @property
    def additive(self):
        """Counts and amounts add up over the team (shares, totals); ratios do not."""
        return self.unit in ("count", "money")

    @property
    def show_field(self):
        return f"show_{self.option}"

    @property
    def weight_field(self):
        return f"xyz_weight_{self.option}"


INDICATORS = (
    Indicator(
        key="contact_completeness_pct",
        option="completeness",
        group="contacts",
        unit="percent",
        label=_lt("Complete Contact Data (%)"),
        column_label=_lt("Complete %"),
        option_label=_lt("Contact Data Completeness"),
        help=_lt(
            "Share of the salesperson's customers with an email, a phone or mobile and a full "
            "address (street, city, country), on the customer or one of its contacts."
        ),
        queries=("portfolio",),
        value=lambda raw: ratio_pct(raw.get("completeness_complete"), raw.get("completeness_base")),
    ),
    Indicator(
        key="contacts_count",
        option="contacts",
        group="contacts",
        unit="count",
        label=_lt("Contacts"),
        column_label=_lt("Contacts"),
        option_label=_lt("Contacts with Customers"),
        help=_lt(
            "Activities done in the period on his customers and their opportunities and "
            "orders, plus meetings held with them."
        ),
        queries=("contacts",),
        value=lambda raw: raw["activities_done"] + raw["meetings_held"],
    ),
    Indicator(
        key="stage_ups",
        option="stage_ups",
        group="stages",
        unit="count",
        label=_lt("Stage Ups"),
        column_label=_lt("Stage Ups"),
        option_label=_lt("Stages Up"),
        help=_lt("Customers whose automatic stage went up in the period."),
        queries=("stage_changes",),
        value=lambda raw: raw["stage_ups"],
    ),
    Indicator(
        key="stage_downs",
        option="stage_downs",
        group="stages",
        unit="count",
        label=_lt("Stage Downs"),
        column_label=_lt("Stage Downs"),
        option_label=_lt("Stages Down"),
        help=_lt("Customers whose automatic stage went down in the period."),
        queries=("stage_changes",),
        value=lambda raw: raw["stage_downs"],
        higher_is_better=False,
    ),
    Indicator(
        key="lost_share_pct",
        option="lost_share",
        group="stages",
        unit="percent",
        label=_lt("Lost Customers (%)"),
        column_label=_lt("Lost %"),
        option_label=_lt("Lost Customers"),
        help=_lt("Customers lost in the period against all his customers."),
        queries=("stage_changes", "portfolio"),
        value=lambda raw: ratio_pct(raw["lost_customers"], raw["customers"]),
        higher_is_better=False,
    ),
    Indicator(
        key="retention_pct",
        option="retention",
        group="stages",
        unit="percent",
        label=_lt("Retention (%)"),
        column_label=_lt("Retention %"),
        option_label=_lt("Customer Retention"),
        help=_lt(
            "(Customers at the end - new customers) / customers at the start; a customer is "
            "one with a sale in the analysis window of the classification."
        ),
        queries=("retention",),
        # the standard retention rate, of the customers he had at the start (handed over or not)
        value=lambda raw: ratio_pct(raw["retained_customers"], raw["customers_at_start"]),
    ),
    Indicator(
        key="won_back",
        option="won_back",
        group="stages",
        unit="count",
        label=_lt("Customers Won Back"),
        column_label=_lt("Won Back"),
        option_label=_lt("Customers Won Back"),
        help=_lt(
            "His customers at risk or gone down a stage who bought again in the period; a "
            "customer counts for the salesperson he had at that sale."
        ),
        queries=("won_back",),
        value=lambda raw: raw["won_back"],
    ),
    Indicator(
        key="completed_orders",
        option="completed_orders",
        group="sales",
        unit="count",
        label=_lt("Completed Orders"),
        column_label=_lt("Orders"),
        option_label=_lt("Orders Completed"),
        help=_lt("His orders confirmed in the period that are fully delivered and fully invoiced."),
        queries=("orders",),
        value=lambda raw: raw["completed_orders"],
    ),
    Indicator(
        key="orders_per_customer",
        option="orders_per_customer",
        group="sales",
        unit="ratio",
        label=_lt("Orders per Customer"),
        column_label=_lt("Orders / Customer"),
        option_label=_lt("Orders per Customer"),
        help=_lt("His completed orders in the period divided by his customers."),
        queries=("orders", "portfolio"),
        value=lambda raw: ratio(raw["completed_orders"], raw["customers"]),
        # new: out of the ranking until a sales manager weighs it
        default_weight=0.0,
    ),
    Indicator(
        key="revenue",
        option="revenue",
        group="sales",
        unit="money",
        label=_lt("Revenue"),
        column_label=_lt("Revenue"),
        option_label=_lt("Sales Revenue"),
        help=_lt("Untaxed amount of his orders confirmed in the period, in company currency."),
        queries=("orders",),
        value=lambda raw: raw["revenue"],
    ),
    Indicator(
        key="profit",
        option="profit",
        group="sales",
        unit="money",
        label=_lt("Profit"),
        column_label=_lt("Profit"),
        option_label=_lt("Sales Profit"),
        help=_lt("Margin of his orders confirmed in the period, in company currency."),
        queries=("orders",),
        value=lambda raw: raw["profit"],
    ),
    Indicator(
        key="payments",
        option="payments",
        group="sales",
        unit="money",
        label=_lt("Payments"),
        column_label=_lt("Payments"),
        option_label=_lt("Payments Received"),
        help=_lt(
            "Payments received in the period on his invoices, less refunds paid on his "
            "credit notes, in company currency."
        ),
        queries=("payments",),
        value=lambda raw: raw["payments"],
    ),
)
INDICATORS_BY_KEY = {indicator.key: indicator for indicator in INDICATORS}
