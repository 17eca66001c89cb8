"""The sales of a company: the one definition that the classification, the manager
report and the benchmark's floor read.

* **The day** of a sale is the company's local day (the time zone of its partner,
  UTC without one): an order's ``date_order`` (a UTC datetime) in that zone, an
  invoice's ``invoice_date`` as it is.
* **The amounts** are untaxed, in company currency, converted at the document's
  date: an order's untaxed amount or margin over its stored ``currency_rate``,
  rounded to the company currency; an invoice's ``amount_untaxed_signed``
  (negative for a credit note).
* **The documents** are the confirmed orders (cancelled ones and quotations are
  not sales), or the posted customer invoices and credit notes (a credit note
  subtracts its amount and makes no purchase). A company's own partners
  (inter-company sales) are not customers.

The fragments are plain SQL text with ``{slots}`` for what the reader names its own
way (a column, a parameter), so that ``odoo.tools.SQL`` readers and plain
PostgreSQL readers (the benchmark's floor) take the same text.
"""

from datetime import datetime, time, timedelta

import pytz

# ------------------------------------------------------------------ the day
# the company's local day of a UTC datetime {moment}, in the time zone {tz}
LOCAL_DAY = "(({moment} AT TIME ZONE 'UTC') AT TIME ZONE {tz})::date"
# the UTC instant (naive) at which the local day {day} starts in the time zone {tz}
DAY_START_UTC = "(({day})::timestamp AT TIME ZONE {tz}) AT TIME ZONE 'UTC'"


def company_tz(company):
    """The time zone of a company's days: its partner's, UTC without one."""
    return company.partner_id.tz or "UTC"


def company_day_start_utc(day, tz_name):
    """The UTC instant (naive, as Odoo stores datetimes) at which `day` starts in `tz_name`."""
    start = pytz.timezone(tz_name or "UTC").localize(datetime.combine(day, time.min))
    return start.astimezone(pytz.utc).replace(tzinfo=None)


def company_day_end_utc(day, tz_name):
    """The UTC instant at which `day` ends (the next day starts) in `tz_name`."""
    return company_day_start_utc(day + timedelta(days=1), tz_name)


# ------------------------------------------------------------------ the amounts
# an amount {value} of an order ``so`` in company currency, rounded to {digits} places
ORDER_AMOUNT = "ROUND({value} / NULLIF(so.currency_rate, 0), {digits})"
# the parameter of each sales source, in company currency, untaxed
ORDER_VALUES = {
    "revenue": ORDER_AMOUNT.format(value="so.amount_untaxed", digits="%(digits)s"),
    "margin": ORDER_AMOUNT.format(value="so.margin", digits="%(digits)s"),
    "count": "1",
}
INVOICE_VALUES = {
    # amount_untaxed_signed is in company currency at the invoice date, negative for credit notes
    "revenue": "am.amount_untaxed_signed",
    "count": "CASE WHEN am.move_type = 'out_invoice' THEN 1 ELSE 0 END",
}
# 1 for a document in a foreign currency without a rate on or before the date Odoo converted it
# at (res.currency._get_rates: it then takes the first rate of the currency, or 1.0); the
# stored conversions (sale_order.currency_rate, amount_untaxed_signed) are used as they are
MISSING_RATE = (
    "CASE WHEN {currency} <> %(currency_id)s"
    " AND (fr.first_date IS NULL OR fr.first_date > {day}) THEN 1 ELSE 0 END"
)
# the first rate of each currency; the statement that counts missing rates defines it
FIRST_RATES = """
    first_rates AS (
        SELECT currency_id, MIN(name) AS first_date
          FROM res_currency_rate
         WHERE company_id IS NULL OR company_id = %(root_company_id)s
         GROUP BY currency_id
    )
"""

# ------------------------------------------------------------------ the documents
# a sale order ``so`` that is a sale: confirmed (not a quotation, not cancelled)
CONFIRMED_ORDER = "so.state = 'sale'"
# a customer invoice ``am`` that is a purchase: posted (credit notes make no customer)
POSTED_INVOICE = "am.state = 'posted' AND am.move_type = 'out_invoice'"
# a posted customer invoice or credit note ``am``: the sales, credit notes negative
POSTED_INVOICE_OR_CREDIT_NOTE = (
    "am.state = 'posted' AND am.move_type IN ('out_invoice', 'out_refund')"
)
# a customer {partner} that is not one of the companies of the database
NOT_A_COMPANY = "{partner} NOT IN (SELECT partner_id FROM res_company)"


def company_sales(source, parameter, missing_rates=False):
    """The sales of one company up to a date, one row per document.

    Columns: partner_id (the commercial partner), sale_date (the company's local
    date), amount (the parameter, credit notes negative), purchase (1 for a sale,
    0 for a credit note) and missing_rate (with `missing_rates`, 1 for a document
    converted without an exchange rate at its date; else 0).

    Parameters: company_id, cutoff_utc (orders before it), as_of (invoices up to
    it), tz, digits, and with `missing_rates` currency_id (the query then reads the
    ``first_rates`` CTE, FIRST_RATES, with its root_company_id).
    ``company_customer_windows`` reads the same sales, per customer.
    """
    rates_join = "LEFT JOIN first_rates fr ON fr.currency_id = {currency}" if missing_rates else ""
    if source == "invoice":
        missing = (
            MISSING_RATE.format(currency="am.currency_id", day="am.invoice_date")
            if missing_rates and parameter != "count"
            else "0"
        )
        return f"""
            SELECT am.commercial_partner_id AS partner_id,
                   am.invoice_date AS sale_date,
                   {INVOICE_VALUES[parameter]} AS amount,
                   CASE WHEN am.move_type = 'out_invoice' THEN 1 ELSE 0 END AS purchase,
                   {missing} AS missing_rate
              FROM account_move am
              {rates_join.format(currency="am.currency_id")}
             WHERE am.company_id = %(company_id)s
               AND {POSTED_INVOICE_OR_CREDIT_NOTE}
               AND am.invoice_date <= %(as_of)s
               AND {NOT_A_COMPANY.format(partner="am.commercial_partner_id")}
        """
    missing = (
        MISSING_RATE.format(currency="so.currency_id", day="so.date_order::date")
        if missing_rates and parameter != "count"
        else "0"
    )
    return f"""
            SELECT cp.commercial_partner_id AS partner_id,
                   {LOCAL_DAY.format(moment="so.date_order", tz="%(tz)s")} AS sale_date,
                   {ORDER_VALUES[parameter]} AS amount,
                   1 AS purchase,
                   {missing} AS missing_rate
              FROM sale_order so
              JOIN res_partner cp ON cp.id = so.partner_id
              {rates_join.format(currency="so.currency_id")}
             WHERE so.company_id = %(company_id)s
               AND {CONFIRMED_ORDER}
               AND so.date_order < %(cutoff_utc)s
               AND {NOT_A_COMPANY.format(partner="cp.commercial_partner_id")}
    """


def company_customer_windows(source, customers=None):
    """Rows (partner_id, in_first, in_second): each customer (commercial partner) of
    the company with a purchase in one of two windows of local days, and in which.

    The purchases of ``company_sales`` (confirmed orders, or posted invoices:
    credit notes make no customer), with its exclusions, read per customer
    rather than per document: the windows are ``(first_floor, first_last]`` and
    ``(second_floor, as_of]``, days of the company, with ``first_floor <=
    second_floor``. For orders they are read as the UTC instants where those
    days start (``first_start_utc``, ``first_end_utc``, ``second_start_utc``,
    ``cutoff_utc``), so that the index of a company's orders by customer and
    date answers without converting each order's date. ``customers``: SQL of the
    ids of the only customers to read (all without).
    """
    only = f"AND {{partner}} IN ({customers})" if customers else ""
    if source == "invoice":
        return f"""
            SELECT am.commercial_partner_id AS partner_id,
                   BOOL_OR(am.invoice_date <= %(first_last)s) AS in_first,
                   BOOL_OR(am.invoice_date > %(second_floor)s) AS in_second
              FROM account_move am
             WHERE am.company_id = %(company_id)s
               AND {POSTED_INVOICE}
               AND am.invoice_date > %(first_floor)s
               AND am.invoice_date <= %(as_of)s
               AND {NOT_A_COMPANY.format(partner="am.commercial_partner_id")}
               {only.format(partner="am.commercial_partner_id")}
             GROUP BY am.commercial_partner_id
        """
    return f"""
            SELECT cp.commercial_partner_id AS partner_id,
                   BOOL_OR(by_partner.in_first) AS in_first,
                   BOOL_OR(by_partner.in_second) AS in_second
              FROM (SELECT so.partner_id,
                           BOOL_OR(so.date_order < %(first_end_utc)s) AS in_first,
                           BOOL_OR(so.date_order >= %(second_start_utc)s) AS in_second
                      FROM sale_order so
                     WHERE so.company_id = %(company_id)s
                       AND {CONFIRMED_ORDER}
                       AND so.date_order >= %(first_start_utc)s
                       AND so.date_order < %(cutoff_utc)s
                     GROUP BY so.partner_id) AS by_partner
              JOIN res_partner cp ON cp.id = by_partner.partner_id
             WHERE {NOT_A_COMPANY.format(partner="cp.commercial_partner_id")}
               {only.format(partner="cp.commercial_partner_id")}
             GROUP BY cp.commercial_partner_id
    """
